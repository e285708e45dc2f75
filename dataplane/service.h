// What a user asks the load-balancer to serve: a frontend, its backends and how to choose
// among them. The unit of `xebec bpf lb update` and of one entry of `lb apply -f`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/address.h"
#include "dataplane/maglev.h"
#include "common/result.h"

namespace xebec::dataplane {

enum class Algorithm : std::uint8_t { kRandom = 0, kMaglev = 1 };

inline constexpr std::uint32_t kMaxAffinityTimeout = 86400;  // Kubernetes' upper bound
inline constexpr std::uint32_t kMaxBackendsPerService = 65535;

struct ServiceSpec {
  Frontend frontend;
  std::vector<Endpoint> backends;  // order is not significant
  Algorithm algorithm = Algorithm::kRandom;
  std::uint32_t affinity_timeout = 0;  // seconds; 0 = no ClientIP affinity
  std::uint16_t node_port = 0;         // host order; 0 = no NodePort
  std::uint32_t maglev_table_size = kMaglevDefaultTableSize;

  // Equal when they program the same datapath state (backend order ignored).
  bool same_datapath(const ServiceSpec& other) const;
};

Result<Algorithm> parse_algorithm(const std::string& text);
std::string format_algorithm(Algorithm a);

// Checks one spec on its own: backends unique, Maglev table prime and big enough, limits.
Status validate(const ServiceSpec& spec);

}  // namespace xebec::dataplane
