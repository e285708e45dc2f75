// A pod's routed veth, as Calico wires it (no bridge): the host side stays in the node's network
// namespace with a /32 route to the pod; the pod side reaches everything through a link-local
// gateway whose MAC it already knows. Creating, checking and removing one.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace xebec::cni {

// The pod's default gateway: on no interface at all, answered by the host side's MAC through
// a permanent neighbour entry, so the pod never ARPs for it.
inline constexpr const char* kPodGateway = "169.254.1.1";
// Every host side's MAC (as Calico's): the pod's frames to the gateway are addressed to it.
inline constexpr const char* kHostMac = "ee:ee:ee:ee:ee:ee";
inline constexpr std::uint32_t kDefaultMtu = 1500;

// One pod's veth. "The node namespace" is the calling thread's network namespace.
struct PodLinkSpec {
  std::string host_ifname;  // in the node namespace, e.g. "xeb" + a hash of the container id
  std::string netns_path;   // the pod's network namespace, e.g. /run/netns/cni-1234
  std::string pod_ifname;   // CNI_IFNAME, e.g. "eth0"
  std::uint32_t mtu = 0;    // both ends; 0: kDefaultMtu
  in_addr pod_ip{};         // the pod's address, as a /32
};

// What create_pod_link made, for the plugin's result.
struct PodLink {
  int host_ifindex = 0;  // in the node namespace
  std::string host_mac;  // kHostMac
  std::string pod_mac;   // random, unicast, locally administered: "0a:1b:…"
  std::uint32_t mtu = 0;
};

// Creates the veth (the pod side directly in the pod's namespace) and configures both sides:
// pod side with a random MAC, the MTU, POD_IP/32, up, a link route to kPodGateway, a default
// route via it and a permanent neighbour entry for it (kHostMac); host side with kHostMac, the
// MTU, up, and the route POD_IP/32 (replacing a stale one); IPv6 DAD off on both sides and
// IPv4 forwarding on in the node namespace. Runs on the calling thread, which it returns to
// its namespace. When a step fails, removes what it made and names the step, the interface and
// the kernel's reason; ErrorCode::kAlreadyExists when an interface of either name exists,
// kNotFound when the pod's namespace does not, kInvalid for a bad name.
Result<PodLink> create_pod_link(const PodLinkSpec& spec);

// Whether everything create_pod_link sets up is still there; the error names the first thing
// that is not ("eth0 in /run/netns/x has no address 10.244.1.5/32").
Status check_pod_link(const PodLinkSpec& spec);

// Deletes the host side, and with it the pod side, and returns when both are gone (the kernel
// waits for an RCU grace period, some 20 ms). A link that is not there is success.
Status delete_host_link(const std::string& host_ifname);

// Sets the host side down: the kernel drops its routes, so the pod is cut off at once and the
// slow deletion can happen later. A link that is not there is success.
Status disconnect_host_link(const std::string& host_ifname);

// Whether the node namespace has a link of this name, and whether it is up (a host side
// that disconnect_host_link left down is waiting for its deletion).
enum class HostLinkState { kAbsent, kDown, kUp };
Result<HostLinkState> host_link_state(const std::string& host_ifname);

// Names of the node namespace's links that start with `prefix` (to collect leftovers).
Result<std::vector<std::string>> host_links_with_prefix(const std::string& prefix);

}  // namespace xebec::cni
