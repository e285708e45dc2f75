// FNV-1a over "containerID/ifname": stable across releases and machines, cheap, and 48 bits
// of it make a collision between two pods of one node negligible.
#include "cni/plugin/host_ifname.h"

#include <cstdint>
#include <cstdio>

namespace xebec::cni {

std::string host_ifname(std::string_view container_id, std::string_view ifname) {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  };
  mix(container_id);
  mix("/");
  mix(ifname);
  char hex[13];
  std::snprintf(hex, sizeof hex, "%012llx", static_cast<unsigned long long>(h >> 16));
  return std::string(kHostIfPrefix) + hex;
}

}  // namespace xebec::cni
