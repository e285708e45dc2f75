// Round-robin order over range sets (no disk): where it starts, how it wraps, what it skips.
#include "cni/ipam/allocator.h"

#include <catch2/catch.hpp>

using namespace xebec::cni::ipam;

namespace {

IpamConfig config_of(const char* text) {
  auto config = parse_ipam_config(nlohmann::json::parse(text));
  REQUIRE(config.ok());
  return *config;
}

// Everything the order gives, as one string.
std::string order(const IpamConfig& config, std::size_t set, const char* last) {
  std::optional<Ipv4Address> last_reserved;
  if (last) last_reserved = *Ipv4Address::parse(last);
  RoundRobin rr(config, set, last_reserved);
  std::string out;
  while (auto a = rr.next()) out += (out.empty() ? "" : " ") + a->str();
  return out;
}

}  // namespace

TEST_CASE("round-robin starts after the last reserved address and wraps, skipping the gateway") {
  auto config = config_of(R"({"subnet": "10.0.0.0/29"})");  // .1-.6, gateway .1
  struct Row {
    const char* last;
    const char* expected;
  };
  const Row rows[] = {
      {nullptr, "10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6"},
      {"10.0.0.4", "10.0.0.5 10.0.0.6 10.0.0.2 10.0.0.3 10.0.0.4"},
      {"10.0.0.6", "10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6"},
      {"10.0.0.1", "10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6"},
      {"192.168.0.3", "10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6"},  // not in the set: from the start
  };
  for (const auto& row : rows) {
    INFO((row.last ? row.last : "no last reserved"));
    CHECK(order(config, 0, row.last) == row.expected);
  }
  CHECK(capacity(config, 0) == 5);
}

TEST_CASE("round-robin goes through a set's ranges in order") {
  auto config = config_of(R"({"ranges": [
      [{"subnet": "10.0.0.0/24", "rangeStart": "10.0.0.10", "rangeEnd": "10.0.0.11"},
       {"subnet": "10.0.1.0/24", "rangeStart": "10.0.1.20", "rangeEnd": "10.0.1.22", "gateway": "10.0.1.21"}],
      [{"subnet": "10.0.2.0/24", "rangeStart": "10.0.2.5", "rangeEnd": "10.0.2.6"}]]})");
  CHECK(order(config, 0, nullptr) == "10.0.0.10 10.0.0.11 10.0.1.20 10.0.1.22");
  CHECK(order(config, 0, "10.0.0.11") == "10.0.1.20 10.0.1.22 10.0.0.10 10.0.0.11");
  CHECK(order(config, 0, "10.0.1.22") == "10.0.0.10 10.0.0.11 10.0.1.20 10.0.1.22");
  CHECK(order(config, 0, "10.0.2.5") == "10.0.0.10 10.0.0.11 10.0.1.20 10.0.1.22");  // another set's
  CHECK(order(config, 1, "10.0.2.5") == "10.0.2.6 10.0.2.5");
  CHECK(capacity(config, 0) == 4);  // 10.0.0.1 is outside its range; 10.0.1.21 is inside
  CHECK(capacity(config, 1) == 2);
}

TEST_CASE("round-robin reaches the top of the address space without wrapping into zero") {
  auto config = config_of(R"({"subnet": "255.255.255.248/29", "gateway": "255.255.255.254"})");
  CHECK(order(config, 0, "255.255.255.253") ==
        "255.255.255.249 255.255.255.250 255.255.255.251 255.255.255.252 "
        "255.255.255.253");
  CHECK(order(config, 0, nullptr) ==
        "255.255.255.249 255.255.255.250 255.255.255.251 255.255.255.252 "
        "255.255.255.253");
}
