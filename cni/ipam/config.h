// The `ipam` object of a CNI network configuration, in host-local's shape (range sets, the
// legacy single range, routes, dataDir), checked and with host-local's defaults filled in.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cni/ipam/ipv4.h"
#include "common/result.h"

namespace xebec::cni::ipam {

inline constexpr const char* kDefaultDataDir = "/var/lib/cni/networks";  // host-local's

// Addresses handed out from one subnet. Always complete: parse_ipam_config fills the defaults.
struct IpamRange {
  Ipv4Prefix subnet;        // a network address (no host bits), /30 or shorter
  Ipv4Address range_start;  // first address handed out; default network + 1
  Ipv4Address range_end;    // last one, inclusive; default broadcast - 1
  Ipv4Address gateway;      // reported with the address, never handed out; default network + 1

  // Between range_start and range_end, inclusive.
  bool contains(Ipv4Address a) const { return range_start <= a && a <= range_end; }
  std::string str() const;  // "10.244.1.2-10.244.1.254 of 10.244.1.0/24"
};

// The ranges one attachment gets one address from. No two ranges overlap, in a set or across.
struct IpamRangeSet {
  std::string path;  // where it is configured, for messages: "ipam.ranges[1]", or "ipam" (legacy)
  std::vector<IpamRange> ranges;

  const IpamRange* range_for(Ipv4Address a) const;  // nullptr when no range contains a
  std::string str() const;                          // the ranges, comma separated
};

struct IpamRoute {
  Ipv4Prefix dst;                 // a network address
  std::optional<Ipv4Address> gw;  // absent: the interface's gateway, as CNI results mean it
};

struct IpamConfig {
  std::vector<IpamRangeSet> range_sets;  // at least one; the legacy range, if any, comes first
  std::vector<IpamRoute> routes;         // returned with every result
  std::string data_dir = kDefaultDataDir;

  bool is_gateway(Ipv4Address a) const;  // the gateway of any range
};

// Parses the `ipam` object. Errors are ErrorCode::kInvalid and name the field
// ("ipam.ranges[0][1].rangeStart: ..."). A subnet with host bits set is refused, as host-local
// refuses it, since the user may have meant either the network or the address. Fields this
// parser does not know (type, resolvConf, ...) are ignored: they belong to the caller.
Result<IpamConfig> parse_ipam_config(const nlohmann::json& ipam);

}  // namespace xebec::cni::ipam
