// IPv4 frontends and backends as users write them ("10.96.0.10:80/tcp", "10.244.1.2:8080"),
// parsed into and printed from the map structs' network-order fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace xebec::dataplane {

enum class Protocol : std::uint8_t { kTcp = 6, kUdp = 17 };

// An IPv4 address and port, both kept in network byte order as the maps hold them.
struct Endpoint {
  std::uint32_t address_be = 0;
  std::uint16_t port_be = 0;
  auto operator<=>(const Endpoint&) const = default;
};

// A service frontend: VIP:PORT/PROTO.
struct Frontend {
  Endpoint endpoint;
  Protocol protocol = Protocol::kTcp;
  auto operator<=>(const Frontend&) const = default;
};

Result<std::uint32_t> parse_ipv4(std::string_view text);
Result<Endpoint> parse_endpoint(std::string_view text);  // IP:PORT
Result<Frontend> parse_frontend(std::string_view text);  // IP:PORT/tcp|udp
Result<std::uint16_t> parse_port(std::string_view text);

std::string format_ipv4(std::uint32_t address_be);
std::string format_endpoint(const Endpoint& e);    // 10.244.1.2:8080
std::string format_frontend(const Frontend& f);    // 10.96.0.10:80/tcp
std::string format_protocol(Protocol p);           // tcp | udp

}  // namespace xebec::dataplane
