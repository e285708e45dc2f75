// The shared parts of every pod's veth, and PodLinkSpec validation.
#include "cni/net/wiring.h"

#include <arpa/inet.h>

namespace xebec::cni {

in_addr gateway_ip() {
  in_addr ip{};
  inet_pton(AF_INET, kPodGateway, &ip);
  return ip;
}

Status validate(const PodLinkSpec& spec) {
  if (auto ok = validate_ifname(spec.host_ifname); !ok) return ok;
  return validate_ifname(spec.pod_ifname);
}

std::uint32_t effective_mtu(const PodLinkSpec& spec) { return spec.mtu ? spec.mtu : kDefaultMtu; }

std::string in_pod(const PodLinkSpec& spec) { return "in " + spec.netns_path; }

}  // namespace xebec::cni
