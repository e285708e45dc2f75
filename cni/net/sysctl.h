// Kernel settings under /proc/sys. The network ones belong to the network namespace the
// calling thread is in when it opens the file, so each call acts in the thread's namespace.
#pragma once

#include <string>

#include "common/result.h"

namespace xebec::cni {

inline constexpr const char* kIpForwardSysctl = "/proc/sys/net/ipv4/ip_forward";

// /proc/sys/net/ipv6/conf/IFNAME/accept_dad; missing when IPv6 is off.
std::string accept_dad_sysctl(const std::string& ifname);

// The setting's value without its trailing newline. ErrorCode::kNotFound when it does not exist.
Result<std::string> read_sysctl(const std::string& path);
// ErrorCode::kNotFound when it does not exist.
Status write_sysctl(const std::string& path, const std::string& value);

}  // namespace xebec::cni
