// The synthetic cluster the sync benchmark programs: N ClusterIP services of B endpoints
// each, and its rendering as the services file of `xebec bpf lb apply -f` (JSON).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace xebec::bench {

// One Kubernetes service port with its ready endpoints.
struct BenchService {
  std::string port_name;               // kube-proxy's ServicePortName: "bench/svc-00001:http"
  std::string vip;                     // ClusterIP: 10.96.0.0/12, one per service
  std::uint16_t port = 80;             // service port (TCP)
  std::vector<std::string> endpoints;  // "IP:PORT"; pods in 10.244.0.0/16, unique cluster-wide
};

inline constexpr const char* kClusterCidr = "10.244.0.0/16";  // pod addresses (kube-proxy --cluster-cidr)

// Services 0..services-1, each with `backends` endpoints. Endpoint k of the cluster is pod
// 10.244.0.0 + 1 + k % 65534 on port 8080 + k / 65534, so no two endpoints are equal.
// Fails (throws std::invalid_argument) when the VIP range 10.96.0.0/12 is exhausted.
std::vector<BenchService> make_workload(std::size_t services, std::size_t backends);

// An endpoint no service of the workload uses (for update benchmarks).
std::string spare_endpoint(std::size_t services, std::size_t backends, std::size_t nth);

// {"services":[{"frontend":"VIP:PORT/tcp","backends":[...]}, ...]}, one service per line.
std::string services_json(const std::vector<BenchService>& services);

}  // namespace xebec::bench
