// EndpointsController: the subsets a service's pods make, as a table; and the controller against
// the apiserver in memory.
#include "controlplane/controllers/endpoints.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "controlplane/client/in_process_api_client.h"
#include "tests/support/eventually.h"

namespace xebec::controllers {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::eventually;
using testing::must;

json service(json ports, bool publish_not_ready = false) {
  return {{"metadata", {{"name", "web"}, {"namespace", "default"}}},
          {"spec", {{"selector", {{"app", "web"}}}, {"ports", ports}, {"publishNotReadyAddresses", publish_not_ready}}}};
}

json pod(const std::string& name, const std::string& ip, bool ready, int http_port = 8080,
         const std::string& app = "web") {
  json p = {{"metadata", {{"name", name}, {"namespace", "default"}, {"uid", "uid-" + name}, {"labels", {{"app", app}}}}},
            {"spec",
             {{"nodeName", "n1"},
              {"containers", {{{"name", "c"}, {"image", "busybox"}, {"ports", {{{"name", "http"}, {"containerPort", http_port}}}}}}}}},
            {"status", {{"phase", "Running"}}}};
  if (!ip.empty()) p["status"]["podIP"] = ip;
  p["status"]["conditions"] = {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}};
  return p;
}

json address(const std::string& name, const std::string& ip) {
  return {{"ip", ip},
          {"nodeName", "n1"},
          {"targetRef", {{"kind", "Pod"}, {"namespace", "default"}, {"name", name}, {"uid", "uid-" + name}}}};
}

std::vector<client::ObjectPtr> objects(const std::vector<json>& pods) {
  std::vector<client::ObjectPtr> out;
  for (const auto& p : pods) out.push_back(std::make_shared<const json>(p));
  return out;
}

}  // namespace

TEST_CASE("the subsets a service's pods make", "[controllers]") {
  const json http = {{{"name", "http"}, {"port", 80}, {"targetPort", "http"}, {"protocol", "TCP"}}};
  const json numbered = {{{"port", 80}, {"targetPort", 9090}, {"protocol", "TCP"}}};
  json terminating = pod("d", "10.0.0.4", true);
  terminating["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  struct Case {
    const char* name;
    json service;
    std::vector<json> pods;
    json want;
  };
  const std::vector<Case> cases = {
      {"ready and not ready, sorted by IP",
       service(http),
       {pod("b", "10.0.0.2", true), pod("a", "10.0.0.1", true), pod("c", "10.0.0.3", false)},
       {{{"addresses", {address("a", "10.0.0.1"), address("b", "10.0.0.2")}},
         {"notReadyAddresses", {address("c", "10.0.0.3")}},
         {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}}}}},
      {"a named port resolves per pod",
       service(http),
       {pod("a", "10.0.0.1", true, 8080), pod("b", "10.0.0.2", true, 9000)},
       {{{"addresses", {address("a", "10.0.0.1")}}, {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}}},
        {{"addresses", {address("b", "10.0.0.2")}}, {"ports", {{{"name", "http"}, {"port", 9000}, {"protocol", "TCP"}}}}}}},
      {"numbered target port",
       service(numbered),
       {pod("a", "10.0.0.1", true)},
       {{{"addresses", {address("a", "10.0.0.1")}}, {"ports", {{{"port", 9090}, {"protocol", "TCP"}}}}}}},
      {"no IP, other labels, terminating: left out",
       service(http),
       {pod("a", "", true), pod("b", "10.0.0.2", true, 8080, "db"), terminating},
       json::array()},
      {"publishNotReadyAddresses",
       service(http, true),
       {pod("c", "10.0.0.3", false)},
       {{{"addresses", {address("c", "10.0.0.3")}}, {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}}}}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(EndpointsController::subsets(c.service, objects(c.pods)) == c.want);
  }
}

TEST_CASE("the controller writes a service's Endpoints, follows its pods, and deletes them with it", "[controllers]") {
  client::InProcessApiClient api;
  const auto& pods = *api::find_resource("", "v1", "pods");
  const auto& services = *api::find_resource("", "v1", "services");
  const auto& endpoints = *api::find_resource("", "v1", "endpoints");
  client::Informer service_cache(api, services), pod_cache(api, pods), endpoints_cache(api, endpoints);
  EndpointsController controller(api, service_cache, pod_cache, endpoints_cache);
  struct StopFirst {  // destroyed before the controller: no event reaches it while it goes
    std::vector<client::Informer*> informers;
    ~StopFirst() {
      for (auto* i : informers) i->stop();
    }
  } stop_first{{&service_cache, &pod_cache, &endpoints_cache}};
  for (auto* i : {&service_cache, &pod_cache, &endpoints_cache}) i->start();
  for (auto* i : {&service_cache, &pod_cache, &endpoints_cache}) REQUIRE(i->wait_for_sync(10s));
  controller.start(1);

  must(api.create(services, "default", service({{{"name", "http"}, {"port", 80}, {"targetPort", "http"}}})));
  json a = must(api.create(pods, "default", pod("a", "", true)));
  a["status"] = pod("a", "10.0.0.1", true)["status"];
  must(api.update(pods, "default", a, "status"));
  auto ips = [&] {
    auto e = api.get(endpoints, "default", "web");
    if (!e) return std::string("none");
    std::string out;
    for (const auto& s : e->value("subsets", json::array()))
      for (const auto& addr : s.value("addresses", json::array())) out += addr["ip"].get<std::string>() + " ";
    return out;
  };
  eventually("a's address", [&] { return ips() == "10.0.0.1 "; });

  json b = must(api.create(pods, "default", pod("b", "", true)));
  b["status"] = pod("b", "10.0.0.2", true)["status"];
  must(api.update(pods, "default", b, "status"));
  eventually("both addresses", [&] { return ips() == "10.0.0.1 10.0.0.2 "; });
  must(api.remove(pods, "default", "a"));
  eventually("only b", [&] { return ips() == "10.0.0.2 "; });
  must(api.remove(services, "default", "web"));
  eventually("no endpoints", [&] { return ips() == "none"; });
}

}  // namespace xebec::controllers
