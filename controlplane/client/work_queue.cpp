// WorkQueue (see work_queue.h): client-go's queue, rate-limited and delaying queues in one.
#include "controlplane/client/work_queue.h"

namespace xebec::client {

WorkQueue::WorkQueue(Delay base_delay, Delay max_delay) : backoff_(base_delay, max_delay) {}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  add_locked(key);
}

void WorkQueue::add_locked(const std::string& key) {
  if (shutting_down_ || dirty_.contains(key)) return;
  dirty_.insert(key);
  if (processing_.contains(key)) return;  // done() queues it
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::add_after(const std::string& key, Delay delay) {
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  if (delay <= Delay::zero()) return add_locked(key);
  const Clock::time_point due = Clock::now() + delay;
  auto [it, added] = waiting_.try_emplace(key, due);
  if (!added) {
    if (it->second <= due) return;
    due_.erase({it->second, key});
    it->second = due;
  }
  due_.insert({due, key});
  cv_.notify_all();  // a waiting get() may now have an earlier time to wake at
}

void WorkQueue::add_rate_limited(const std::string& key) {
  Delay delay;
  {
    std::lock_guard lock(mu_);
    delay = backoff_.when(key);
  }
  add_after(key, delay);
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  backoff_.forget(key);
}

int WorkQueue::num_requeues(const std::string& key) {
  std::lock_guard lock(mu_);
  return backoff_.failures(key);
}

void WorkQueue::promote_due_locked(Clock::time_point now) {
  while (!due_.empty() && due_.begin()->first <= now) {
    const std::string key = due_.begin()->second;
    due_.erase(due_.begin());
    waiting_.erase(key);
    add_locked(key);
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  while (true) {
    promote_due_locked(Clock::now());
    if (!queue_.empty()) break;
    if (shutting_down_) return std::nullopt;
    if (due_.empty()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, due_.begin()->first);
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.contains(key)) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  waiting_.clear();
  due_.clear();
  cv_.notify_all();
}

bool WorkQueue::shutting_down() {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

std::size_t WorkQueue::size() {
  std::lock_guard lock(mu_);
  promote_due_locked(Clock::now());
  return queue_.size();
}

}  // namespace xebec::client
