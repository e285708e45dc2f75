// The behaviour every Store must show (store.h), as Catch2 sections: each backend's test calls
// check_store_contract with a factory of fresh, empty stores.
#pragma once

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/store/store.h"

namespace xebec::store::testing {

using namespace std::chrono_literals;

template <typename T>
T must(Result<T> r) {
  INFO((r ? std::string("ok") : r.error().message));
  REQUIRE(r.ok());
  return std::move(*r);
}

template <typename T>
ErrorCode code_of(const Result<T>& r) {
  REQUIRE_FALSE(r.ok());
  return r.error().code;
}

// Collects what a watch delivers, and waits for it.
class Recorder {
 public:
  WatchSink sink() {
    return [this](Result<std::vector<Event>> batch) {
      std::lock_guard lock(mu_);
      if (!batch) {
        error_ = batch.error().code;
        ended_ = true;
      } else {
        events_.insert(events_.end(), batch->begin(), batch->end());
      }
      cv_.notify_all();
    };
  }
  // The first n events, once they arrived (fails after a few seconds).
  std::vector<Event> wait_for(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return events_.size() >= n || ended_; });
    INFO("got " << events_.size() << " events, waited for " << n);
    REQUIRE(events_.size() >= n);
    return {events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(n)};
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return events_.size();
  }
  bool ended_with(ErrorCode code) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return ended_; });
    return ended_ && error_ == code;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  bool ended_ = false;
  ErrorCode error_ = ErrorCode::kUnknown;
};

inline std::vector<std::string> keys_of(const ListResult& l) {
  std::vector<std::string> out;
  for (const auto& kv : l.items) out.push_back(kv.key);
  return out;
}

