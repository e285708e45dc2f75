// WorkQueue: client-go's semantics: de-duplication, one worker per key, re-queue after
// processing, back-off, delays and shutdown. Waits are bounded: a get() that does not return
// fails the test instead of hanging it.
#include "controlplane/client/work_queue.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <set>
#include <thread>
#include <vector>

namespace xebec::client {
namespace {

using namespace std::chrono_literals;

// q.get() on another thread, within `limit`; on timeout, shuts the queue down to free it and fails.
std::optional<std::string> get_within(WorkQueue& q, std::chrono::seconds limit = 10s) {
  auto got = std::async(std::launch::async, [&] { return q.get(); });
  if (got.wait_for(limit) != std::future_status::ready) {
    q.shut_down();
    FAIL("get() did not return within " << limit.count() << " s");
  }
  return got.get();
}

}  // namespace

TEST_CASE("a key added several times waits once", "[work_queue]") {
  WorkQueue q;
  q.add("a");
  q.add("b");
  q.add("a");
  CHECK(q.size() == 2);
  CHECK(get_within(q) == "a");
  CHECK(get_within(q) == "b");
  CHECK(q.size() == 0);
}

TEST_CASE("a key added while it is processed is handed out again only after done", "[work_queue]") {
  WorkQueue q;
  q.add("a");
  REQUIRE(get_within(q) == "a");
  q.add("a");
  q.add("a");
  q.add("b");
  CHECK(q.size() == 1);  // b only: a is being processed
  CHECK(get_within(q) == "b");
  q.done("b");
  CHECK(q.size() == 0);
  q.done("a");
  CHECK(q.size() == 1);  // once, however often it was added
  CHECK(get_within(q) == "a");
  q.done("a");
  CHECK(q.size() == 0);
}

TEST_CASE("workers never process one key at once", "[work_queue]") {
  WorkQueue q;
  std::mutex mu;
  std::set<std::string> busy;
  std::atomic<int> overlaps{0}, processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.get()) {
        {
          std::lock_guard lock(mu);
          if (!busy.insert(*key).second) ++overlaps;
        }
        std::this_thread::yield();
        {
          std::lock_guard lock(mu);
          busy.erase(*key);
        }
        ++processed;
        q.done(*key);
      }
    });
  }
  for (int i = 0; i < 20000; ++i) q.add("key-" + std::to_string(i % 3));
  q.shut_down();  // the keys still queued are handed out before get() says it is over
  for (auto& t : workers) t.join();
  CHECK(overlaps == 0);
  CHECK(processed > 0);
  CHECK(q.size() == 0);
}

TEST_CASE("add_rate_limited backs off per key until forget", "[work_queue]") {
  SECTION("the back-off delays the key and is counted") {
    WorkQueue q(1h, 2h);
    q.add_rate_limited("a");
    q.add_rate_limited("a");
    CHECK(q.num_requeues("a") == 2);
    CHECK(q.size() == 0);  // due in an hour
    q.forget("a");
    CHECK(q.num_requeues("a") == 0);
  }
  SECTION("a short back-off hands the key out once it has passed") {
    WorkQueue q(20ms, 1s);
    const auto start = std::chrono::steady_clock::now();
    q.add_rate_limited("a");  // 20 ms
    REQUIRE(get_within(q) == "a");
    q.done("a");
    q.add_rate_limited("a");  // 40 ms
    REQUIRE(get_within(q) == "a");
    CHECK(std::chrono::steady_clock::now() - start >= 60ms);
    CHECK(q.num_requeues("a") == 2);
  }
}

TEST_CASE("add_after queues the key once its delay has passed, the earlier of two", "[work_queue]") {
  WorkQueue q;
  const auto start = std::chrono::steady_clock::now();
  q.add_after("a", 50ms);
  q.add_after("b", 1h);
  q.add_after("b", 100ms);
  CHECK(q.size() == 0);
  CHECK(get_within(q) == "a");
  CHECK(std::chrono::steady_clock::now() - start >= 50ms);
  CHECK(get_within(q) == "b");
  CHECK(std::chrono::steady_clock::now() - start >= 100ms);
  q.add_after("c", 0ms);  // at once
  CHECK(q.size() == 1);
}

TEST_CASE("shut_down wakes the waiting workers and refuses adds", "[work_queue]") {
  WorkQueue q;
  std::vector<std::future<std::optional<std::string>>> waiting;
  for (int i = 0; i < 3; ++i) waiting.push_back(std::async(std::launch::async, [&] { return q.get(); }));
  std::this_thread::sleep_for(50ms);  // (they may or may not be waiting yet: either way they must return)
  q.shut_down();
  for (auto& w : waiting) {
    REQUIRE(w.wait_for(10s) == std::future_status::ready);
    CHECK(w.get() == std::nullopt);
  }
  CHECK(q.shutting_down());
  q.add("late");
  q.add_after("later", 1ms);
  CHECK(q.size() == 0);
  CHECK(get_within(q) == std::nullopt);
}

}  // namespace xebec::client
