// ServiceAllocator: ClusterIPs from the service range (default 10.96.0.0/12) and NodePorts
// from 30000-32767 for Services, each reserved by a key in the store, so two apiservers on one
// etcd never hand out the same address or port.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "controlplane/store/store.h"

namespace xebec::api {

// Thread-safe as the store is: reservations are store creates, which only one caller wins.
class ServiceAllocator {
 public:
  // `cidr`: the IPv4 service range, e.g. "10.96.0.0/12"; its first address is kept for the
  // cluster's own "kubernetes" Service, as Kubernetes does.
  explicit ServiceAllocator(store::Store& store, const std::string& cidr = "10.96.0.0/12",
                            std::uint16_t node_port_min = 30000, std::uint16_t node_port_max = 32767);

  // Gives a new Service its spec.clusterIP(s) (or reserves the one it asks for) and, for
  // NodePort and LoadBalancer types, a nodePort per port that has none. All or nothing:
  // kInvalid when a requested address or port is taken or outside its range, kUnavailable
  // when a range is full.
  Status allocate(nlohmann::json& service);
  // Releases what `service` holds (after its deletion, or a failed create).
  void release(const nlohmann::json& service);
  // An update keeps the ClusterIP it had (kInvalid if the body tries to change it) and the
  // NodePorts the ports had; new NodePort ports get one.
  Status carry_over(const nlohmann::json& old, nlohmann::json& service);

 private:
  Status reserve_ip(const std::string& ip, const std::string& owner);
  Status reserve_port(std::int64_t port, const std::string& owner);
  Status assign_node_ports(const nlohmann::json& old, nlohmann::json& service);

  store::Store& store_;
  std::uint32_t base_ = 0;  // network address, host order
  std::uint32_t size_ = 0;  // addresses in the range
  std::uint16_t port_min_, port_max_;
};

}  // namespace xebec::api
