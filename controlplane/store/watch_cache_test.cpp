// WatchCache: the store contract in front of MemoryStore, and what the cache adds: one watch below
// for many above, history from its window or from the store, recovery when the watch below fails.
#include "controlplane/store/watch_cache.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/store/memory_store.h"
#include "controlplane/store/store_contract.h"

namespace xebec::store {
namespace {

using namespace std::chrono_literals;
using testing::must;
using testing::Recorder;

// A MemoryStore whose watches the test can count, hold back and break.
class WatchedStore final : public Store {
 public:
  Result<KeyValue> create(const std::string& k, const std::string& v) override { return memory_.create(k, v); }
  Result<KeyValue> update(const std::string& k, const std::string& v, Revision e) override {
    return memory_.update(k, v, e);
  }
  Result<KeyValue> remove(const std::string& k, Revision e) override { return memory_.remove(k, e); }
  Result<KeyValue> get(const std::string& k) override { return memory_.get(k); }
  Result<ListResult> list(const std::string& p, const ListOptions& o) override { return memory_.list(p, o); }
  Result<Revision> current_revision() override { return memory_.current_revision(); }
  Status compact(Revision r) override { return memory_.compact(r); }

  Result<std::unique_ptr<Watch>> watch(Revision after, WatchSink sink) override {
    auto tap = std::make_shared<Tap>();
    tap->sink = std::move(sink);
    auto inner = memory_.watch(after, [this, tap](Result<std::vector<Event>> batch) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !held_; });
      if (!tap->broken) tap->sink(std::move(batch));
    });
    if (!inner) return inner.error();
    std::lock_guard lock(mu_);
    taps_.push_back(tap);
    return std::move(*inner);
  }

  int watches() {
    std::lock_guard lock(mu_);
    return static_cast<int>(taps_.size());
  }
  // While held, the events of the watches below wait.
  void hold(bool held) {
    std::lock_guard lock(mu_);
    held_ = held;
    cv_.notify_all();
  }
  // Ends every watch so far with kUnavailable, as a lost etcd connection does.
  void break_watches() {
    std::lock_guard lock(mu_);
    for (const auto& tap : taps_)
      if (!std::exchange(tap->broken, true)) tap->sink(err("the store went away", ErrorCode::kUnavailable));
  }

 private:
  struct Tap {
    WatchSink sink;
    bool broken = false;
  };
  MemoryStore memory_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  std::vector<std::shared_ptr<Tap>> taps_;
};

struct Cached {
  explicit Cached(std::size_t window = WatchCache::kDefaultWindow) {
    auto owned = std::make_unique<WatchedStore>();
    below = owned.get();
    cache = must(WatchCache::open(std::move(owned), window));
  }
  WatchedStore* below;
  std::unique_ptr<WatchCache> cache;
};

std::vector<Revision> revisions(const std::vector<Event>& events) {
  std::vector<Revision> out;
  for (const auto& e : events) out.push_back(e.revision());
  return out;
}

}  // namespace

TEST_CASE("the watch cache keeps the store contract", "[store]") {
  testing::check_store_contract([] { return must(WatchCache::open(std::make_unique<MemoryStore>())); });
}

TEST_CASE("a hundred watches of the cache are one watch of the store below", "[store]") {
  Cached c;
  std::vector<Recorder> recorders(100);
  std::vector<std::unique_ptr<Watch>> watches;
  for (auto& r : recorders) watches.push_back(must(c.cache->watch(0, r.sink())));
  for (int i = 0; i < 10; ++i) must(c.cache->create("/k" + std::to_string(i), "v"));
  for (auto& r : recorders) CHECK(revisions(r.wait_for(10)) == std::vector<Revision>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK(c.below->watches() == 1);
}

TEST_CASE("a watch from before the cache's window gets its history from the store", "[store]") {
  Cached c(/*window=*/2);
  for (int i = 0; i < 5; ++i) must(c.cache->create("/k" + std::to_string(i), "v"));

  Recorder recent;
  auto in_window = must(c.cache->watch(3, recent.sink()));
  CHECK(revisions(recent.wait_for(2)) == std::vector<Revision>{4, 5});
  CHECK(c.below->watches() == 1);

  Recorder old;
  auto from_store = must(c.cache->watch(1, old.sink()));
  CHECK(revisions(old.wait_for(4)) == std::vector<Revision>{2, 3, 4, 5});
  CHECK(c.below->watches() == 2);
}

TEST_CASE("a watch from a revision the cache has not followed yet starts after it", "[store]") {
  Cached c;
  must(c.cache->create("/a", "v"));
  Recorder first;
  auto following = must(c.cache->watch(1, first.sink()));
  c.below->hold(true);  // the cache falls behind the store
  must(c.cache->create("/b", "v"));
  must(c.cache->create("/c", "v"));

  Recorder late;
  auto from_three = must(c.cache->watch(3, late.sink()));
  c.below->hold(false);
  must(c.cache->create("/d", "v"));
  CHECK(revisions(late.wait_for(1)) == std::vector<Revision>{4});
  CHECK(revisions(first.wait_for(3)) == std::vector<Revision>{2, 3, 4});
  CHECK(c.below->watches() == 1);
  CHECK(testing::code_of(c.cache->watch(9, late.sink())) == ErrorCode::kInvalid);
}

TEST_CASE(
    "when the store's watch fails, the cache's watches end with its "
    "error and the cache follows again",
    "[store]") {
  Cached c;
  must(c.cache->create("/a", "v"));
  Recorder before;
  auto broken = must(c.cache->watch(0, before.sink()));
  before.wait_for(1);

  c.below->break_watches();
  CHECK(before.ended_with(ErrorCode::kUnavailable));
  for (int i = 0; i < 100 && c.below->watches() < 2; ++i) std::this_thread::sleep_for(50ms);
  REQUIRE(c.below->watches() == 2);

  // The client watches again from what it saw; the cache has followed the store again.
  must(c.cache->create("/b", "v"));
  Recorder after;
  auto resumed = must(c.cache->watch(1, after.sink()));
  CHECK(revisions(after.wait_for(1)) == std::vector<Revision>{2});
  must(c.cache->create("/c", "v"));
  CHECK(revisions(after.wait_for(2)) == std::vector<Revision>{2, 3});
  CHECK(c.below->watches() == 2);
}

}  // namespace xebec::store
