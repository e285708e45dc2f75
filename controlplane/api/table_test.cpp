// Tables carry the columns and cells kubectl get prints.
#include "controlplane/api/table.h"

#include <catch2/catch.hpp>

using namespace xebec::api;
using nlohmann::json;

namespace {
const ResourceType& type(const std::string& resource, const std::string& group = "") {
  const ResourceType* t = find_resource(group, "v1", resource);
  REQUIRE(t);
  return *t;
}
std::vector<std::string> names(const json& table) {
  std::vector<std::string> out;
  for (const auto& c : table["columnDefinitions"]) out.push_back(c["name"]);
  return out;
}
}  // namespace

TEST_CASE("ages read as kubectl writes them", "[api][table]") {
  using std::chrono::seconds;
  CHECK(human_duration(seconds(45)) == "45s");
  CHECK(human_duration(seconds(119)) == "119s");
  CHECK(human_duration(seconds(192)) == "3m12s");
  CHECK(human_duration(seconds(600)) == "10m");
  CHECK(human_duration(seconds(5 * 3600)) == "5h");
  CHECK(human_duration(seconds(5 * 3600 + 60)) == "5h1m");
  CHECK(human_duration(seconds(30 * 3600)) == "30h");
  CHECK(human_duration(seconds(51 * 3600)) == "2d3h");
  CHECK(human_duration(seconds(400 * 86400)) == "400d");
  CHECK(human_duration(seconds(3 * 365 * 86400)) == "3y");
  CHECK(human_duration(seconds(-5)) == "<invalid>");
}

TEST_CASE("a pod list becomes a table with kubectl's columns, wide ones at priority 1", "[api][table]") {
  const json pods = json::parse(R"({"kind":"PodList","metadata":{"resourceVersion":"42"},"items":[
    {"metadata":{"name":"web-1","namespace":"default","creationTimestamp":"2020-01-01T00:00:00Z"},
     "spec":{"nodeName":"node-1","containers":[{"name":"a"},{"name":"b"}]},
     "status":{"phase":"Running","podIP":"10.244.1.5","containerStatuses":[{"ready":true,"restartCount":2},{"ready":false,"restartCount":1}]}},
    {"metadata":{"name":"web-2","namespace":"default","deletionTimestamp":"2020-01-01T00:00:00Z"},
     "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running"}}]})");
  const json t = to_table(type("pods"), pods);
  CHECK(t["kind"] == "Table");
  CHECK(t["metadata"]["resourceVersion"] == "42");
  CHECK(names(t) == std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                             "Nominated Node", "Readiness Gates"});
  CHECK(t["columnDefinitions"][5]["priority"] == 1);
  REQUIRE(t["rows"].size() == 2);
  const json& row = t["rows"][0]["cells"];
  CHECK(row[0] == "web-1");
  CHECK(row[1] == "1/2");
  CHECK(row[2] == "Running");
  CHECK(row[3] == "3");
  CHECK(row[5] == "10.244.1.5");
  CHECK(row[6] == "node-1");
  CHECK(t["rows"][1]["cells"][2] == "Terminating");
  CHECK(t["rows"][1]["cells"][6] == "<none>");
  CHECK(t["rows"][0]["object"]["metadata"]["namespace"] == "default");
  CHECK_FALSE(to_table(type("pods"), pods, false).contains("columnDefinitions"));
}

TEST_CASE("services, deployments and nodes print their own columns", "[api][table]") {
  const json svc = json::parse(R"({"metadata":{"name":"web"},"spec":{"type":"NodePort","clusterIP":"10.96.0.10",
      "ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},{"port":53,"protocol":"UDP"}],"selector":{"app":"web"}}})");
  const json st = to_table(type("services"), svc);
  CHECK(st["rows"][0]["cells"][1] == "NodePort");
  CHECK(st["rows"][0]["cells"][2] == "10.96.0.10");
  CHECK(st["rows"][0]["cells"][4] == "80:30080/TCP,53/UDP");
  CHECK(st["rows"][0]["cells"][6] == "app=web");

  const json deploy = json::parse(R"({"metadata":{"name":"web"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
      "template":{"spec":{"containers":[{"name":"app","image":"nginx"}]}}},"status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}})");
  const json dt = to_table(type("deployments", "apps"), deploy);
  CHECK(names(dt) == std::vector<std::string>{"Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"});
  CHECK(dt["rows"][0]["cells"][1] == "2/3");
  CHECK(dt["rows"][0]["cells"][6] == "nginx");

  const json node = json::parse(R"({"metadata":{"name":"n1","labels":{"node-role.kubernetes.io/worker":""}},
      "spec":{"unschedulable":true},"status":{"conditions":[{"type":"Ready","status":"True"}],
      "addresses":[{"type":"InternalIP","address":"10.250.0.11"}],"nodeInfo":{"kubeletVersion":"v1.32.0"}}})");
  const json nt = to_table(type("nodes"), node);
  CHECK(nt["rows"][0]["cells"][1] == "Ready,SchedulingDisabled");
  CHECK(nt["rows"][0]["cells"][2] == "worker");
  CHECK(nt["rows"][0]["cells"][4] == "v1.32.0");
  CHECK(nt["rows"][0]["cells"][5] == "10.250.0.11");
}
