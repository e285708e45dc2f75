// The name of a pod's host-side veth: "xeb" and 12 hex digits of a hash of the container ID
// and interface name, so DEL, CHECK and GC find it from the attachment alone.
#pragma once

#include <string>
#include <string_view>

namespace xebec::cni {

inline constexpr std::string_view kHostIfPrefix = "xeb";

// 15 bytes, the longest interface name Linux takes.
std::string host_ifname(std::string_view container_id, std::string_view ifname);

}  // namespace xebec::cni
