// The ipam configuration: bad ones name the field and the problem; good ones get host-local's
// defaults.
#include "cni/ipam/config.h"

#include <catch2/catch.hpp>

using namespace xebec::cni::ipam;
using nlohmann::json;

namespace {

// One line that shows every parsed value, so a table row states a whole configuration.
std::string summary(const IpamConfig& c) {
  std::string out;
  for (const auto& set : c.range_sets) {
    out += set.path + ":";
    for (const auto& r : set.ranges) out += " " + r.str() + " gw " + r.gateway.str() + ";";
    out += " ";
  }
  out += "routes:";
  for (const auto& r : c.routes) out += " " + r.dst.str() + (r.gw ? " via " + r.gw->str() : "") + ";";
  return out + " dataDir " + c.data_dir;
}

}  // namespace

TEST_CASE("bad ipam configurations name the field and the problem") {
  struct Row {
    const char* config;
    const char* message_part;
  };
  const Row rows[] = {
      {R"("host-local")", R"(ipam: expected an object, got "host-local")"},
      {R"({"type": "xebec-ipam"})", "ipam.ranges: missing: give ipam.ranges"},
      {R"({"ranges": "10.0.0.0/24"})", R"(ipam.ranges: expected a list, got "10.0.0.0/24")"},
      {R"({"ranges": []})", "ipam.ranges: expected at least one range set"},
      {R"({"ranges": ["10.0.0.0/24"]})", R"(ipam.ranges[0]: expected a list of ranges, e.g. [{"subnet")"},
      {R"({"ranges": [[]]})", "ipam.ranges[0]: expected at least one range"},
      {R"({"ranges": [["10.0.0.0/24"]]})", R"(ipam.ranges[0][0]: expected an object, got "10.0.0.0/24")"},
      {R"({"ranges": [[{}]]})", "ipam.ranges[0][0].subnet: missing: every range needs one, e.g. 10.244.1.0/24"},
      {R"({"ranges": [[{"subnet": 24}]]})", "ipam.ranges[0][0].subnet: expected a string, got 24"},
      {R"({"ranges": [[{"subnet": "fd00::/64"}]]})", "ipam.ranges[0][0].subnet: IPv6 ranges are not supported yet"},
      {R"({"ranges": [[{"subnet": "10.244.0.0/24"}], [{"subnet": "fd00::/64"}]]})",
       "ipam.ranges[1][0].subnet: IPv6 ranges are not supported yet"},
      {R"({"ranges": [[{"subnet": "10.244.1.5/24"}]]})",
       "ipam.ranges[0][0].subnet: 10.244.1.5/24 has host bits set: the network is 10.244.1.0/24"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/31"}]]})",
       "ipam.ranges[0][0].subnet: 10.244.1.0/31 is too small to allocate from: the longest prefix is /30"},
      {R"({"ranges": [[{"subnet": "10.244.1.0"}]]})",
       "ipam.ranges[0][0].subnet: '10.244.1.0' is not a prefix: expected ADDRESS/LENGTH"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/24"}, {"subnet": "10.244.2.0/24", "rangeStart": 5}]]})",
       "ipam.ranges[0][1].rangeStart: expected a string, got 5"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/24", "rangeStart": "10.244.2.5"}]]})",
       "ipam.ranges[0][0].rangeStart: 10.244.2.5 is outside the subnet 10.244.1.0/24"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/24", "rangeStart": "10.244.1.0"}]]})",
       "ipam.ranges[0][0].rangeStart: 10.244.1.0 is the network address of 10.244.1.0/24"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/24", "rangeEnd": "10.244.1.255"}]]})",
       "ipam.ranges[0][0].rangeEnd: 10.244.1.255 is the broadcast address of 10.244.1.0/24"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/24", "rangeEnd": "10.244.1.300"}]]})",
       "ipam.ranges[0][0].rangeEnd: '10.244.1.300' is not an IPv4 address: '300' is not a number from 0 to 255"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/24", "rangeStart": "10.244.1.200", "rangeEnd": "10.244.1.100"}]]})",
       "ipam.ranges[0][0].rangeStart: 10.244.1.200 is after rangeEnd 10.244.1.100"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/24", "gateway": "10.0.0.1"}]]})",
       "ipam.ranges[0][0].gateway: 10.0.0.1 is outside the subnet 10.244.1.0/24"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/24", "gateway": "gw"}]]})",
       "ipam.ranges[0][0].gateway: 'gw' is not an IPv4 address"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/24", "rangeEnd": "10.244.1.150"},
                       {"subnet": "10.244.1.0/24", "rangeStart": "10.244.1.100"}]]})",
       "ipam.ranges[0][1]: 10.244.1.100-10.244.1.254 of 10.244.1.0/24 overlaps ipam.ranges[0][0] "
       "(10.244.1.1-10.244.1.150 of 10.244.1.0/24)"},
      {R"({"ranges": [[{"subnet": "10.244.0.0/16"}], [{"subnet": "10.244.7.0/24"}]]})",
       "ipam.ranges[1][0]: 10.244.7.1-10.244.7.254 of 10.244.7.0/24 overlaps ipam.ranges[0][0]"},
      {R"({"subnet": "10.244.1.0/24", "ranges": [[{"subnet": "10.244.1.0/25"}]]})",
       "ipam.ranges[0][0]: 10.244.1.1-10.244.1.126 of 10.244.1.0/25 overlaps ipam (10.244.1.1-10.244.1.254"},
      {R"({"subnet": "10.244.1.0/24", "rangeEnd": 7})", "ipam.rangeEnd: expected a string, got 7"},
      {R"({"subnet": "10.244.1.0/24", "routes": {"dst": "0.0.0.0/0"}})", "ipam.routes: expected a list"},
      {R"({"subnet": "10.244.1.0/24", "routes": [{"gw": "10.244.1.1"}]})",
       "ipam.routes[0].dst: missing: every route needs one, e.g. 0.0.0.0/0"},
      {R"({"subnet": "10.244.1.0/24", "routes": [{"dst": "0.0.0.0/0"}, {"dst": "10.96.0.0/12", "gw": 1}]})",
       "ipam.routes[1].gw: expected a string, got 1"},
      {R"({"subnet": "10.244.1.0/24", "routes": [{"dst": "::/0"}]})",
       "ipam.routes[0].dst: IPv6 routes are not supported yet"},
      {R"({"subnet": "10.244.1.0/24", "routes": [{"dst": "10.0.0.1/8"}]})",
       "ipam.routes[0].dst: 10.0.0.1/8 has host bits set: the network is 10.0.0.0/8"},
      {R"({"subnet": "10.244.1.0/24", "dataDir": "var/lib/cni"})",
       "ipam.dataDir: 'var/lib/cni' is not an absolute path"},
      {R"({"subnet": "10.244.1.0/24", "dataDir": 5})", "ipam.dataDir: expected a string, got 5"},
  };
  for (const auto& row : rows) {
    INFO(row.config);
    auto config = parse_ipam_config(json::parse(row.config));
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().code == xebec::ErrorCode::kInvalid);
    CHECK_THAT(config.error().message, Catch::StartsWith(row.message_part));
  }
}

