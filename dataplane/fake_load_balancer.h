// An in-memory LoadBalancer for tests of code above the seam. Same planning as the real
// one (plan_apply), so the two agree on what is valid; ids are handed out in order.
#pragma once

#include <map>

#include "dataplane/load_balancer.h"

namespace xebec::dataplane {

class FakeLoadBalancer final : public LoadBalancer {
 public:
  Result<std::vector<ServiceRecord>> services() override {
    std::vector<ServiceRecord> out;
    for (const auto& [_, r] : records_) out.push_back(r);
    return out;
  }

  Result<ApplyReport> apply(const std::vector<ServiceSpec>& desired, bool prune) override {
    auto plan = plan_apply(specs_of(*services()), desired, prune);
    if (!plan) return plan.error();
    execute(*plan);
    return plan->report;
  }

  Status remove(const Frontend& frontend) override {
    auto plan = plan_delete(specs_of(*services()), frontend);
    if (!plan) return plan.error();
    execute(*plan);
    return {};
  }

 private:
  void execute(const ApplyPlan& plan) {
    for (const auto& f : plan.deletes) records_.erase(f);
    for (const auto& s : plan.upserts) {
      auto& r = records_[s.frontend];
      if (r.id == 0) r.id = next_id_++;
      r.spec = s;
      r.backend_ids.assign(s.backends.size(), 0);
      for (auto& id : r.backend_ids) id = next_id_++;
    }
  }

  std::map<Frontend, ServiceRecord> records_;
  std::uint32_t next_id_ = 1;
};

}  // namespace xebec::dataplane
