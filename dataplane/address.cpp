// Parsing and printing of IPv4 endpoints and frontends.
#include "dataplane/address.h"

#include <arpa/inet.h>

#include <charconv>

namespace xebec::dataplane {

Result<std::uint32_t> parse_ipv4(std::string_view text) {
  std::string s(text);
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1)
    return err("'" + s + "' is not an IPv4 address (expected four dotted numbers, e.g. 10.96.0.10)");
  return a.s_addr;
}

Result<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
    return err("'" + std::string(text) + "' is not a port (expected 1-65535)");
  return static_cast<std::uint16_t>(value);
}

Result<Endpoint> parse_endpoint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return err("'" + std::string(text) + "' is not IP:PORT (e.g. 10.244.1.2:8080)");
  auto ip = parse_ipv4(text.substr(0, colon));
  if (!ip) return ip.error();
  auto port = parse_port(text.substr(colon + 1));
  if (!port) return port.error();
  return Endpoint{*ip, htons(*port)};
}

Result<Frontend> parse_frontend(std::string_view text) {
  auto slash = text.rfind('/');
  if (slash == std::string_view::npos)
    return err("'" + std::string(text) + "' is not VIP:PORT/PROTO (e.g. 10.96.0.10:80/tcp)");
  auto proto_text = text.substr(slash + 1);
  Protocol proto;
  if (proto_text == "tcp" || proto_text == "TCP")
    proto = Protocol::kTcp;
  else if (proto_text == "udp" || proto_text == "UDP")
    proto = Protocol::kUdp;
  else
    return err("'" + std::string(proto_text) + "' is not a protocol (expected tcp or udp)");
  auto endpoint = parse_endpoint(text.substr(0, slash));
  if (!endpoint) return endpoint.error();
  return Frontend{*endpoint, proto};
}

std::string format_ipv4(std::uint32_t address_be) {
  char buf[INET_ADDRSTRLEN];
  in_addr a{address_be};
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::string format_endpoint(const Endpoint& e) {
  return format_ipv4(e.address_be) + ":" + std::to_string(ntohs(e.port_be));
}

std::string format_protocol(Protocol p) { return p == Protocol::kTcp ? "tcp" : "udp"; }

std::string format_frontend(const Frontend& f) {
  return format_endpoint(f.endpoint) + "/" + format_protocol(f.protocol);
}

}  // namespace xebec::dataplane
