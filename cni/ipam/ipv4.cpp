// Parsing and printing of IPv4 addresses and prefixes, with errors that say what is wrong.
#include "cni/ipam/ipv4.h"

#include <charconv>
#include <optional>

namespace xebec::cni::ipam {
namespace {

// A decimal number with no sign, no leading zero and at most `max`; nullopt otherwise.
std::optional<std::uint32_t> decimal(std::string_view text, std::uint32_t max) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  std::uint32_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n > max) return std::nullopt;
  return n;
}

Error bad_address(std::string_view text, const std::string& why) {
  return err("'" + std::string(text) + "' is not an IPv4 address: " + why, ErrorCode::kInvalid);
}

}  // namespace

Result<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return bad_address(text, "it is IPv6, and only IPv4 is supported");
  std::uint32_t value = 0;
  std::string_view rest = text;
  for (int i = 0; i < 4; ++i) {
    auto dot = rest.find('.');
    if ((i < 3) != (dot != std::string_view::npos))
      return bad_address(text, "expected four numbers separated by dots, e.g. 10.244.1.5");
    auto part = rest.substr(0, dot);
    auto n = decimal(part, 255);
    if (!n) {
      if (part.size() > 1 && part[0] == '0' && part.find_first_not_of("0123456789") == std::string_view::npos)
        return bad_address(text, "'" + std::string(part) + "' has a leading zero (octal or decimal?)");
      return bad_address(text, "'" + std::string(part) + "' is not a number from 0 to 255");
    }
    value = value << 8 | *n;
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  }
  return Ipv4Address{value};
}

std::string Ipv4Address::str() const {
  return std::to_string(value >> 24) + "." + std::to_string(value >> 16 & 0xff) + "." +
         std::to_string(value >> 8 & 0xff) + "." + std::to_string(value & 0xff);
}

Result<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return err("'" + std::string(text) + "' is not a prefix: expected ADDRESS/LENGTH, e.g. 10.244.1.0/24",
               ErrorCode::kInvalid);
  auto address = Ipv4Address::parse(text.substr(0, slash));
  if (!address) return address.error();
  auto length_text = text.substr(slash + 1);
  auto length = decimal(length_text, 32);
  if (!length)
    return err("'" + std::string(text) + "' is not a prefix: the length '" + std::string(length_text) +
                   "' is not a number from 0 to 32",
               ErrorCode::kInvalid);
  return Ipv4Prefix{*address, static_cast<int>(*length)};
}

std::string Ipv4Prefix::str() const { return address.str() + "/" + std::to_string(length); }

}  // namespace xebec::cni::ipam