inline void check_store_contract(const std::function<std::unique_ptr<Store>()>& make) {
  auto store = make();
  Store& s = *store;
  const Revision start = must(s.current_revision());

  SECTION("create gives a new revision; a second create of the key fails and changes nothing") {
    const KeyValue a = must(s.create("/registry/pods/default/a", "one"));
    CHECK(a.key == "/registry/pods/default/a");
    CHECK(a.value == "one");
    CHECK(a.mod_revision > start);
    CHECK(a.create_revision == a.mod_revision);
    CHECK(must(s.current_revision()) == a.mod_revision);
    CHECK(must(s.get("/registry/pods/default/a")) == a);

    CHECK(code_of(s.create("/registry/pods/default/a", "two")) == ErrorCode::kAlreadyExists);
    CHECK(must(s.current_revision()) == a.mod_revision);
    CHECK(must(s.get("/registry/pods/default/a")).value == "one");

    const KeyValue b = must(s.create("/registry/pods/default/b", "other"));
    CHECK(b.mod_revision > a.mod_revision);
    CHECK(code_of(s.get("/registry/pods/default/c")) == ErrorCode::kNotFound);
  }

  SECTION("values are kept byte for byte") {
    const std::string bytes("k8s\0\x01\xff\n\"{}", 10);
    must(s.create("/bin", bytes));
    CHECK(must(s.get("/bin")).value == bytes);
    CHECK(must(s.get("/bin")).value.size() == 10);
  }

  SECTION("update compares the revision it was read at") {
    const KeyValue a = must(s.create("/k", "v1"));
    const KeyValue a2 = must(s.update("/k", "v2", a.mod_revision));
    CHECK(a2.value == "v2");
    CHECK(a2.create_revision == a.create_revision);
    CHECK(a2.mod_revision > a.mod_revision);
    CHECK(code_of(s.update("/k", "stale", a.mod_revision)) == ErrorCode::kConflict);
    CHECK(must(s.get("/k")).value == "v2");
    CHECK(must(s.update("/k", "v3", 0)).value == "v3");  // 0: unconditional
    CHECK(code_of(s.update("/missing", "x", 0)) == ErrorCode::kNotFound);
    CHECK(code_of(s.update("/missing", "x", a.mod_revision)) == ErrorCode::kNotFound);
  }

  SECTION("remove returns the last value at the delete's revision; the key can come back") {
    const KeyValue a = must(s.create("/k", "v1"));
    CHECK(code_of(s.remove("/k", a.mod_revision + 100)) == ErrorCode::kConflict);
    const KeyValue gone = must(s.remove("/k", a.mod_revision));
    CHECK(gone.value == "v1");
    CHECK(gone.create_revision == a.create_revision);
    CHECK(gone.mod_revision > a.mod_revision);
    CHECK(must(s.current_revision()) == gone.mod_revision);
    CHECK(code_of(s.get("/k")) == ErrorCode::kNotFound);
    CHECK(code_of(s.remove("/k", 0)) == ErrorCode::kNotFound);
    const KeyValue again = must(s.create("/k", "v2"));
    CHECK(again.create_revision == again.mod_revision);
    CHECK(again.create_revision > gone.mod_revision);
  }

  SECTION("list returns the prefix's keys in order, pages with limit, and reads the past") {
    for (const char* k : {"/registry/pods/ns2/x", "/registry/pods/ns1/b", "/registry/pods/ns1/a",
                          "/registry/podsx/ns1/z", "/registry/services/ns1/a"})
      must(s.create(k, k));
    const ListResult all = must(s.list("/registry/pods/", {}));
    CHECK(keys_of(all) == std::vector<std::string>{"/registry/pods/ns1/a", "/registry/pods/ns1/b", "/registry/pods/ns2/x"});
    CHECK(all.revision == must(s.current_revision()));
    CHECK_FALSE(all.more);
    CHECK(keys_of(must(s.list("/registry/pods/ns1/", {}))) ==
          std::vector<std::string>{"/registry/pods/ns1/a", "/registry/pods/ns1/b"});
    CHECK(must(s.list("/registry/nothing/", {})).items.empty());

    const ListResult page1 = must(s.list("/registry/pods/", {.revision = 0, .limit = 2, .start_after = ""}));
    CHECK(keys_of(page1) == std::vector<std::string>{"/registry/pods/ns1/a", "/registry/pods/ns1/b"});
    CHECK(page1.more);
    // The next page reads the same revision, whatever was written since.
    must(s.create("/registry/pods/ns1/c", "late"));
    const ListResult page2 =
        must(s.list("/registry/pods/", {.revision = page1.revision, .limit = 2, .start_after = page1.items.back().key}));
    CHECK(keys_of(page2) == std::vector<std::string>{"/registry/pods/ns2/x"});
    CHECK_FALSE(page2.more);
    CHECK(page2.revision == page1.revision);

    // The past: the state before an update and a delete.
    const Revision before = must(s.current_revision());
    must(s.update("/registry/pods/ns1/a", "changed", 0));
    must(s.remove("/registry/pods/ns1/b", 0));
    const ListResult then = must(s.list("/registry/pods/ns1/", {.revision = before, .limit = 0, .start_after = ""}));
    CHECK(keys_of(then) == std::vector<std::string>{"/registry/pods/ns1/a", "/registry/pods/ns1/b", "/registry/pods/ns1/c"});
    CHECK(then.items[0].value == "/registry/pods/ns1/a");
    CHECK(keys_of(must(s.list("/registry/pods/ns1/", {}))) ==
          std::vector<std::string>{"/registry/pods/ns1/a", "/registry/pods/ns1/c"});
  }

  SECTION("compaction forgets history: older lists and watches get kGone, the present stays") {
    const KeyValue a = must(s.create("/k", "v1"));
    must(s.update("/k", "v2", 0));
    const KeyValue b = must(s.create("/j", "w"));
    REQUIRE(s.compact(b.mod_revision).ok());
    CHECK(code_of(s.list("/", {.revision = a.mod_revision, .limit = 0, .start_after = ""})) == ErrorCode::kGone);
    CHECK(code_of(s.watch(a.mod_revision, [](Result<std::vector<Event>>) {})) == ErrorCode::kGone);
    CHECK(must(s.get("/k")).value == "v2");
    CHECK(must(s.list("/", {})).items.size() == 2);
    // Watching from the compaction revision itself still works: nothing before it is needed.
    Recorder r;
    auto w = must(s.watch(b.mod_revision, r.sink()));
    const KeyValue c = must(s.update("/j", "w2", 0));
    CHECK(r.wait_for(1)[0].kv == c);
  }

  SECTION("a watch replays the history after its revision, then follows, in order") {
    const KeyValue a = must(s.create("/w/a", "1"));
    const KeyValue a2 = must(s.update("/w/a", "2", 0));
    Recorder r;
    auto w = must(s.watch(a.mod_revision, r.sink()));  // after a: a2 first
    const KeyValue b = must(s.create("/w/b", "3"));
    const KeyValue gone = must(s.remove("/w/a", 0));
    const auto events = r.wait_for(3);
    CHECK(events[0] == Event{Event::Type::kPut, a2});
    CHECK(events[1] == Event{Event::Type::kPut, b});
    CHECK(events[1].created());
    CHECK_FALSE(events[0].created());
    CHECK(events[2].type == Event::Type::kDelete);
    CHECK(events[2].kv.key == "/w/a");
    CHECK(events[2].revision() == gone.mod_revision);
    CHECK(events[2].kv.create_revision == a.create_revision);

    w.reset();  // no more deliveries after the handle is gone
    const std::size_t seen = r.count();
    must(s.create("/w/c", "4"));
    std::this_thread::sleep_for(200ms);
    CHECK(r.count() == seen);
  }

  SECTION("a sink may drop its own watch") {
    std::unique_ptr<Watch> self;
    std::mutex mu;
    std::atomic<int> calls{0};
    self = must(s.watch(must(s.current_revision()), [&](Result<std::vector<Event>>) {
      ++calls;
      std::lock_guard lock(mu);
      self.reset();
    }));
    must(s.create("/self/1", "x"));
    for (int i = 0; i < 100 && calls == 0; ++i) std::this_thread::sleep_for(20ms);
    must(s.create("/self/2", "x"));
    std::this_thread::sleep_for(200ms);
    CHECK(calls == 1);
    std::lock_guard lock(mu);
    CHECK(self == nullptr);
  }

  SECTION("many watchers each see every event, in order") {
    std::vector<std::unique_ptr<Recorder>> recorders;
    std::vector<std::unique_ptr<Watch>> watches;
    const Revision from = must(s.current_revision());
    for (int i = 0; i < 20; ++i) {
      recorders.push_back(std::make_unique<Recorder>());
      watches.push_back(must(s.watch(from, recorders.back()->sink())));
    }
    for (int i = 0; i < 50; ++i) must(s.create("/many/" + std::to_string(i), "x"));
    for (auto& r : recorders) {
      const auto events = r->wait_for(50);
      bool ordered = true;
      for (std::size_t i = 1; i < events.size(); ++i) ordered = ordered && events[i].revision() > events[i - 1].revision();
      CHECK(ordered);
    }
  }

  SECTION("concurrent compare-and-swap updates lose no increment") {
    must(s.create("/counter", "0"));
    constexpr int kThreads = 4, kIncrements = 25;
    std::atomic<int> conflicts{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&] {
        for (int done = 0; done < kIncrements;) {
          auto cur = s.get("/counter");
          if (!cur) continue;
          auto next = s.update("/counter", std::to_string(std::stoi(cur->value) + 1), cur->mod_revision);
          if (next) ++done;
          else if (next.error().code == ErrorCode::kConflict) ++conflicts;
        }
      });
    for (auto& t : threads) t.join();
    CHECK(must(s.get("/counter")).value == std::to_string(kThreads * kIncrements));
  }
}

}  // namespace xebec::store::testing
