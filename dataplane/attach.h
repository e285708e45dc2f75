// Attaching the load-balancer's programs to interfaces of the current network namespace:
// a pod's host-side veth (tc both ways) or a node's uplink (tc, or XDP for the forward path).
// Attachments live in the kernel, not in this process: they survive its exit and a later
// attach replaces them in place, without a gap.
#pragma once

#include <string>

#include "dataplane/lb_object.h"
#include "common/result.h"

namespace xebec::dataplane {

enum class Hook { kPod, kUplink };

struct AttachOptions {
  Hook hook = Hook::kPod;
  std::string interface;
  bool xdp = false;  // uplink only: forward path in XDP instead of tc ingress
};

// `object` must be opened with LbObject::Mode::kLoadPrograms. For an uplink, its IPv4
// addresses become the node addresses NodePorts are served on.
Status attach(const LbObject& object, const AttachOptions& options);

// Removes what attach installed on the interface (tc filters, XDP program, node addresses).
// `object` may be opened with any mode.
Status detach(const LbObject& object, const AttachOptions& options);

}  // namespace xebec::dataplane
