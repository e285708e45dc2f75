// Results read from every version and written in the one asked for.
#include "cni/spec/result.h"

#include <catch2/catch.hpp>

namespace xebec::cni {
namespace {

using nlohmann::json;

CniResult sample() {
  CniResult r;
  r.interfaces = {{"xeb1", "ee:ee:ee:ee:ee:ee", 1400, "", "", ""},
                  {"eth0", "02:11:22:33:44:55", 1400, "/run/netns/p", "", ""}};
  r.ips = {{"10.244.1.5/32", "169.254.1.1", 1}};
  r.routes = {{"0.0.0.0/0", "169.254.1.1", 1400, std::nullopt, 10, std::nullopt, std::nullopt}};
  r.dns.nameservers = {"10.96.0.10"};
  return r;
}

TEST_CASE("a result is written in each version's shape", "[cni][result]") {
  struct Row {
    Version version;
    json expected;
  };
  std::vector<Row> rows = {
      {kV031, json::parse(R"({"cniVersion":"0.3.1",
        "interfaces":[{"name":"xeb1","mac":"ee:ee:ee:ee:ee:ee"},{"name":"eth0","mac":"02:11:22:33:44:55","sandbox":"/run/netns/p"}],
        "ips":[{"version":"4","address":"10.244.1.5/32","gateway":"169.254.1.1","interface":1}],
        "routes":[{"dst":"0.0.0.0/0","gw":"169.254.1.1"}],"dns":{"nameservers":["10.96.0.10"]}})")},
      {kV040, json::parse(R"({"cniVersion":"0.4.0",
        "interfaces":[{"name":"xeb1","mac":"ee:ee:ee:ee:ee:ee"},{"name":"eth0","mac":"02:11:22:33:44:55","sandbox":"/run/netns/p"}],
        "ips":[{"version":"4","address":"10.244.1.5/32","gateway":"169.254.1.1","interface":1}],
        "routes":[{"dst":"0.0.0.0/0","gw":"169.254.1.1"}],"dns":{"nameservers":["10.96.0.10"]}})")},
      {kV100, json::parse(R"({"cniVersion":"1.0.0",
        "interfaces":[{"name":"xeb1","mac":"ee:ee:ee:ee:ee:ee"},{"name":"eth0","mac":"02:11:22:33:44:55","sandbox":"/run/netns/p"}],
        "ips":[{"address":"10.244.1.5/32","gateway":"169.254.1.1","interface":1}],
        "routes":[{"dst":"0.0.0.0/0","gw":"169.254.1.1"}],"dns":{"nameservers":["10.96.0.10"]}})")},
      {kV110, json::parse(R"({"cniVersion":"1.1.0",
        "interfaces":[{"name":"xeb1","mac":"ee:ee:ee:ee:ee:ee","mtu":1400},{"name":"eth0","mac":"02:11:22:33:44:55","mtu":1400,"sandbox":"/run/netns/p"}],
        "ips":[{"address":"10.244.1.5/32","gateway":"169.254.1.1","interface":1}],
        "routes":[{"dst":"0.0.0.0/0","gw":"169.254.1.1","mtu":1400,"priority":10}],"dns":{"nameservers":["10.96.0.10"]}})")},
  };
  for (const auto& row : rows) {
    INFO(row.version.str());
    CHECK(encode_result(sample(), row.version) == row.expected);
  }
}

TEST_CASE("a result read back from any version is the same model", "[cni][result]") {
  for (const auto& v : kSupportedVersions) {
    auto back = parse_result(encode_result(sample(), v), "prevResult");
    REQUIRE(back);
    INFO(v.str());
    CHECK(encode_result(*back, v) == encode_result(sample(), v));
    CHECK(back->ips.at(0).address == "10.244.1.5/32");
    CHECK(back->ips.at(0).interface == 1);
  }
}

TEST_CASE("malformed results are refused with the field named", "[cni][result]") {
  struct Row {
    const char* json;
    const char* message;
  };
  std::vector<Row> rows = {
      {R"([])", "prevResult: expected an object"},
      {R"({"ips":{}})", "prevResult.ips: expected a list"},
      {R"({"ips":[{"gateway":"10.0.0.1"}]})", "prevResult.ips[0].address: required"},
      {R"({"ips":[{"address":5}]})", "prevResult.ips[0].address: expected a string, got 5"},
      {R"({"interfaces":[{"name":"eth0"}],"ips":[{"address":"10.0.0.2/24","interface":3}]})",
       "prevResult.ips[0].interface: 3 is not an index into prevResult.interfaces"},
      {R"({"routes":[{"gw":"10.0.0.1"}]})", "prevResult.routes[0].dst: required"},
      {R"({"routes":[{"dst":"0.0.0.0/0","mtu":"big"}]})", "prevResult.routes[0].mtu: expected an integer"},
      {R"({"dns":{"nameservers":"10.0.0.1"}})", "prevResult.dns.nameservers: expected a list"},
  };
  for (const auto& row : rows) {
    auto r = parse_result(json::parse(row.json), "prevResult");
    INFO(row.json);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains(row.message));
  }
}

}  // namespace
}  // namespace xebec::cni
