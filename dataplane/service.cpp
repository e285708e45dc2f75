// Validation and comparison of service specs.
#include "dataplane/service.h"

#include <algorithm>

namespace xebec::dataplane {

namespace {
std::vector<Endpoint> sorted(std::vector<Endpoint> v) {
  std::sort(v.begin(), v.end());
  return v;
}
}  // namespace

bool ServiceSpec::same_datapath(const ServiceSpec& other) const {
  bool same_table = algorithm == other.algorithm &&
                    (algorithm == Algorithm::kRandom || maglev_table_size == other.maglev_table_size);
  return frontend == other.frontend && same_table && affinity_timeout == other.affinity_timeout &&
         node_port == other.node_port && sorted(backends) == sorted(other.backends);
}

Result<Algorithm> parse_algorithm(const std::string& text) {
  if (text == "random") return Algorithm::kRandom;
  if (text == "maglev") return Algorithm::kMaglev;
  return err("'" + text + "' is not an algorithm (expected random or maglev)");
}

std::string format_algorithm(Algorithm a) { return a == Algorithm::kMaglev ? "maglev" : "random"; }

Status validate(const ServiceSpec& spec) {
  // Only a failing spec pays for its name: validation runs over every service of an apply.
  auto where = [&spec] { return format_frontend(spec.frontend) + ": "; };
  if (spec.frontend.endpoint.address_be == 0)
    return err(where() + "0.0.0.0 cannot be a service VIP");
  for (const auto& b : spec.backends)
    if (b.address_be == 0) return err(where() + "backend 0.0.0.0 is not an address");
  auto backends = sorted(spec.backends);
  if (auto twice = std::adjacent_find(backends.begin(), backends.end()); twice != backends.end())
    return err(where() + "backend " + format_endpoint(*twice) + " is listed twice");
  if (spec.backends.size() > kMaxBackendsPerService)
    return err(where() + std::to_string(spec.backends.size()) + " backends; at most " +
               std::to_string(kMaxBackendsPerService) + " per service");
  if (spec.affinity_timeout > kMaxAffinityTimeout)
    return err(where() + "affinity timeout " + std::to_string(spec.affinity_timeout) +
               " s is over the maximum of " + std::to_string(kMaxAffinityTimeout) + " s");
  if (spec.algorithm == Algorithm::kMaglev) {
    if (!is_prime(spec.maglev_table_size))
      return err(where() + "Maglev table size " + std::to_string(spec.maglev_table_size) +
                 " is not prime (the default is " + std::to_string(kMaglevDefaultTableSize) + ")");
    if (spec.backends.size() > spec.maglev_table_size)
      return err(where() + "Maglev table size " + std::to_string(spec.maglev_table_size) +
                 " is smaller than the " + std::to_string(spec.backends.size()) + " backends");
  }
  return {};
}

}  // namespace xebec::dataplane
