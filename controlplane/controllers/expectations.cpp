#include "controlplane/controllers/expectations.h"

namespace xebec::controllers {

void Expectations::expect(const std::string& key, int creates, int deletes) {
  std::lock_guard lock(mu_);
  pending_[key] = {creates, deletes, Clock::now()};
}

void Expectations::created(const std::string& key) {
  std::lock_guard lock(mu_);
  if (auto it = pending_.find(key); it != pending_.end()) --it->second.creates;
}

void Expectations::deleted(const std::string& key) {
  std::lock_guard lock(mu_);
  if (auto it = pending_.find(key); it != pending_.end()) --it->second.deletes;
}

bool Expectations::satisfied(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(key);
  if (it == pending_.end()) return true;
  const Pending& p = it->second;
  return (p.creates <= 0 && p.deletes <= 0) || Clock::now() - p.since > kTimeout;
}

void Expectations::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  pending_.erase(key);
}

}  // namespace xebec::controllers
