// EtcdStore against a real etcd (Debian's etcd-server): the Store contract, then what only a
// networked store has to get right: failover, etcd going away and coming back, key prefixes.
#include "controlplane/store/etcd_store.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "controlplane/store/etcd_process_test_support.h"
#include "controlplane/store/store_contract.h"

namespace xebec::store {
namespace {

using testing::code_of;
using testing::dead_endpoint;
using testing::EtcdProcess;
using testing::fresh_key_prefix;
using testing::must;
using testing::Recorder;
using testing::shared_etcd;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_CASE("EtcdStore meets the store contract") {
  EtcdProcess& etcd = shared_etcd();
  testing::check_store_contract(
      [&]() -> std::unique_ptr<Store> { return must(EtcdStore::connect({etcd.endpoint()}, fresh_key_prefix())); });
}

TEST_CASE("EtcdStore fails over to the next endpoint when one refuses connections") {
  const std::string live = shared_etcd().endpoint();
  const std::string dead = dead_endpoint();
  auto store = must(EtcdStore::connect({dead, live}, fresh_key_prefix()));
  Recorder r;
  auto w = must(store->watch(must(store->current_revision()), r.sink()));
  const KeyValue a = must(store->create("/a", "1"));
  CHECK(must(store->get("/a")) == a);
  CHECK(r.wait_for(1)[0].kv == a);

  auto second = must(EtcdStore::connect({live, dead}, fresh_key_prefix()));
  CHECK(must(second->create("/a", "2")).value == "2");
}

TEST_CASE("EtcdStore::connect names every endpoint when none answers") {
  const std::string first = dead_endpoint(), second = dead_endpoint();
  auto store = EtcdStore::connect({first, second}, "");
  REQUIRE_FALSE(store.ok());
  INFO(store.error().message);
  CHECK(store.error().code == ErrorCode::kUnavailable);
  CHECK(contains(store.error().message, first + ": connecting: Connection refused"));
  CHECK(contains(store.error().message, second + ": connecting: Connection refused"));
}

TEST_CASE("EtcdStore::connect rejects endpoints that are not http://HOST:PORT") {
  CHECK(code_of(EtcdStore::connect({}, "")) == ErrorCode::kInvalid);
  auto tls = EtcdStore::connect({"https://127.0.0.1:2379"}, "");
  CHECK(code_of(tls) == ErrorCode::kInvalid);
  CHECK(contains(tls.error().message, "TLS is not supported"));
  CHECK(code_of(EtcdStore::connect({"127.0.0.1:2379"}, "")) == ErrorCode::kInvalid);
  CHECK(code_of(EtcdStore::connect({"http://127.0.0.1"}, "")) == ErrorCode::kInvalid);
  CHECK(code_of(EtcdStore::connect({"http://127.0.0.1:2379/v3"}, "")) == ErrorCode::kInvalid);
}

TEST_CASE("etcd's refusals come back with its message and a code") {
  auto store = must(EtcdStore::connect({shared_etcd().endpoint()}, fresh_key_prefix()));
  const Revision now = must(store->create("/a", "1")).mod_revision;
  auto future = store->list("/", {.revision = now + 1000, .limit = 0, .start_after = ""});
  CHECK(code_of(future) == ErrorCode::kInvalid);
  CHECK(contains(future.error().message, "required revision is a future revision"));
  CHECK(code_of(store->compact(now + 1000)) == ErrorCode::kInvalid);
  CHECK(store->compact(now).ok());
  CHECK(store->compact(now).ok());  // compacted already: nothing older is left
  auto gone = store->list("/", {.revision = now - 1, .limit = 0, .start_after = ""});
  CHECK(code_of(gone) == ErrorCode::kGone);
  CHECK(contains(gone.error().message, "required revision has been compacted"));
}

TEST_CASE("a watch ends with kUnavailable when etcd dies, and calls say which endpoint failed") {
  EtcdProcess etcd;
  auto store = must(EtcdStore::connect({etcd.endpoint()}, ""));
  Recorder r;
  auto w = must(store->watch(must(store->current_revision()), r.sink()));
  must(store->create("/a", "1"));
  r.wait_for(1);

  etcd.kill();
  CHECK(r.ended_with(ErrorCode::kUnavailable));
  auto failed = store->get("/a");
  REQUIRE_FALSE(failed.ok());
  INFO(failed.error().message);
  CHECK(failed.error().code == ErrorCode::kUnavailable);
  CHECK(contains(failed.error().message, etcd.endpoint()));
  CHECK(code_of(store->watch(0, r.sink())) == ErrorCode::kUnavailable);
}

TEST_CASE("EtcdStore works again once etcd is back, on new connections") {
  EtcdProcess etcd;
  auto store = must(EtcdStore::connect({etcd.endpoint()}, ""));
  const KeyValue a = must(store->create("/a", "1"));
  etcd.kill();
  CHECK(code_of(store->get("/a")) == ErrorCode::kUnavailable);
  etcd.start();
  CHECK(must(store->get("/a")) == a);  // the pooled connections to the old process are dropped
  CHECK(must(store->update("/a", "2", a.mod_revision)).value == "2");
}

TEST_CASE("stores with different key prefixes keep apart, and hand out keys without them") {
  EtcdProcess& etcd = shared_etcd();
  auto a = must(EtcdStore::connect({etcd.endpoint()}, fresh_key_prefix()));
  auto b = must(EtcdStore::connect({etcd.endpoint()}, fresh_key_prefix()));
  Recorder seen_by_a;
  auto w = must(a->watch(must(a->current_revision()), seen_by_a.sink()));
  must(b->create("/registry/pods/ns/x", "b's"));
  const KeyValue mine = must(a->create("/registry/pods/ns/x", "a's"));
  CHECK(must(b->get("/registry/pods/ns/x")).value == "b's");
  CHECK(must(a->list("/", {})).items == std::vector<KeyValue>{mine});
  CHECK(must(a->list("", {})).items == std::vector<KeyValue>{mine});
  CHECK(seen_by_a.wait_for(1)[0].kv == mine);
  must(b->remove("/registry/pods/ns/x", 0));
  must(a->remove("/registry/pods/ns/x", 0));
  CHECK(seen_by_a.wait_for(2)[1].kv.key == "/registry/pods/ns/x");
  CHECK(seen_by_a.count() == 2);
}

TEST_CASE("a watch carries values larger than one read of the stream") {
  auto store = must(EtcdStore::connect({shared_etcd().endpoint()}, fresh_key_prefix()));
  Recorder r;
  auto w = must(store->watch(must(store->current_revision()), r.sink()));
  std::string big(300 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  const KeyValue a = must(store->create("/big", big));
  const KeyValue b = must(store->create("/small", "x"));
  const auto events = r.wait_for(2);
  CHECK(events[0].kv == a);
  CHECK(events[1].kv == b);
}

TEST_CASE("a sink may destroy its own watch") {
  auto store = must(EtcdStore::connect({shared_etcd().endpoint()}, fresh_key_prefix()));
  std::mutex mu;
  std::unique_ptr<Watch> handle;
  std::atomic<int> calls{0};
  std::promise<void> destroyed;
  {
    std::lock_guard lock(mu);
    handle = must(store->watch(must(store->current_revision()), [&](Result<std::vector<Event>>) {
      std::unique_ptr<Watch> self;
      {
        std::lock_guard lock(mu);
        self = std::move(handle);
      }
      if (++calls == 1) {
        self.reset();
        destroyed.set_value();
      }
    }));
  }
  must(store->create("/a", "1"));
  REQUIRE(destroyed.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  must(store->create("/b", "2"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(calls == 1);
}

}  // namespace
}  // namespace xebec::store
