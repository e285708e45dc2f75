#include "common/duration.h"

#include <catch2/catch.hpp>

namespace xebec {
namespace {

using std::chrono::milliseconds;

TEST_CASE("durations as Kubernetes' flags write them", "[duration]") {
  struct Case {
    const char* text;
    long long ms;
  };
  const Case cases[] = {{"0", 0},       {"500ms", 500},   {"10s", 10000},  {"1.5s", 1500},
                        {"2m", 120000}, {"1m30s", 90000}, {"2h", 7200000}, {"1h2m3s4ms", 3723004}};
  for (const auto& c : cases) {
    INFO(c.text);
    auto got = parse_duration(c.text);
    REQUIRE(got);
    CHECK(got->count() == c.ms);
  }
}

TEST_CASE("a malformed duration says what is wrong", "[duration]") {
  struct Case {
    const char* text;
    const char* says;
  };
  const Case cases[] = {{"", "it is empty"},
                        {"10", "\"10\" has no unit"},
                        {"10x", "unknown unit \"x\""},
                        {"s", "expected a number at \"s\""},
                        {"1..5s", "\"1..5\" is not a number"},
                        {"-1s", "expected a number at \"-1s\""}};
  for (const auto& c : cases) {
    INFO(c.text);
    auto got = parse_duration(c.text);
    REQUIRE_FALSE(got);
    CHECK_THAT(got.error().message, Catch::Contains(c.says));
  }
}

}  // namespace
}  // namespace xebec
