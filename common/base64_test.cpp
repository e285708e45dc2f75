#include "common/base64.h"

#include <catch2/catch.hpp>

namespace xebec {

TEST_CASE("base64 round-trips any bytes and spells them as RFC 4648 does", "[common]") {
  struct Case {
    std::string bytes, text;
  };
  const std::vector<Case> cases = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {std::string("\0\xff\x10", 3), "AP8Q"},
      {"/registry/pods/default/web", "L3JlZ2lzdHJ5L3BvZHMvZGVmYXVsdC93ZWI="},
  };
  for (const auto& c : cases) {
    CHECK(base64_encode(c.bytes) == c.text);
    auto back = base64_decode(c.text);
    REQUIRE(back.ok());
    CHECK(*back == c.bytes);
  }
}

TEST_CASE("base64_decode refuses text that is not base64", "[common]") {
  for (const char* bad : {"Zm9v!", "Zm 9v", "Z===x", "{\"v\":1}"}) {
    auto r = base64_decode(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kBadRequest);
    CHECK(r.error().message.find("not base64") != std::string::npos);
  }
}

}  // namespace xebec
