// Exponential back-off: how long to wait before trying again something that keeps failing.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>

namespace xebec::client {

using Delay = std::chrono::steady_clock::duration;

// base * 2^failures, at most `max` (client-go's ItemExponentialFailureRateLimiter formula).
Delay exponential_delay(Delay base, Delay max, int failures);

// A back-off per key: each when() counts a failure of the key and returns the delay it earns.
// Not thread-safe (WorkQueue holds it under its lock).
class KeyedBackoff {
 public:
  KeyedBackoff(Delay base, Delay max) : base_(base), max_(max) {}

  // base * 2^(failures so far), then counts one more failure.
  Delay when(const std::string& key);
  // Forgets the key's failures: its next when() is `base` again.
  void forget(const std::string& key) { failures_.erase(key); }
  int failures(const std::string& key) const;

 private:
  const Delay base_;
  const Delay max_;
  std::unordered_map<std::string, int> failures_;
};

}  // namespace xebec::client
