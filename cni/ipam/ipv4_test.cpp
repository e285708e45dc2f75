// Parsing, printing and arithmetic of IPv4 addresses and prefixes.
#include "cni/ipam/ipv4.h"

#include <catch2/catch.hpp>

#include "cni/ipam/test_support.h"

using namespace xebec::cni::ipam;

TEST_CASE("IPv4 addresses round-trip and are host order") {
  for (const char* text : {"0.0.0.0", "10.244.1.5", "255.255.255.255", "192.168.0.10"}) {
    INFO(text);
    auto a = Ipv4Address::parse(text);
    REQUIRE(a.ok());
    CHECK(a->str() == text);
  }
  CHECK(Ipv4Address::parse("10.244.1.5")->value == 0x0af40105u);
}

TEST_CASE("bad IPv4 addresses name the text and the reason") {
  struct Row {
    const char* input;
    const char* message_part;
  };
  const Row rows[] = {
      {"", "'' is not an IPv4 address: expected four numbers"},
      {"10.244.1", "'10.244.1' is not an IPv4 address: expected four numbers"},
      {"10.244.1.5.6", "expected four numbers"},
      {"10.244.1.256", "'256' is not a number from 0 to 255"},
      {"10.244.1.-1", "'-1' is not a number from 0 to 255"},
      {"10.244.01.5", "'01' has a leading zero"},
      {"10.244..5", "'' is not a number"},
      {"10.244.1.5 ", "'5 ' is not a number"},
      {"a.b.c.d", "'a' is not a number"},
      {"fd00::1", "'fd00::1' is not an IPv4 address: it is IPv6"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    auto a = Ipv4Address::parse(row.input);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().code == xebec::ErrorCode::kInvalid);
    CHECK_THAT(a.error().message, Catch::Contains(row.message_part));
  }
}

TEST_CASE("IPv4 prefixes parse, keep host bits and know their network") {
  auto p = Ipv4Prefix::parse("10.244.1.5/24");
  REQUIRE(p.ok());
  CHECK(p->str() == "10.244.1.5/24");
  CHECK_FALSE(p->is_network());
  CHECK(p->network().str() == "10.244.1.0");
  CHECK(p->broadcast().str() == "10.244.1.255");
  CHECK(p->contains(*Ipv4Address::parse("10.244.1.255")));
  CHECK_FALSE(p->contains(*Ipv4Address::parse("10.244.2.0")));

  auto all = Ipv4Prefix::parse("0.0.0.0/0");
  REQUIRE(all.ok());
  CHECK(all->is_network());
  CHECK(all->contains(*Ipv4Address::parse("203.0.113.7")));
  CHECK(all->broadcast().str() == "255.255.255.255");

  auto host = Ipv4Prefix::parse("10.0.0.7/32");
  REQUIRE(host.ok());
  CHECK(host->is_network());
  CHECK(host->broadcast() == host->address);
  CHECK_FALSE(host->contains(*Ipv4Address::parse("10.0.0.8")));
}

TEST_CASE("bad IPv4 prefixes name the text and the reason") {
  struct Row {
    const char* input;
    const char* message_part;
  };
  const Row rows[] = {
      {"10.244.1.0", "'10.244.1.0' is not a prefix: expected ADDRESS/LENGTH"},
      {"10.244.1.0/33", "the length '33' is not a number from 0 to 32"},
      {"10.244.1.0/", "the length '' is not a number"},
      {"10.244.1.0/2a", "the length '2a'"},
      {"10.244.1/24", "'10.244.1' is not an IPv4 address"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    auto p = Ipv4Prefix::parse(row.input);
    REQUIRE_FALSE(p.ok());
    CHECK_THAT(p.error().message, Catch::Contains(row.message_part));
  }
}

TEST_CASE("next and prev step one address and wrap at the ends") {
  auto a = *Ipv4Address::parse("10.244.1.255");
  CHECK(a.next().str() == "10.244.2.0");
  CHECK(a.next().prev() == a);
  CHECK(Ipv4Address{0xffffffffu}.next().str() == "0.0.0.0");
  CHECK(Ipv4Address{0}.prev().str() == "255.255.255.255");
  CHECK(*Ipv4Address::parse("10.0.0.9") < *Ipv4Address::parse("10.0.0.10"));
}
