// The running scheduler against an apiserver in memory (the real handler over MemoryStore):
// pods get bound, spread by anti-affinity; one that fits nowhere is told why, and placed once a
// node that fits it joins.
#include "controlplane/scheduler/scheduler.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "controlplane/client/in_process_api_client.h"
#include "tests/support/eventually.h"

namespace xebec::scheduler {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::eventually;
using testing::must;

const api::ResourceType& type(const char* resource) { return *api::find_resource("", "v1", resource); }

void add_node(client::ApiClient& c, const std::string& name, const std::string& cpu) {
  json node = must(c.create(type("nodes"), "", {{"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}}}));
  node["status"] = {{"allocatable", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}},
                    {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}};
  must(c.update(type("nodes"), "", node, "status"));
}

json web_pod(const std::string& name, const std::string& cpu) {
  return {{"metadata", {{"name", name}, {"labels", {{"app", "web"}}}}},
          {"spec",
           {{"containers", {{{"name", "c"}, {"image", "busybox"}, {"resources", {{"requests", {{"cpu", cpu}}}}}}}},
            {"affinity",
             {{"podAntiAffinity",
               {{"requiredDuringSchedulingIgnoredDuringExecution",
                 {{{"labelSelector", {{"matchLabels", {{"app", "web"}}}}}, {"topologyKey", "kubernetes.io/hostname"}}}}}}}}}}};
}

std::string node_of(client::ApiClient& c, const std::string& pod) {
  return must(c.get(type("pods"), "default", pod))["spec"].value("nodeName", "");
}

}  // namespace

TEST_CASE("the scheduler binds pods, says why one fits nowhere, and places it when a node fits", "[scheduler]") {
  client::InProcessApiClient api;
  for (const char* n : {"n1", "n2", "n3"}) add_node(api, n, "2");
  Scheduler scheduler(api, {.retry_unschedulable = 10min});  // only a change may bring the retry
  scheduler.start();
  REQUIRE(scheduler.wait_for_sync(10s));

  for (int i = 0; i < 3; ++i) must(api.create(type("pods"), "default", web_pod("web-" + std::to_string(i), "500m")));
  std::set<std::string> used;
  eventually("the three pods to be bound", [&] {
    used.clear();
    for (int i = 0; i < 3; ++i) used.insert(node_of(api, "web-" + std::to_string(i)));
    return !used.contains("");
  });
  CHECK(used == std::set<std::string>{"n1", "n2", "n3"});

  must(api.create(type("pods"), "default", web_pod("web-3", "500m")));
  const std::string why = "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.";
  json condition;
  eventually("PodScheduled=False", [&] {
    json conditions = must(api.get(type("pods"), "default", "web-3"))["status"].value("conditions", json::array());
    for (const auto& c : conditions)
      if (c.value("type", "") == "PodScheduled") condition = c;
    return !condition.is_null();
  });
  CHECK(condition["status"] == "False");
  CHECK(condition["reason"] == "Unschedulable");
  CHECK(condition["message"] == why);
  json warning;
  eventually("a FailedScheduling event", [&] {
    const json events = must(api.list(type("events"), "default"));
    for (const auto& e : events["items"])
      if (e.value("reason", "") == "FailedScheduling") warning = e;
    return !warning.is_null();
  });
  CHECK(warning["message"] == why);
  CHECK(warning["involvedObject"]["name"] == "web-3");
  CHECK(node_of(api, "web-3").empty());

  add_node(api, "n4", "2");
  eventually("the pod placed on the new node", [&] { return node_of(api, "web-3") == "n4"; });
  std::size_t scheduled = 0;
  eventually("four Scheduled events", [&] {
    scheduled = 0;
    const json events = must(api.list(type("events"), "default"));
    for (const auto& e : events["items"])
      if (e.value("reason", "") == "Scheduled") ++scheduled;
    return scheduled == 4;
  });
}

TEST_CASE("pods of another scheduler, and bound ones, are left alone, bound ones count", "[scheduler]") {
  client::InProcessApiClient api;
  add_node(api, "small", "1");
  json bound = web_pod("bound", "800m");
  bound["spec"]["nodeName"] = "small";
  bound["spec"].erase("affinity");
  must(api.create(type("pods"), "default", bound));
  json other = web_pod("other", "100m");
  other["spec"]["schedulerName"] = "someone-else";
  must(api.create(type("pods"), "default", other));

  Scheduler scheduler(api);
  scheduler.start();
  REQUIRE(scheduler.wait_for_sync(10s));
  json big = web_pod("big", "500m");
  big["spec"].erase("affinity");
  must(api.create(type("pods"), "default", big));
  eventually("big's condition", [&] {
    json pod = must(api.get(type("pods"), "default", "big"));
    return pod["status"].contains("conditions");
  });
  CHECK(node_of(api, "big").empty());
  CHECK(node_of(api, "other").empty());
  CHECK(must(api.get(type("pods"), "default", "big"))["status"]["conditions"][0]["message"] ==
        "0/1 nodes are available: 1 Insufficient cpu.");
}

}  // namespace xebec::scheduler
