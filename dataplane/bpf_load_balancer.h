// The real LoadBalancer: programs the pinned BPF maps of one instance. Stateless between
// calls: each call reads what the maps hold, so any number of processes, one at a time,
// can program the same instance (a restarted CLI or agent picks up where the last left).
#pragma once

#include <optional>
#include <vector>

#include "bpf/api/lb.h"
#include "dataplane/lb_object.h"
#include "dataplane/load_balancer.h"
#include "dataplane/mapped_array.h"

namespace xebec::dataplane {

// Not thread-safe; concurrent writers to one instance must be serialised by the caller
// (InstanceLock).
class BpfLoadBalancer final : public LoadBalancer {
 public:
  explicit BpfLoadBalancer(const LbObject& object) : object_(object) {}

  Result<std::vector<ServiceRecord>> services() override;
  Result<ApplyReport> apply(const std::vector<ServiceSpec>& desired, bool prune) override;
  Status remove(const Frontend& frontend) override;

  // A Maglev service's lookup table: the backend id owning each slot.
  Result<std::vector<std::uint32_t>> maglev_table(std::uint32_t service_id) const;

 private:
  // A served service and where its backend list lives in lb4_slots.
  struct Served {
    ServiceRecord record;
    std::uint32_t slots_offset = 0;
  };
  Status map_arrays();
  Result<std::vector<Served>> read();
  Result<ApplyReport> execute(const std::vector<Served>& current, const ApplyPlan& plan);

  const LbObject& object_;
  std::optional<MappedArray<lb4_backend>> backends_;  // lb4_backends, mapped on first use
  std::optional<MappedArray<__u32>> slots_;           // lb4_slots
};

}  // namespace xebec::dataplane
