// WatchHub: per-watch queues drained by one delivery thread.
#include "controlplane/store/watch_hub.h"

#include <algorithm>
#include <utility>

namespace xebec::store {

class WatchHub::Handle final : public Watch {
 public:
  Handle(WatchHub& hub, Watcher* w) : hub_(hub), w_(w) {}
  ~Handle() override { hub_.remove(w_); }

 private:
  WatchHub& hub_;
  Watcher* w_;
};

WatchHub::WatchHub() : thread_([this](std::stop_token stop) { deliver_loop(stop); }) {}

WatchHub::~WatchHub() {
  thread_.request_stop();
  cv_.notify_all();
}

std::unique_ptr<Watch> WatchHub::add(std::vector<Event> history, WatchSink sink) {
  std::lock_guard lock(mu_);
  Watcher& w = watchers_.emplace_back();
  w.sink = std::move(sink);
  w.pending.assign(std::make_move_iterator(history.begin()), std::make_move_iterator(history.end()));
  cv_.notify_all();
  return std::make_unique<Handle>(*this, &w);
}

void WatchHub::publish(const Event& event) {
  std::lock_guard lock(mu_);
  for (auto& w : watchers_)
    if (!w.ended && !w.ending) w.pending.push_back(event);
  if (!watchers_.empty()) cv_.notify_all();
}

void WatchHub::end_all(const Error& error) {
  std::lock_guard lock(mu_);
  for (auto& w : watchers_)
    if (!w.ended && !w.ending) w.ending = error;
  cv_.notify_all();
}

void WatchHub::remove(Watcher* w) {
  std::unique_lock lock(mu_);
  if (delivering_ == w && std::this_thread::get_id() == thread_.get_id()) {
    w->removed = true;  // a sink dropping its own watch: it is still running
    return;
  }
  delivered_.wait(lock, [&] { return delivering_ != w; });
  watchers_.remove_if([&](const Watcher& x) { return &x == w; });
}

void WatchHub::deliver_loop(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    auto found = std::find_if(watchers_.begin(), watchers_.end(), &WatchHub::ready);
    if (found == watchers_.end()) {
      cv_.wait(lock, stop, [&] { return std::any_of(watchers_.begin(), watchers_.end(), &WatchHub::ready); });
      continue;
    }
    Watcher* next = &*found;
    Result<std::vector<Event>> batch = std::vector<Event>(std::make_move_iterator(next->pending.begin()),
                                                          std::make_move_iterator(next->pending.end()));
    if (next->pending.empty()) {  // nothing left before its ending
      batch = *std::exchange(next->ending, std::nullopt);
      next->ended = true;
    }
    next->pending.clear();
    delivering_ = next;
    lock.unlock();
    next->sink(std::move(batch));
    lock.lock();
    delivering_ = nullptr;
    if (next->removed) watchers_.remove_if([&](const Watcher& x) { return &x == next; });
    delivered_.notify_all();
  }
}

}  // namespace xebec::store
