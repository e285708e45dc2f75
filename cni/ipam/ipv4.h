// IPv4 addresses and prefixes as IPAM counts them: host byte order, so the next address is
// value + 1. Parsed from and printed as users write them ("10.244.1.5", "10.244.1.0/24").
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace xebec::cni::ipam {

struct Ipv4Address {
  std::uint32_t value = 0;  // host byte order: 10.244.1.5 is 0x0af40105

  // Four decimal numbers 0-255 separated by dots; no leading zeros (is 010 octal?), no spaces.
  static Result<Ipv4Address> parse(std::string_view text);
  std::string str() const;
  // The neighbours; 255.255.255.255 + 1 wraps to 0.0.0.0 and back.
  Ipv4Address next() const { return {value + 1}; }
  Ipv4Address prev() const { return {value - 1}; }
  auto operator<=>(const Ipv4Address&) const = default;
};

// An address with a prefix length. Host bits may be set: an interface address (10.244.1.5/24)
// is a prefix too; is_network() tells a network apart.
struct Ipv4Prefix {
  Ipv4Address address;
  int length = 0;  // 0-32

  // ADDRESS/LENGTH, e.g. 10.244.1.0/24.
  static Result<Ipv4Prefix> parse(std::string_view text);
  std::string str() const;
  std::uint32_t mask() const { return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length); }
  Ipv4Address network() const { return {address.value & mask()}; }
  Ipv4Address broadcast() const { return {address.value | ~mask()}; }
  bool is_network() const { return address == network(); }
  bool contains(Ipv4Address a) const { return (a.value & mask()) == network().value; }
  auto operator<=>(const Ipv4Prefix&) const = default;
};

}  // namespace xebec::cni::ipam
