#include "controlplane/api/quantity.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace xebec::api {

TEST_CASE("quantities read as Kubernetes reads them, rounded up", "[api]") {
  struct Case {
    std::string text;
    std::int64_t milli, units;
  };
  const std::vector<Case> cases = {
      {"500m", 500, 1},          {"2", 2000, 2},
      {"0.5", 500, 1},           {"1.5", 1500, 2},
      {"100m", 100, 1},          {"1Ki", 1024000, 1024},
      {"128Mi", 134217728000, 134217728}, {"1.5Gi", 1610612736000, 1610612736},
      {"1G", 1000000000000, 1000000000},  {"129e6", 129000000000, 129000000},
      {"1E3", 1000000, 1000},    {"250u", 1, 1},
      {"+3", 3000, 3},           {"0", 0, 0},
      {"1k", 1000000, 1000},     {"2Ti", 2199023255552000, 2199023255552},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto milli = parse_quantity_milli(c.text);
    REQUIRE(milli.ok());
    CHECK(*milli == c.milli);
    auto units = parse_quantity(c.text);
    REQUIRE(units.ok());
    CHECK(*units == c.units);
  }
}

TEST_CASE("what is not a quantity is a bad request that shows the pattern", "[api]") {
  for (const char* bad : {"", "m", "1.2.3", "12 Mi", "1KB", "1e", "1e+", "abc", "1Mii", ".", "1e99999"}) {
    INFO(bad);
    auto q = parse_quantity_milli(bad);
    REQUIRE_FALSE(q.ok());
    CHECK(q.error().code == ErrorCode::kBadRequest);
  }
  CHECK(parse_quantity_milli("12 Mi").error().message.find("\"12 Mi\"") != std::string::npos);
  CHECK(parse_quantity_milli("8Ei").error().message.find("too large") != std::string::npos);
}

}  // namespace xebec::api
