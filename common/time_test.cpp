#include "common/time.h"

#include <catch2/catch.hpp>

namespace xebec {
namespace {

TEST_CASE("API times: written to the second in UTC, read with or without fractions", "[time]") {
  const TimePoint t = std::chrono::system_clock::from_time_t(1795593600);  // 2026-11-25T08:00:00Z
  CHECK(rfc3339(t) == "2026-11-25T08:00:00Z");
  CHECK(rfc3339(t + std::chrono::milliseconds(900)) == "2026-11-25T08:00:00Z");
  CHECK(parse_rfc3339("2026-11-25T08:00:00Z") == t);
  CHECK(parse_rfc3339("2026-11-25T08:00:00.123456Z") == t);
  for (const char* bad : {"", "2026-11-25", "2026-11-25T08:00:00", "2026-11-25T08:00:00+01:00", "yesterday",
                          "2026-11-25T08:00:00Zjunk"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

}  // namespace
}  // namespace xebec
