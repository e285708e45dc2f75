// Exponential back-off (see backoff.h).
#include "controlplane/client/backoff.h"

#include <cmath>

namespace xebec::client {

Delay exponential_delay(Delay base, Delay max, int failures) {
  // In floating point, as client-go does: 2^failures overflows an integer long before it is capped.
  const double delay = static_cast<double>(base.count()) * std::pow(2.0, failures);
  if (delay >= static_cast<double>(max.count())) return max;
  return Delay(static_cast<Delay::rep>(delay));
}

Delay KeyedBackoff::when(const std::string& key) {
  int& failures = failures_[key];
  return exponential_delay(base_, max_, failures++);
}

int KeyedBackoff::failures(const std::string& key) const {
  const auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace xebec::client
