// Placement as tables: a cluster, a pod, and where it must (or must not) go and why.
#include "controlplane/scheduler/placement.h"

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace xebec::scheduler {
namespace {

using nlohmann::json;

json node(const std::string& name, const std::string& cpu = "4", const std::string& memory = "8Gi",
          json labels = json::object(), json taints = json::array(), bool ready = true) {
  labels["kubernetes.io/hostname"] = name;
  return {{"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", {{"taints", taints}}},
          {"status",
           {{"allocatable", {{"cpu", cpu}, {"memory", memory}, {"pods", "110"}}},
            {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
}

json pod(const std::string& name, const std::string& cpu = "", json labels = json::object()) {
  json container = {{"name", "c"}, {"image", "busybox"}};
  if (!cpu.empty()) container["resources"]["requests"]["cpu"] = cpu;
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"uid", "uid-" + name}, {"labels", labels}}},
          {"spec", {{"containers", {container}}}}};
}

json anti_affinity(const std::string& app, const std::string& key = "kubernetes.io/hostname") {
  return {{"podAntiAffinity",
           {{"requiredDuringSchedulingIgnoredDuringExecution",
             {{{"labelSelector", {{"matchLabels", {{"app", app}}}}}, {"topologyKey", key}}}}}}};
}

struct World {
  Cluster cluster;
  Placer placer;
  explicit World(const std::vector<json>& nodes) {
    for (const auto& n : nodes) {
      auto info = read_node(n);
      REQUIRE(info.ok());
      cluster.set_node(std::move(*info));
    }
  }
  // Places `pod` where the placer says, as the scheduler does after binding; returns the node.
  Placement schedule(const json& pod) {
    auto info = read_pod(pod);
    INFO((info ? "" : info.error().message));
    REQUIRE(info.ok());
    Placement p = placer.place(*info, cluster);
    if (!p.node.empty()) cluster.place(std::make_shared<PodInfo>(std::move(*info)), p.node);
    return p;
  }
  void run(const std::string& name, const std::string& on, const std::string& cpu = "", json labels = json::object(),
           json affinity = nullptr) {
    json p = pod(name, cpu, labels);
    if (!affinity.is_null()) p["spec"]["affinity"] = affinity;
    auto info = read_pod(p);
    REQUIRE(info.ok());
    cluster.place(std::make_shared<PodInfo>(std::move(*info)), on);
  }
};

}  // namespace

TEST_CASE("a pod goes to a node that fits it, or nowhere with the reasons node by node", "[scheduler]") {
  struct Case {
    const char* name;
    std::vector<json> nodes;
    json pod;
    std::set<std::string> allowed;  // empty: no node
    std::string reason;
  };
  json selecting = pod("p");
  selecting["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  json gt_affinity = pod("p");
  gt_affinity["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] =
      {{{"matchExpressions", {{{"key", "cores"}, {"operator", "Gt"}, {"values", {"8"}}}}}}};
  json tolerant = pod("p");
  tolerant["spec"]["tolerations"] = {{{"key", "gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}};
  const json gpu_taint = {{{"key", "gpu"}, {"value", "a100"}, {"effect", "NoSchedule"}}};
  json cordoned = node("a");
  cordoned["spec"]["unschedulable"] = true;
  json memory_hungry = pod("p");
  memory_hungry["spec"]["containers"][0]["resources"]["limits"]["memory"] = "16Gi";  // requests default to limits

  const std::vector<Case> cases = {
      {"the emptier node", {node("a", "1"), node("b", "8")}, pod("p", "500m"), {"b"}, ""},
      {"cpu fits nowhere", {node("a", "1"), node("b", "2")}, pod("p", "3"), {}, "0/2 nodes are available: 2 Insufficient cpu."},
      {"requests default to limits", {node("a"), node("b")}, memory_hungry, {}, "0/2 nodes are available: 2 Insufficient memory."},
      {"nodeSelector", {node("a"), node("b", "4", "8Gi", {{"disk", "ssd"}})}, selecting, {"b"}, ""},
      {"nodeSelector matches nothing", {node("a"), node("b")}, selecting, {},
       "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."},
      {"node affinity Gt", {node("a", "4", "8Gi", {{"cores", "8"}}), node("b", "4", "8Gi", {{"cores", "16"}})}, gt_affinity,
       {"b"}, ""},
      {"an untolerated taint", {node("a", "4", "8Gi", {}, gpu_taint)}, pod("p"), {},
       "0/1 nodes are available: 1 node(s) had untolerated taint {gpu: a100}."},
      {"a tolerated taint", {node("a", "4", "8Gi", {}, gpu_taint)}, tolerant, {"a"}, ""},
      {"cordoned and not ready", {cordoned, node("b", "4", "8Gi", {}, json::array(), false)}, pod("p"), {},
       "0/2 nodes are available: 1 node(s) were not ready, 1 node(s) were unschedulable."},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    World w(c.nodes);
    const Placement p = w.schedule(c.pod);
    if (c.allowed.empty()) {
      CHECK(p.node.empty());
      CHECK(p.reason == c.reason);
    } else {
      CHECK(c.allowed.contains(p.node));
    }
  }
}

TEST_CASE("the reasons are counted per node, the commonest first", "[scheduler]") {
  World w({node("a", "1"), node("b", "1"), node("c", "8")});
  w.run("db-0", "c", "", {{"app", "db"}});
  json p = pod("db-1", "2", {{"app", "db"}});
  p["spec"]["affinity"] = anti_affinity("db");
  CHECK(w.schedule(p).reason ==
        "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) didn't match pod anti-affinity rules.");
}

TEST_CASE("required anti-affinity puts replicas on distinct nodes, and a fourth of three nowhere", "[scheduler]") {
  World w({node("a"), node("b"), node("c")});
  std::set<std::string> used;
  for (int i = 0; i < 3; ++i) {
    json p = pod("web-" + std::to_string(i), "", {{"app", "web"}});
    p["spec"]["affinity"] = anti_affinity("web");
    used.insert(w.schedule(p).node);
  }
  CHECK(used == std::set<std::string>{"a", "b", "c"});
  json fourth = pod("web-3", "", {{"app", "web"}});
  fourth["spec"]["affinity"] = anti_affinity("web");
  CHECK(w.schedule(fourth).reason == "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
  // A pod without the term that the placed pods' anti-affinity selects is kept out too.
  CHECK(w.schedule(pod("stray", "", {{"app", "web"}})).reason ==
        "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules.");
}

TEST_CASE("required pod affinity follows its group's zone, the first of a group may go anywhere", "[scheduler]") {
  World w({node("a", "4", "8Gi", {{"zone", "z1"}}), node("b", "4", "8Gi", {{"zone", "z2"}}),
           node("c", "4", "8Gi", {{"zone", "z2"}})});
  w.run("db", "b", "", {{"app", "db"}});
  const json near_db = {{"podAffinity",
                         {{"requiredDuringSchedulingIgnoredDuringExecution",
                           {{{"labelSelector", {{"matchLabels", {{"app", "db"}}}}}, {"topologyKey", "zone"}}}}}}};
  for (int i = 0; i < 4; ++i) {
    json p = pod("api-" + std::to_string(i));
    p["spec"]["affinity"] = near_db;
    const std::string n = w.schedule(p).node;
    CHECK((n == "b" || n == "c"));
  }
  json self = pod("cache-0", "", {{"app", "cache"}});
  self["spec"]["affinity"] = near_db;
  self["spec"]["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"] =
      {{"matchLabels", {{"app", "cache"}}}};
  CHECK_FALSE(w.schedule(self).node.empty());
}

TEST_CASE("scores: a controller's pods spread, preferences and soft taints count", "[scheduler]") {
  SECTION("spreading, even onto smaller nodes") {
    World w({node("a", "64"), node("b"), node("c")});  // least allocated alone would pick a for all
    std::multiset<std::string> placed;
    for (int i = 0; i < 6; ++i) {
      json p = pod("rs-" + std::to_string(i), "100m");
      p["metadata"]["ownerReferences"] = {{{"uid", "rs-uid"}, {"controller", true}, {"kind", "ReplicaSet"}, {"name", "rs"}}};
      placed.insert(w.schedule(p).node);
    }
    CHECK(placed.count("a") == 2);
    CHECK(placed.count("b") == 2);
    CHECK(placed.count("c") == 2);
  }
  SECTION("preferred node affinity") {
    World w({node("a"), node("b", "4", "8Gi", {{"tier", "fast"}})});
    json p = pod("p");
    p["spec"]["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] = {
        {{"weight", 50}, {"preference", {{"matchExpressions", {{{"key", "tier"}, {"operator", "In"}, {"values", {"fast"}}}}}}}}};
    CHECK(w.schedule(p).node == "b");
  }
  SECTION("preferred pod anti-affinity") {
    World w({node("a"), node("b")});
    w.run("noisy", "a", "", {{"app", "noisy"}});
    json p = pod("quiet");
    p["spec"]["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] = {
        {{"weight", 100},
         {"podAffinityTerm",
          {{"labelSelector", {{"matchLabels", {{"app", "noisy"}}}}}, {"topologyKey", "kubernetes.io/hostname"}}}}};
    CHECK(w.schedule(p).node == "b");
  }
  SECTION("PreferNoSchedule") {
    World w({node("a", "4", "8Gi", {}, {{{"key", "old"}, {"effect", "PreferNoSchedule"}}}), node("b")});
    CHECK(w.schedule(pod("p")).node == "b");
  }
}

TEST_CASE("a node's pod count is a limit too", "[scheduler]") {
  json tiny = node("a");
  tiny["status"]["allocatable"]["pods"] = "2";
  World w(std::vector<json>{tiny});
  CHECK(w.schedule(pod("p1")).node == "a");
  CHECK(w.schedule(pod("p2")).node == "a");
  CHECK(w.schedule(pod("p3")).reason == "0/1 nodes are available: 1 Too many pods.");
  w.cluster.unplace("default/p1");
  CHECK(w.schedule(pod("p3")).node == "a");
}

TEST_CASE("pods placed before their node arrives join it, a removed node's pods wait for it", "[scheduler]") {
  World w(std::vector<json>{});
  w.run("early", "late-node", "3");
  CHECK(w.schedule(pod("p")).reason == "0/0 nodes are available: no nodes registered.");
  auto late = read_node(node("late-node"));
  REQUIRE(late.ok());
  w.cluster.set_node(*late);
  CHECK(w.cluster.node("late-node")->requested.cpu_milli == 3000);
  CHECK(w.schedule(pod("big", "2")).reason == "0/1 nodes are available: 1 Insufficient cpu.");
  w.cluster.remove_node("late-node");
  w.cluster.set_node(*late);
  CHECK(w.cluster.node("late-node")->pods.size() == 1);
}

TEST_CASE("large clusters are searched in part, as kube-scheduler does", "[scheduler]") {
  struct Case {
    std::size_t nodes, find;
  };
  for (const auto& c : std::vector<Case>{{1, 1}, {50, 50}, {100, 100}, {500, 230}, {1000, 420}, {5000, 500}, {100000, 5000}}) {
    INFO(c.nodes);
    CHECK(feasible_nodes_to_find(c.nodes) == c.find);
  }
  CHECK(feasible_nodes_to_find(1000, 100) == 1000);
  CHECK(feasible_nodes_to_find(1000, 20) == 200);
  CHECK(feasible_nodes_to_find(1000, 1) == 100);
}

TEST_CASE("a pod whose constraints do not read is refused with the field", "[scheduler]") {
  json bad_cpu = pod("p", "lots");
  json bad_op = pod("p");
  bad_op["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] =
      {{{"matchExpressions", {{{"key", "a"}, {"operator", "Near"}}}}}};
  json no_topology = pod("p");
  no_topology["spec"]["affinity"] = anti_affinity("web", "");
  struct Case {
    json pod;
    std::string says;
  };
  for (const auto& c : std::vector<Case>{{bad_cpu, "spec.containers"}, {bad_op, "\"Near\" is not a valid"},
                                         {no_topology, "topologyKey is required"}}) {
    auto r = read_pod(c.pod);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalid);
    CHECK(r.error().message.find(c.says) != std::string::npos);
  }
}

}  // namespace xebec::scheduler
