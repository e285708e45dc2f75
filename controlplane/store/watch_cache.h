// WatchCache: a Store in front of another that serves every watch from one watch of its own on the
// store below, so that a hundred watchers cost the store (an etcd cluster, say) one stream, and a
// watcher resuming from a recent revision is answered from memory.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "controlplane/store/store.h"
#include "controlplane/store/watch_hub.h"

namespace xebec::store {

// Reads and writes go to the store below as they are; only watch() differs. The cache keeps the
// last `window` events it followed: a watch from a revision inside that window gets its history
// from memory, one from further back is the store's own watch (with its kGone when compacted). When
// the watch below fails (etcd restarting, ...), the cache's watches end with that error, as the
// store's own would, and the cache follows the store again from where it stopped.
class WatchCache final : public Store {
 public:
  static constexpr std::size_t kDefaultWindow = 4096;

  // Starts following `below`, which the cache then owns.
  static Result<std::unique_ptr<WatchCache>> open(std::unique_ptr<Store> below, std::size_t window = kDefaultWindow);
  ~WatchCache() override;
  WatchCache(const WatchCache&) = delete;
  WatchCache& operator=(const WatchCache&) = delete;

  Result<KeyValue> create(const std::string& key, const std::string& value) override {
    return below_.create(key, value);
  }
  Result<KeyValue> update(const std::string& key, const std::string& value, Revision expected) override {
    return below_.update(key, value, expected);
  }
  Result<KeyValue> remove(const std::string& key, Revision expected) override { return below_.remove(key, expected); }
  Result<KeyValue> get(const std::string& key) override { return below_.get(key); }
  Result<ListResult> list(const std::string& prefix, const ListOptions& options) override {
    return below_.list(prefix, options);
  }
  Result<Revision> current_revision() override { return below_.current_revision(); }
  Status compact(Revision revision) override;
  Result<std::unique_ptr<Watch>> watch(Revision after, WatchSink sink) override;

 private:
  WatchCache(std::unique_ptr<Store> below, std::size_t window) : owned_(std::move(below)), window_(window) {}

  // Starts the watch below from head_; with kGone (the store compacted past it), from the store's
  // present, forgetting the window. Called without mu_.
  Status follow();
  void on_events(Result<std::vector<Event>> batch);
  void refollow_loop(std::stop_token stop);

  const std::unique_ptr<Store> owned_;
  Store& below_ = *owned_;
  const std::size_t window_;

  std::mutex mu_;
  std::deque<Event> recent_;  // the events after start_ up to head_, in order
  Revision start_ = 0;
  Revision head_ = 0;       // the last revision followed
  bool following_ = false;  // false while the watch below is down
  std::condition_variable_any broken_;
  WatchHub hub_;

  std::unique_ptr<Watch> upstream_;  // only touched by open() and the refollow thread
  std::jthread refollow_;            // last: starts after, and stops before, what it uses
};

}  // namespace xebec::store
