// WorkQueue: the queue between a controller's event handlers and its workers, with client-go's
// semantics (k8s.io/client-go/util/workqueue): a key waits at most once however often it is
// added, is never handed to two workers at once, can be added again after a delay or a
// per-key exponential back-off, and shut_down() releases the workers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>

#include "controlplane/client/backoff.h"

namespace xebec::client {

// Thread-safe. Holds no thread: a delayed key becomes ready when a get() (or size()) finds its
// time has come, and a get() waiting for keys wakes for it.
class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // add_rate_limited's back-off: base_delay doubling per failure of a key, up to max_delay.
  explicit WorkQueue(Delay base_delay = std::chrono::milliseconds(5), Delay max_delay = std::chrono::seconds(1000));

  // Queues `key` unless it is queued already. A key being processed is queued again when
  // done() is called for it. Ignored once shut down.
  void add(const std::string& key);
  // add(key) once `delay` has passed (at once when it is not positive). A key already waiting
  // keeps the earlier of its two times.
  void add_after(const std::string& key, Delay delay);
  // add_after(key, its back-off): 5 ms, 10 ms, 20 ms, ... per failure since its last forget().
  void add_rate_limited(const std::string& key);
  // Resets the key's back-off (after it was processed successfully).
  void forget(const std::string& key);
  // How many times add_rate_limited was called for the key since its last forget().
  int num_requeues(const std::string& key);

  // Waits for a key and marks it as being processed until done(key). Returns nullopt once the
  // queue is shut down and has no ready key left (keys queued before shut_down are still handed out).
  std::optional<std::string> get();
  // Processing of `key` is over; if it was added meanwhile, it is queued again.
  void done(const std::string& key);

  // Refuses further adds, drops delayed keys and wakes every get() once the ready keys are out.
  void shut_down();
  bool shutting_down();
  // Keys ready to be handed out now.
  std::size_t size();

 private:
  void add_locked(const std::string& key);
  void promote_due_locked(Clock::time_point now);  // moves delayed keys whose time came into the queue

  std::mutex mu_;
  std::condition_variable cv_;                        // a key is ready, a delayed key's time may have come, or shutdown
  std::deque<std::string> queue_;                     // ready, in order
  std::unordered_set<std::string> dirty_;             // need processing: queued, or added while processing
  std::unordered_set<std::string> processing_;        // handed out, not done yet
  std::map<std::string, Clock::time_point> waiting_;  // delayed: key -> when it is due
  std::set<std::pair<Clock::time_point, std::string>> due_;  // the same, by time
  KeyedBackoff backoff_;
  bool shutting_down_ = false;
};

}  // namespace xebec::client
