// The seam between whoever decides which services exist (the CLI today, the proxy later)
// and the dataplane that serves them. BpfLoadBalancer is the real one; FakeLoadBalancer
// keeps services in memory for tests of the code above it.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/apply_plan.h"
#include "common/result.h"
#include "dataplane/service.h"

namespace xebec::dataplane {

// A service as the dataplane serves it.
struct ServiceRecord {
  std::uint32_t id = 0;                  // service id (Maglev table and counters key)
  ServiceSpec spec;                      // backends ordered by backend id
  std::vector<std::uint32_t> backend_ids;  // parallel to spec.backends
};

class LoadBalancer {
 public:
  virtual ~LoadBalancer() = default;
  virtual Result<std::vector<ServiceRecord>> services() = 0;
  // Serves `desired` (see plan_apply); all or nothing when it fails validation.
  virtual Result<ApplyReport> apply(const std::vector<ServiceSpec>& desired, bool prune) = 0;
  virtual Status remove(const Frontend& frontend) = 0;
};

// Specs of records, the input plan_apply wants.
std::vector<ServiceSpec> specs_of(const std::vector<ServiceRecord>& records);

}  // namespace xebec::dataplane
