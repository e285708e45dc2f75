// Times as the Kubernetes API writes them: RFC 3339 in UTC, to the second
// ("2026-11-25T10:00:00Z"); read back with or without fractional seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace xebec {

using TimePoint = std::chrono::system_clock::time_point;

std::string rfc3339(TimePoint t);
// nullopt when `text` is not such a time.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

}  // namespace xebec
