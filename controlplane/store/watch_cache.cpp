// WatchCache: one upstream watch, a window of recent events, and a hub that fans them out.
#include "controlplane/store/watch_cache.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace xebec::store {

namespace {

using namespace std::chrono_literals;

// How long the cache waits before following the store again after its watch failed.
constexpr auto kRefollowDelay = 1s;

// A sink that passes on only the events after `after`: a watch from a revision the store has
// written but the cache has not followed yet shares the hub with watches from before it.
WatchSink after_revision(Revision after, WatchSink sink) {
  return [after, sink = std::move(sink)](Result<std::vector<Event>> batch) {
    if (batch) std::erase_if(*batch, [&](const Event& e) { return e.revision() <= after; });
    if (!batch || !batch->empty()) sink(std::move(batch));
  };
}

}  // namespace

Result<std::unique_ptr<WatchCache>> WatchCache::open(std::unique_ptr<Store> below, std::size_t window) {
  auto head = below->current_revision();
  if (!head) return head.error();
  std::unique_ptr<WatchCache> cache(new WatchCache(std::move(below), window));
  cache->start_ = cache->head_ = *head;
  if (auto ok = cache->follow(); !ok) return ok.error();
  cache->refollow_ = std::jthread([c = cache.get()](std::stop_token stop) { c->refollow_loop(stop); });
  return cache;
}

WatchCache::~WatchCache() {
  refollow_ = {};     // joins: the thread touches upstream_
  upstream_.reset();  // no event arrives after this
}

Status WatchCache::follow() {
  Revision from;
  {
    std::lock_guard lock(mu_);
    from = head_;
  }
  auto sink = [this](Result<std::vector<Event>> batch) { on_events(std::move(batch)); };
  auto watch = below_.watch(from, sink);
  if (!watch && watch.error().code == ErrorCode::kGone) {
    // What happened between head_ and now is lost: start a new window at the present. Every watch
    // of the cache already ended with the error that broke the old one.
    auto now = below_.current_revision();
    if (!now) return now.error();
    {
      std::lock_guard lock(mu_);
      recent_.clear();
      start_ = head_ = *now;
    }
    watch = below_.watch(*now, sink);
  }
  if (!watch) return watch.error();
  upstream_ = std::move(*watch);
  std::lock_guard lock(mu_);
  following_ = true;
  return {};
}

void WatchCache::on_events(Result<std::vector<Event>> batch) {
  std::lock_guard lock(mu_);
  if (!batch) {
    following_ = false;
    hub_.end_all(batch.error());
    broken_.notify_all();
    return;
  }
  for (auto& event : *batch) {
    head_ = event.revision();
    hub_.publish(event);
    if (event.revision() <= start_) continue;  // compacted before the cache followed it
    recent_.push_back(std::move(event));
    if (recent_.size() > window_) {
      start_ = recent_.front().revision();
      recent_.pop_front();
    }
  }
}

void WatchCache::refollow_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mu_);
      if (!broken_.wait(lock, stop, [&] { return !following_; })) return;
    }
    upstream_.reset();  // outside mu_: its sink, which takes mu_, may be finishing
    if (follow()) continue;
    std::unique_lock lock(mu_);
    broken_.wait_for(lock, stop, kRefollowDelay, [] { return false; });
  }
}

Status WatchCache::compact(Revision revision) {
  if (auto ok = below_.compact(revision); !ok) return ok;
  // The store forgot the history before `revision`: so does the window, so that a watch from before
  // it gets the store's kGone, as it would without the cache.
  std::lock_guard lock(mu_);
  while (!recent_.empty() && recent_.front().revision() < revision) recent_.pop_front();
  start_ = std::max(start_, revision - 1);
  return {};
}

Result<std::unique_ptr<Watch>> WatchCache::watch(Revision after, WatchSink sink) {
  Revision written = 0;  // what the store has written, which the cache may not have followed yet
  {
    std::lock_guard lock(mu_);
    written = head_;
  }
  if (after > written) {
    auto now = below_.current_revision();
    if (!now) return now.error();
    written = *now;
  }
  std::unique_lock lock(mu_);
  if (!following_ || after < start_ || after > std::max(head_, written)) {
    lock.unlock();
    return below_.watch(after, std::move(sink));  // its history, its kGone or its kInvalid
  }
  if (after > head_) return hub_.add({}, after_revision(after, std::move(sink)));  // its events are coming
  std::vector<Event> history;
  for (const auto& e : recent_)
    if (e.revision() > after) history.push_back(e);
  return hub_.add(std::move(history), std::move(sink));
}

}  // namespace xebec::store
