// Durations as Kubernetes' flags write them (Go's time.ParseDuration): a sequence of numbers
// with units, "300ms", "10s", "1m30s", "2h". Decimal fractions ("1.5s") are accepted.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace xebec {

// Errors say what is wrong: `"10" has no unit (write 10s, 10ms, 10m or 10h)`.
Result<std::chrono::milliseconds> parse_duration(const std::string& text);

}  // namespace xebec
