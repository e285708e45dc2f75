// What every pod's veth shares, in the forms netlink wants, and the checks a PodLinkSpec passes
// before its names go into requests and /proc paths: shared by creating and checking.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>

#include "cni/net/netlink.h"
#include "cni/net/pod_link.h"
#include "cni/spec/invocation.h"

namespace xebec::cni {

inline constexpr Mac kHostMacBytes = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee};  // kHostMac

in_addr gateway_ip();  // kPodGateway

// ErrorCode::kInvalid when an interface name is one the kernel would refuse (it is also a
// path component under /proc/sys): validate_ifname of both names.
Status validate(const PodLinkSpec& spec);

std::uint32_t effective_mtu(const PodLinkSpec& spec);  // kDefaultMtu for 0

// Where things are, for messages: "in the node namespace", "in /run/netns/x".
inline constexpr const char* kInNode = "in the node namespace";
std::string in_pod(const PodLinkSpec& spec);

}  // namespace xebec::cni
