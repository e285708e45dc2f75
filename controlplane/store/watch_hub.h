// WatchHub: fans the events of an in-process store (SqliteStore, MemoryStore) out to its
// watches, each in revision order, from one delivery thread of its own.
#pragma once

#include <condition_variable>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "controlplane/store/store.h"

namespace xebec::store {

// Thread-safe. The store calls publish() for each committed write, in revision order, and
// add() while holding the same lock as its writers, so that no event falls between the history
// a new watch is given and the first event it is published. Sinks run on the hub's thread,
// never under a store lock: a sink may call the store.
class WatchHub {
 public:
  WatchHub();
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // A watch that first receives `history`, then every event published from now on.
  std::unique_ptr<Watch> add(std::vector<Event> history, WatchSink sink);
  void publish(const Event& event);
  // Ends every watch added so far with `error`, after the events already published to it.
  void end_all(const Error& error);

 private:
  struct Watcher {
    WatchSink sink;
    std::deque<Event> pending;
    std::optional<Error> ending;  // end_all(): delivered once `pending` is empty
    bool ended = false;           // its ending was delivered: it gets nothing more
    bool removed = false;  // its handle went while its sink ran: erased once the sink returns
  };
  class Handle;

  void remove(Watcher* w);
  static bool ready(const Watcher& w) { return !w.removed && (!w.pending.empty() || w.ending); }
  void deliver_loop(std::stop_token stop);

  std::mutex mu_;
  std::condition_variable_any cv_;
  std::list<Watcher> watchers_;
  const Watcher* delivering_ = nullptr;  // whose sink runs now, outside mu_
  std::condition_variable delivered_;
  std::jthread thread_;  // last: starts after, and stops before, what it uses
};

}  // namespace xebec::store
