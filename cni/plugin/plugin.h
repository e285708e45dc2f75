// xebec-cni's commands: each pod gets a routed veth with an address from IPAM, and the
// dataplane's pod programs on the veth's host side, so services work as soon as ADD returns.
#pragma once

#include "cni/spec/skel.h"

namespace xebec::cni {

// Stateless between invocations: everything lives in the kernel (links, routes, programs) and
// in IPAM's files. One invocation per process, on its main thread (it enters namespaces).
class XebecCni final : public Plugin {
 public:
  Result<CniResult> add(const Invocation& inv, const NetConf& conf) override;
  Status del(const Invocation& inv, const NetConf& conf) override;
  Status check(const Invocation& inv, const NetConf& conf) override;
  Status status(const Invocation& inv, const NetConf& conf) override;
  Status gc(const Invocation& inv, const NetConf& conf) override;
};

}  // namespace xebec::cni
