// The declarative services file of `xebec bpf lb apply -f` (YAML or JSON):
//   services:
//   - frontend: 10.96.0.10:80/tcp
//     backends: [10.244.1.2:8080]
//     algorithm: random | maglev       (default random)
//     affinityTimeout: 10800           (seconds; absent or 0 = none)
//     nodePort: 30080                  (optional)
//     maglevTableSize: 16381           (optional, prime)
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "dataplane/service.h"

namespace xebec::dataplane {

// Parses file content; errors name the entry and field ("services[2].backends[0]: ...").
Result<std::vector<ServiceSpec>> parse_service_file(const std::string& content);

// Reads and parses a file ("-" is standard input).
Result<std::vector<ServiceSpec>> load_service_file(const std::string& path);

}  // namespace xebec::dataplane