TEST_CASE("good ipam configurations get host-local's defaults") {
  struct Row {
    const char* config;
    const char* expected;
  };
  const Row rows[] = {
      {R"({"ranges": [[{"subnet": "10.244.1.0/24"}]]})",
       "ipam.ranges[0]: 10.244.1.1-10.244.1.254 of 10.244.1.0/24 gw 10.244.1.1; routes: dataDir /var/lib/cni/networks"},
      {R"({"type": "host-local", "subnet": "10.244.1.0/24"})",
       "ipam: 10.244.1.1-10.244.1.254 of 10.244.1.0/24 gw 10.244.1.1; routes: dataDir /var/lib/cni/networks"},
      {R"({"subnet": "10.244.1.0/30"})", "ipam: 10.244.1.1-10.244.1.2 of 10.244.1.0/30 gw 10.244.1.1; routes:"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/24", "rangeStart": "10.244.1.10", "rangeEnd": "10.244.1.20",
                         "gateway": "10.244.1.254"}]],
           "routes": [{"dst": "0.0.0.0/0"}, {"dst": "10.96.0.0/12", "gw": "10.244.1.254"}],
           "dataDir": "/run/xebec/ipam"})",
       "ipam.ranges[0]: 10.244.1.10-10.244.1.20 of 10.244.1.0/24 gw 10.244.1.254; "
       "routes: 0.0.0.0/0; 10.96.0.0/12 via 10.244.1.254; dataDir /run/xebec/ipam"},
      {R"({"subnet": "10.244.1.0/24", "ranges": [[{"subnet": "10.245.0.0/16"}]]})",
       "ipam: 10.244.1.1-10.244.1.254 of 10.244.1.0/24 gw 10.244.1.1; "
       "ipam.ranges[0]: 10.245.0.1-10.245.255.254 of 10.245.0.0/16 gw 10.245.0.1; routes:"},
      {R"({"ranges": [[{"subnet": "10.244.1.0/24", "rangeEnd": "10.244.1.99"},
                       {"subnet": "10.244.1.0/24", "rangeStart": "10.244.1.100", "gateway": "10.244.1.1"}],
                      [{"subnet": "10.250.0.0/24", "rangeStart": null, "unknown": true}]]})",
       "ipam.ranges[0]: 10.244.1.1-10.244.1.99 of 10.244.1.0/24 gw 10.244.1.1; "
       "10.244.1.100-10.244.1.254 of 10.244.1.0/24 gw 10.244.1.1; "
       "ipam.ranges[1]: 10.250.0.1-10.250.0.254 of 10.250.0.0/24 gw 10.250.0.1; routes:"},
  };
  for (const auto& row : rows) {
    INFO(row.config);
    auto config = parse_ipam_config(json::parse(row.config));
    REQUIRE(config.ok());
    CHECK_THAT(summary(*config), Catch::StartsWith(row.expected));
  }
}

TEST_CASE("the configuration knows its gateways and which range holds an address") {
  auto config = parse_ipam_config(json::parse(R"({"ranges": [
      [{"subnet": "10.244.1.0/24", "rangeStart": "10.244.1.10", "rangeEnd": "10.244.1.20"},
       {"subnet": "10.244.2.0/24", "gateway": "10.244.2.254"}]]})"));
  REQUIRE(config.ok());
  CHECK(config->is_gateway(*Ipv4Address::parse("10.244.1.1")));
  CHECK(config->is_gateway(*Ipv4Address::parse("10.244.2.254")));
  CHECK_FALSE(config->is_gateway(*Ipv4Address::parse("10.244.2.1")));
  const IpamRangeSet& set = config->range_sets[0];
  CHECK(set.range_for(*Ipv4Address::parse("10.244.1.9")) == nullptr);
  CHECK(set.range_for(*Ipv4Address::parse("10.244.1.20")) == &set.ranges[0]);
  CHECK(set.range_for(*Ipv4Address::parse("10.244.2.7")) == &set.ranges[1]);
  CHECK(set.str() == "10.244.1.10-10.244.1.20 of 10.244.1.0/24, 10.244.2.1-10.244.2.254 of 10.244.2.0/24");
}
