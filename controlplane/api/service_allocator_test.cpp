// ClusterIPs and NodePorts: unique, in range, reserved in the store, released on delete.
#include "controlplane/api/service_allocator.h"

#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <set>

#include "controlplane/store/memory_store.h"

using namespace xebec::api;
using nlohmann::json;

namespace {
json service(const std::string& name, const std::string& type = "ClusterIP") {
  return {{"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"type", type}, {"ports", {{{"port", 80}, {"protocol", "TCP"}}}}}}};
}
std::uint32_t host_order(const std::string& ip) {
  in_addr a{};
  REQUIRE(inet_pton(AF_INET, ip.c_str(), &a) == 1);
  return ntohl(a.s_addr);
}
}  // namespace

TEST_CASE("services get distinct ClusterIPs and NodePorts from their ranges", "[api][allocator]") {
  xebec::store::MemoryStore store;
  ServiceAllocator alloc(store);
  std::set<std::string> ips;
  std::set<std::int64_t> ports;
  for (int i = 0; i < 200; ++i) {
    json s = service("s" + std::to_string(i), i % 2 ? "NodePort" : "ClusterIP");
    REQUIRE(alloc.allocate(s).ok());
    const std::string ip = s["spec"]["clusterIP"];
    CHECK(s["spec"]["clusterIPs"] == json::array({ip}));
    const std::uint32_t h = host_order(ip);
    CHECK(h >= host_order("10.96.0.2"));
    CHECK(h <= host_order("10.111.255.254"));
    ips.insert(ip);
    if (i % 2) {
      const std::int64_t port = s["spec"]["ports"][0]["nodePort"];
      CHECK(port >= 30000);
      CHECK(port <= 32767);
      ports.insert(port);
    } else {
      CHECK_FALSE(s["spec"]["ports"][0].contains("nodePort"));
    }
  }
  CHECK(ips.size() == 200);
  CHECK(ports.size() == 100);
}

TEST_CASE("a requested address or port is reserved once, release frees it", "[api][allocator]") {
  xebec::store::MemoryStore store;
  ServiceAllocator alloc(store);
  json a = service("a", "NodePort");
  a["spec"]["clusterIP"] = "10.96.0.10";
  a["spec"]["ports"][0]["nodePort"] = 30080;
  REQUIRE(alloc.allocate(a).ok());

  json b = service("b");
  b["spec"]["clusterIP"] = "10.96.0.10";
  auto taken = alloc.allocate(b);
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.error().message.find("provided IP is already allocated") != std::string::npos);
  json c = service("c", "NodePort");
  c["spec"]["ports"][0]["nodePort"] = 30080;
  auto port_taken = alloc.allocate(c);
  REQUIRE_FALSE(port_taken.ok());
  CHECK(port_taken.error().message.find("provided port is already allocated") != std::string::npos);
  // The failed create gave back the address it had taken before the port failed.
  CHECK(store.list("/registry/ranges/serviceips/", {})->items.size() == 1);

  json outside = service("d");
  outside["spec"]["clusterIP"] = "10.200.0.1";
  CHECK(alloc.allocate(outside).error().message.find("not in the valid range") != std::string::npos);

  alloc.release(a);
  CHECK(alloc.allocate(b).ok());
  CHECK(alloc.allocate(c).ok());
}

TEST_CASE("a full range says so, updates keep the address and NodePorts", "[api][allocator]") {
  xebec::store::MemoryStore store;
  ServiceAllocator small(store, "10.97.0.0/29", 30000, 30001);  // 5 usable addresses, 2 ports
  for (int i = 0; i < 5; ++i) {
    json s = service("s" + std::to_string(i));
    REQUIRE(small.allocate(s).ok());
  }
  json extra = service("extra");
  auto full = small.allocate(extra);
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == xebec::ErrorCode::kUnavailable);

  xebec::store::MemoryStore store2;
  ServiceAllocator alloc(store2);
  json old = service("web", "NodePort");
  REQUIRE(alloc.allocate(old).ok());
  json updated = service("web", "NodePort");
  updated["spec"]["ports"].push_back({{"port", 443}, {"protocol", "TCP"}});
  REQUIRE(alloc.carry_over(old, updated).ok());
  CHECK(updated["spec"]["clusterIP"] == old["spec"]["clusterIP"]);
  CHECK(updated["spec"]["ports"][0]["nodePort"] == old["spec"]["ports"][0]["nodePort"]);
  CHECK(updated["spec"]["ports"][1].contains("nodePort"));
  json moved = service("web");
  moved["spec"]["clusterIP"] = "10.96.7.7";
  CHECK(alloc.carry_over(old, moved).error().message.find("may not change once set") != std::string::npos);
  // Back to ClusterIP: the NodePorts are free again.
  json plain = service("web");
  REQUIRE(alloc.carry_over(updated, plain).ok());
  CHECK(store2.list("/registry/ranges/servicenodeports/", {})->items.empty());
}
