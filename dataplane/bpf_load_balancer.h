// The real LoadBalancer: programs the pinned BPF maps of one instance. Stateless between
// calls: each call reads what the maps hold, so any number of processes, one at a time,
// can program the same instance (a restarted CLI or agent picks up where the last left).
#pragma once

#include <vector>

#include "dataplane/lb_object.h"
#include "dataplane/load_balancer.h"

namespace xebec::dataplane {

// Not thread-safe; concurrent writers to one instance must be serialised by the caller.
class BpfLoadBalancer final : public LoadBalancer {
 public:
  explicit BpfLoadBalancer(const LbObject& object) : object_(object) {}

  Result<std::vector<ServiceRecord>> services() override;
  Result<ApplyReport> apply(const std::vector<ServiceSpec>& desired, bool prune) override;
  Status remove(const Frontend& frontend) override;

  // The service's whole selection table (layout in bpf/api/lb.h, XEBEC_SEL_*).
  Result<std::vector<std::uint32_t>> selection_table(std::uint32_t service_id) const;

 private:
  Result<ApplyReport> execute(const std::vector<ServiceRecord>& current, const ApplyPlan& plan);
  const LbObject& object_;
};

}  // namespace xebec::dataplane
