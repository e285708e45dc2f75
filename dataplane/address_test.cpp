// Parsing and printing of frontends and endpoints, good input and bad.
#include "dataplane/address.h"

#include <catch2/catch.hpp>

using namespace xebec::dataplane;

TEST_CASE("frontends round-trip through parse and format") {
  for (const char* text : {"10.96.0.10:80/tcp", "10.96.0.11:53/udp", "1.2.3.4:65535/tcp"}) {
    auto f = parse_frontend(text);
    REQUIRE(f.ok());
    CHECK(format_frontend(*f) == text);
  }
  auto upper = parse_frontend("10.96.0.10:80/TCP");
  REQUIRE(upper.ok());
  CHECK(upper->protocol == Protocol::kTcp);
}

TEST_CASE("endpoints keep network byte order as the maps do") {
  auto e = parse_endpoint("10.244.1.2:8080");
  REQUIRE(e.ok());
  const auto* bytes = reinterpret_cast<const unsigned char*>(&e->address_be);
  CHECK(bytes[0] == 10);
  CHECK(bytes[3] == 2);
  const auto* port = reinterpret_cast<const unsigned char*>(&e->port_be);
  CHECK((port[0] << 8 | port[1]) == 8080);
}

TEST_CASE("bad addresses are rejected with a message naming the input") {
  struct Row {
    const char* input;
    const char* message_part;
  };
  const Row rows[] = {
      {"10.96.0.10:80", "VIP:PORT/PROTO"},
      {"10.96.0.10:80/sctp", "not a protocol"},
      {"10.96.0.300:80/tcp", "not an IPv4 address"},
      {"10.96.0.10:0/tcp", "not a port"},
      {"10.96.0.10:65536/tcp", "not a port"},
      {"10.96.0.10:http/tcp", "not a port"},
      {"10.96.0.10/tcp", "IP:PORT"},
      {"", "VIP:PORT/PROTO"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    auto f = parse_frontend(row.input);
    REQUIRE_FALSE(f.ok());
    CHECK_THAT(f.error().message, Catch::Contains(row.message_part));
  }
}
