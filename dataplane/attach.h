// Attaching the load-balancer's programs to interfaces of the current network namespace:
// a pod's host-side veth (tc both ways) or a node's uplink (tc, or XDP for the forward path).
// Attachments live in the kernel, not in this process: they survive its exit and a later
// attach replaces them in place, without a gap.
#pragma once

#include <string>

#include "common/result.h"
#include "dataplane/lb_object.h"
#include "dataplane/pod_programs.h"

namespace xebec::dataplane {

enum class Hook { kPod, kUplink };

struct AttachOptions {
  Hook hook = Hook::kPod;
  std::string interface;
  bool xdp = false;  // uplink only: forward path in XDP instead of tc ingress
};

// `object` must be opened with LbObject::Mode::kLoadPrograms. For an uplink, its IPv4
// addresses become the node addresses NodePorts are served on. A pod veth gets the
// instance's pinned pod programs (pinned now if they are not yet).
Status attach(const LbObject& object, const AttachOptions& options);

// The pod hook by interface index, with programs already open: the CNI plugin's path.
Status attach_pod(const PodPrograms& programs, int ifindex, const std::string& ifname);

// Whether the interface's tc hooks run exactly these programs (CNI CHECK); the error says
// which hook runs what.
Status check_pod_attached(const PodPrograms& programs, int ifindex, const std::string& ifname);

// Removes what attach installed on the interface (tc filters, XDP program, node addresses).
// `object` may be opened with any mode.
Status detach(const LbObject& object, const AttachOptions& options);

}  // namespace xebec::dataplane
