// Planning of a declarative apply: from the services the dataplane serves now and the
// services wanted, the services to write and to delete. Pure, so the real load-balancer
// and its fake agree on what an apply means.
#pragma once

#include <vector>

#include "common/result.h"
#include "dataplane/service.h"

namespace xebec::dataplane {

struct ApplyReport {
  int created = 0;
  int updated = 0;
  int unchanged = 0;
  int deleted = 0;
};

struct ApplyPlan {
  std::vector<ServiceSpec> upserts;  // new or changed services, full desired state
  std::vector<Frontend> deletes;     // services to remove
  ApplyReport report;
};

// `desired` must hold each frontend once. With `prune`, services of `current` missing from
// `desired` are deleted; without it they stay. Fails (writing nothing) on an invalid spec or
// a NodePort that two services would share.
Result<ApplyPlan> plan_apply(const std::vector<ServiceSpec>& current,
                             const std::vector<ServiceSpec>& desired, bool prune);

// Plans the removal of one service; fails when it does not exist.
Result<ApplyPlan> plan_delete(const std::vector<ServiceSpec>& current, const Frontend& frontend);

}  // namespace xebec::dataplane
