// ServiceAllocator: a reservation is the key /registry/ranges/serviceips/IP (or
// servicenodeports/PORT) holding its owner; picking starts at a random offset and probes on.
#include "controlplane/api/service_allocator.h"

#include <arpa/inet.h>

#include <random>
#include <set>

namespace xebec::api {

namespace {

using nlohmann::json;

const std::string kIpPrefix = "/registry/ranges/serviceips/";
const std::string kPortPrefix = "/registry/ranges/servicenodeports/";

std::string owner_of(const json& service) {
  return service["metadata"].value("namespace", "") + "/" + service["metadata"].value("name", "");
}

std::string format_ip(std::uint32_t host_order) {
  in_addr a{htonl(host_order)};
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

bool needs_node_ports(const json& spec) {
  const std::string type = spec.value("type", "ClusterIP");
  return type == "NodePort" || type == "LoadBalancer";
}

std::uint32_t random_below(std::uint32_t n) {
  thread_local std::mt19937 gen{std::random_device{}()};
  return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(gen);
}

}  // namespace

ServiceAllocator::ServiceAllocator(store::Store& store, const std::string& cidr, std::uint16_t node_port_min,
                                   std::uint16_t node_port_max)
    : store_(store), port_min_(node_port_min), port_max_(node_port_max) {
  const auto slash = cidr.find('/');
  in_addr a{};
  const int bits = slash == std::string::npos ? 32 : std::stoi(cidr.substr(slash + 1));
  if (inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &a) == 1 && bits >= 8 && bits <= 30) {
    size_ = 1u << (32 - bits);
    base_ = ntohl(a.s_addr) & ~(size_ - 1);
  }
}

Status ServiceAllocator::reserve_ip(const std::string& ip, const std::string& owner) {
  auto r = store_.create(kIpPrefix + ip, owner);
  if (r) return {};
  if (r.error().code == ErrorCode::kAlreadyExists)
    return err("spec.clusterIPs: Invalid value: [\"" + ip + "\"]: failed to allocate IP " + ip +
                   ": provided IP is already allocated",
               ErrorCode::kInvalid);
  return r.error();
}

Status ServiceAllocator::reserve_port(std::int64_t port, const std::string& owner) {
  auto r = store_.create(kPortPrefix + std::to_string(port), owner);
  if (r) return {};
  if (r.error().code == ErrorCode::kAlreadyExists)
    return err("spec.ports.nodePort: Invalid value: " + std::to_string(port) + ": provided port is already allocated",
               ErrorCode::kInvalid);
  return r.error();
}

Status ServiceAllocator::allocate(json& service) {
  json& spec = service["spec"];
  const std::string owner = owner_of(service);
  const std::string type = spec.value("type", "ClusterIP");
  json taken = service;  // what to release if a later step fails
  taken["spec"]["clusterIP"] = "";
  taken["spec"]["ports"] = json::array();
  auto fail = [&](Error e) {
    release(taken);
    return e;
  };

  if (type != "ExternalName" && spec.value("clusterIP", "") != "None") {
    std::string ip = spec.value("clusterIP", "");
    if (!ip.empty()) {
      in_addr a{};
      const std::uint32_t host = inet_pton(AF_INET, ip.c_str(), &a) == 1 ? ntohl(a.s_addr) : 0;
      if (host <= base_ || host >= base_ + size_ - 1)
        return err("spec.clusterIPs: Invalid value: [\"" + ip + "\"]: failed to allocate IP " + ip +
                       ": the provided IP (" + ip + ") is not in the valid range. The range of valid IPs is " +
                       format_ip(base_) + "/" + std::to_string(32 - __builtin_ctz(size_)),
                   ErrorCode::kInvalid);
      if (auto ok = reserve_ip(ip, owner); !ok) return ok;
    } else {
      // Neither the network address, nor the first one (the kubernetes Service's), nor broadcast.
      const std::uint32_t usable = size_ - 3;
      const std::uint32_t start = random_below(usable);
      for (std::uint32_t i = 0; i < usable && ip.empty(); ++i) {
        const std::string candidate = format_ip(base_ + 2 + (start + i) % usable);
        auto ok = reserve_ip(candidate, owner);
        if (ok) ip = candidate;
        else if (ok.error().code != ErrorCode::kInvalid) return ok;
      }
      if (ip.empty()) return err("failed to allocate a serviceIP: range is full", ErrorCode::kUnavailable);
    }
    spec["clusterIP"] = ip;
    spec["clusterIPs"] = json::array({ip});
    spec["ipFamilies"] = json::array({"IPv4"});
    spec["ipFamilyPolicy"] = "SingleStack";
    taken["spec"]["clusterIP"] = ip;
  }

  if (!needs_node_ports(spec) || !spec.contains("ports")) return {};
  for (auto& p : spec["ports"]) {
    if (p.contains("nodePort")) {
      if (auto ok = reserve_port(p["nodePort"].get<std::int64_t>(), owner); !ok) return fail(ok.error());
    } else {
      const std::uint32_t span = port_max_ - port_min_ + 1;
      const std::uint32_t start = random_below(span);
      bool found = false;
      for (std::uint32_t i = 0; i < span && !found; ++i) {
        const std::int64_t port = port_min_ + (start + i) % span;
        auto ok = reserve_port(port, owner);
        if (ok) {
          p["nodePort"] = port;
          found = true;
        } else if (ok.error().code != ErrorCode::kInvalid) {
          return fail(ok.error());
        }
      }
      if (!found) return fail(err("failed to allocate a nodePort: range is full", ErrorCode::kUnavailable));
    }
    taken["spec"]["ports"].push_back({{"nodePort", p["nodePort"]}});
  }
  return {};
}

void ServiceAllocator::release(const json& service) {
  const json spec = service.value("spec", json::object());
  const std::string ip = spec.value("clusterIP", "");
  if (!ip.empty() && ip != "None") (void)store_.remove(kIpPrefix + ip, 0);
  for (const auto& p : spec.value("ports", json::array()))
    if (p.contains("nodePort")) (void)store_.remove(kPortPrefix + p["nodePort"].dump(), 0);
}

Status ServiceAllocator::carry_over(const json& old, json& service) {
  const std::string old_ip = old["spec"].value("clusterIP", "");
  json& spec = service["spec"];
  const std::string ip = spec.value("clusterIP", "");
  if (!ip.empty() && ip != old_ip)
    return err("Service \"" + old["metadata"].value("name", "") + "\" is invalid: spec.clusterIPs[0]: Invalid value: [\"" +
                   ip + "\"]: may not change once set",
               ErrorCode::kInvalid);
  if (!old_ip.empty()) {
    spec["clusterIP"] = old_ip;
    spec["clusterIPs"] = old["spec"].value("clusterIPs", json::array({old_ip}));
  }
  // Ports keep their NodePort (matched by port and protocol); new ones get one.
  if (needs_node_ports(spec) && spec.contains("ports")) {
    if (auto ok = assign_node_ports(old, service); !ok) return ok;
  }
  // NodePorts the update dropped are free again.
  std::set<std::int64_t> kept;
  for (const auto& p : spec.value("ports", json::array()))
    if (p.contains("nodePort")) kept.insert(p["nodePort"].get<std::int64_t>());
  for (const auto& o : old["spec"].value("ports", json::array()))
    if (o.contains("nodePort") && !kept.contains(o["nodePort"].get<std::int64_t>()))
      (void)store_.remove(kPortPrefix + o["nodePort"].dump(), 0);
  return {};
}

Status ServiceAllocator::assign_node_ports(const json& old, json& service) {
  json& spec = service["spec"];
  for (auto& p : spec["ports"]) {
    if (p.contains("nodePort")) continue;
    for (const auto& o : old["spec"].value("ports", json::array()))
      if (o.value("port", 0) == p.value("port", 0) && o.value("protocol", "TCP") == p.value("protocol", "TCP") &&
          o.contains("nodePort"))
        p["nodePort"] = o["nodePort"];
    if (p.contains("nodePort")) continue;
    json one = {{"metadata", service["metadata"]}, {"spec", {{"type", spec["type"]}, {"clusterIP", "None"}, {"ports", {p}}}}};
    if (auto ok = allocate(one); !ok) return ok;
    p["nodePort"] = one["spec"]["ports"][0]["nodePort"];
  }
  return {};
}

}  // namespace xebec::api
