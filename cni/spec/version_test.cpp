// Versions: parsing, ordering, and which are supported.
#include "cni/spec/version.h"

#include <catch2/catch.hpp>

namespace xebec::cni {
namespace {

TEST_CASE("supported versions parse, others are refused with the list", "[cni][version]") {
  for (const char* text : {"0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
    auto v = supported_version(text);
    REQUIRE(v);
    CHECK(v->str() == text);
  }
  auto old = supported_version("0.2.0");
  REQUIRE_FALSE(old);
  CHECK(old.error().code == ErrorCode::kNotFound);
  CHECK_THAT(old.error().message, Catch::Contains("0.3.1, 0.4.0, 1.0.0, 1.1.0"));
  for (const char* junk : {"", "1", "1.0", "1.0.0.0", "a.b.c", "1.0.0-rc1", "-1.0.0"}) {
    auto v = supported_version(junk);
    INFO(junk);
    REQUIRE_FALSE(v);
    CHECK(v.error().code == ErrorCode::kInvalid);
  }
}

TEST_CASE("versions order by major, minor, patch", "[cni][version]") {
  CHECK(kV031 < kV040);
  CHECK(kV040 < kV100);
  CHECK(kV100 < kV110);
  CHECK(Version{0, 10, 0} > kV040);
}

}  // namespace
}  // namespace xebec::cni
