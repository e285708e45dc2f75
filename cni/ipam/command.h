// xebec-ipam's commands: host-local's behaviour behind the CNI protocol, for any plugin that
// delegates its IPAM ("ipam": {"type": "xebec-ipam", ...}). xebec-cni uses the same library
// in-process.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/ipam/ipv4.h"
#include "cni/spec/skel.h"

namespace xebec::cni::ipam {

// CNI_ARGS IP=: one address, or several separated by commas (one per range set); a /length
// is allowed and ignored. kInvalid errors quote the argument.
Result<std::vector<Ipv4Address>> requested_addresses(const Invocation& inv);

// Stateless between invocations: the reservations live in the data directory.
class IpamPlugin final : public Plugin {
 public:
  Result<CniResult> add(const Invocation& inv, const NetConf& conf) override;
  Status del(const Invocation& inv, const NetConf& conf) override;
  Status check(const Invocation& inv, const NetConf& conf) override;
  Status status(const Invocation& inv, const NetConf& conf) override;
  Status gc(const Invocation& inv, const NetConf& conf) override;
};

}  // namespace xebec::cni::ipam
