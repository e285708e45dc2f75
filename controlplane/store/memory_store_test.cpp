// MemoryStore, the fake, keeps the same contract as the real stores.
#include "controlplane/store/memory_store.h"

#include "controlplane/store/store_contract.h"

TEST_CASE("the memory store keeps the store contract", "[store]") {
  xebec::store::testing::check_store_contract([] { return std::make_unique<xebec::store::MemoryStore>(); });
}
