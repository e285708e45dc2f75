// Generation of the benchmark's services and their services-file rendering.
#include "bench/workload.h"

#include <arpa/inet.h>

#include <cstdio>
#include <stdexcept>

namespace xebec::bench {

namespace {

constexpr std::uint32_t kServiceBase = 0x0A600000;  // 10.96.0.0
constexpr std::uint32_t kServiceSpan = 1u << 20;     // /12
constexpr std::uint32_t kPodBase = 0x0AF40000;       // 10.244.0.0
constexpr std::uint32_t kPodsPerPort = 65534;        // 10.244.0.1 .. 10.244.255.254

std::string ipv4(std::uint32_t host_order) {
  char buf[INET_ADDRSTRLEN];
  in_addr a{htonl(host_order)};
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::string endpoint(std::size_t k) {
  return ipv4(kPodBase + 1 + static_cast<std::uint32_t>(k % kPodsPerPort)) + ":" +
         std::to_string(8080 + k / kPodsPerPort);
}

}  // namespace

std::vector<BenchService> make_workload(std::size_t services, std::size_t backends) {
  if (services + 2 > kServiceSpan) throw std::invalid_argument("at most 1048574 services fit in 10.96.0.0/12");
  if (static_cast<unsigned long long>(services) * backends / kPodsPerPort + 8080 > 65535)
    throw std::invalid_argument("too many endpoints for the pod range");
  std::vector<BenchService> out(services);
  for (std::size_t i = 0; i < services; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "bench/svc-%05zu:http", i);
    out[i].port_name = name;
    out[i].vip = ipv4(kServiceBase + 1 + static_cast<std::uint32_t>(i));
    out[i].endpoints.reserve(backends);
    for (std::size_t j = 0; j < backends; ++j) out[i].endpoints.push_back(endpoint(i * backends + j));
  }
  return out;
}

std::string spare_endpoint(std::size_t services, std::size_t backends, std::size_t nth) {
  return endpoint(services * backends + nth);
}

std::string services_json(const std::vector<BenchService>& services) {
  std::string out = "{\"services\": [\n";
  for (std::size_t i = 0; i < services.size(); ++i) {
    const auto& s = services[i];
    out += "  {\"frontend\": \"" + s.vip + ":" + std::to_string(s.port) + "/tcp\", \"backends\": [";
    for (std::size_t j = 0; j < s.endpoints.size(); ++j) {
      if (j) out += ", ";
      out += "\"" + s.endpoints[j] + "\"";
    }
    out += i + 1 < services.size() ? "]},\n" : "]}\n";
  }
  out += "]}\n";
  return out;
}

}  // namespace xebec::bench
