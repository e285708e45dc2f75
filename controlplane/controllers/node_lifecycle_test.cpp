// NodeLifecycleController: how long a pod may stay on a tainted node, as a table; and the
// controller against the apiserver in memory, on a clock the test moves: heartbeats, the Unknown
// conditions, taints on and off, pods marked not ready and evicted when their time is up.
#include "controlplane/controllers/node_lifecycle.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "common/time.h"
#include "controlplane/client/in_process_api_client.h"
#include "tests/support/eventually.h"

namespace xebec::controllers {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::eventually;
using testing::must;

const api::ResourceType& nodes_type() { return *api::find_resource("", "v1", "nodes"); }
const api::ResourceType& pods_type() { return *api::find_resource("", "v1", "pods"); }

// The time the controller sees: starts at the real time (creationTimestamps are real), whole
// seconds, and moves only when the test says.
class FakeClock {
 public:
  TimePoint now() const { return TimePoint(std::chrono::seconds(seconds_.load())); }
  void advance(std::chrono::seconds by) { seconds_ += by.count(); }

 private:
  std::atomic<std::int64_t> seconds_{
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count()};
};

// A node as its kubelet posts it: Ready `ready` ("" for no status at all) with a heartbeat at `beat`.
json node(const std::string& name, const std::string& ready, TimePoint beat) {
  json n = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}};
  if (ready.empty()) return n;
  json conditions = json::array();
  for (const char* type : {"MemoryPressure", "DiskPressure", "PIDPressure"})
    conditions.push_back({{"type", type},
                          {"status", "False"},
                          {"lastHeartbeatTime", rfc3339(beat)},
                          {"lastTransitionTime", rfc3339(beat)}});
  conditions.push_back({{"type", "Ready"},
                        {"status", ready},
                        {"reason", "KubeletReady"},
                        {"lastHeartbeatTime", rfc3339(beat)},
                        {"lastTransitionTime", rfc3339(beat)}});
  n["status"] = {{"conditions", conditions}};
  return n;
}

json pod_on(const std::string& name, const std::string& node, json tolerations = json::array()) {
  json p = {{"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec", {{"nodeName", node}, {"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  if (!tolerations.empty()) p["spec"]["tolerations"] = tolerations;
  return p;
}

json unreachable_toleration(std::optional<int> seconds) {
  json t = {{"key", kTaintUnreachable}, {"operator", "Exists"}, {"effect", "NoExecute"}};
  if (seconds) t["tolerationSeconds"] = *seconds;
  return t;
}

// The controller with its informers over an apiserver in memory, ticking every 10 ms.
struct Harness {
  Harness()
      : nodes(api, nodes_type()),
        pods(api, pods_type()),
        controller(api, nodes, pods,
                   {.grace_period = 10s, .eviction_timeout = 20s, .monitor_period = 10ms, .clock = [this] {
                      return clock.now();
                    }}) {
    nodes.start();
    pods.start();
    REQUIRE(nodes.wait_for_sync(10s));
    REQUIRE(pods.wait_for_sync(10s));
    controller.start(2);
  }
  ~Harness() {
    nodes.stop();  // no event reaches the controller while it goes
    pods.stop();
  }

  // Creates the node and has the controller see it at the clock's present time: the time it
  // first saw a node counts as a heartbeat (see heartbeat_deadline).
  void add_node(const json& node) {
    must(api.create(nodes_type(), "", node));
    const std::string name = node["metadata"]["name"];
    eventually("the node in the cache", [&] { return nodes.get(name) != nullptr; });
    REQUIRE(controller.sync(name).ok());
  }
  json get_node(const std::string& name) { return must(api.get(nodes_type(), "", name)); }
  // The node's condition of that type.
  json condition(const std::string& name, const std::string& type) {
    const json n = get_node(name);
    if (n.contains("status"))
      for (const auto& c : n["status"].value("conditions", json::array()))
        if (c["type"] == type) return c;
    return json::object();
  }
  // The node's taints as "key:effect".
  std::vector<std::string> taints(const std::string& name) {
    std::vector<std::string> out;
    const json n = get_node(name);
    for (const auto& t : n.contains("spec") ? n["spec"].value("taints", json::array()) : json::array())
      out.push_back(t["key"].get<std::string>() + ":" + t["effect"].get<std::string>());
    std::sort(out.begin(), out.end());
    return out;
  }
  // A kubelet's heartbeat: Ready `ready` at the clock's time.
  void heartbeat(const std::string& name, const std::string& ready = "True") {
    json n = get_node(name);
    n["status"] = node(name, ready, clock.now())["status"];
    n["metadata"].erase("resourceVersion");
    must(api.update(nodes_type(), "", n, "status"));
  }
  json create_pod(const json& pod) {
    json created = must(api.create(pods_type(), "default", pod));
    created["status"]["phase"] = "Running";
    created["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}}};
    return must(api.update(pods_type(), "default", created, "status"));
  }
  bool pod_exists(const std::string& name) { return api.get(pods_type(), "default", name).ok(); }
  std::string pod_ready(const std::string& name) {
    json p = must(api.get(pods_type(), "default", name));
    for (const auto& c : p["status"]["conditions"])
      if (c["type"] == "Ready") return c["status"];
    return "";
  }
  // Lets the controller tick a few dozen times at the clock's present time.
  static void settle() { std::this_thread::sleep_for(300ms); }

  FakeClock clock;  // first: the controller reads it
  client::InProcessApiClient api;
  client::Informer nodes, pods;
  NodeLifecycleController controller;
};

const std::vector<std::string> kUnreachable = {"node.kubernetes.io/unreachable:NoExecute",
                                               "node.kubernetes.io/unreachable:NoSchedule"};
const std::vector<std::string> kNotReady = {"node.kubernetes.io/not-ready:NoExecute",
                                            "node.kubernetes.io/not-ready:NoSchedule"};

}  // namespace

TEST_CASE("how long a pod may stay on a node tainted unreachable", "[controllers]") {
  struct Case {
    const char* name;
    json tolerations;
    std::optional<std::chrono::seconds> want;  // nullopt: forever
  };
  const std::vector<Case> cases = {
      {"no tolerations: the default", json::array(), 20s},
      {"tolerates it without a limit", {unreachable_toleration(std::nullopt)}, std::nullopt},
      {"tolerates it for 60 s", {unreachable_toleration(60)}, 60s},
      {"a negative tolerationSeconds is 0", {unreachable_toleration(-5)}, 0s},
      {"the shortest of two limits", {unreachable_toleration(90), unreachable_toleration(30)}, 30s},
      {"a limit beats no limit", {unreachable_toleration(std::nullopt), unreachable_toleration(45)}, 45s},
      {"Exists without a key tolerates every taint", {{{"operator", "Exists"}}}, std::nullopt},
      {"Equal with the key and no value", {{{"key", kTaintUnreachable}, {"effect", "NoExecute"}}}, std::nullopt},
      {"Equal with a value does not match", {{{"key", kTaintUnreachable}, {"value", "x"}}}, 20s},
      {"another key does not match", {{{"key", kTaintNotReady}, {"operator", "Exists"}}}, 20s},
      {"NoSchedule only does not match",
       {{{"key", kTaintUnreachable}, {"operator", "Exists"}, {"effect", "NoSchedule"}}},
       20s},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(NodeLifecycleController::eviction_delay(pod_on("p", "n1", c.tolerations), kTaintUnreachable, 20s) == c.want);
  }
}

TEST_CASE("a node that keeps posting its heartbeat stays Ready and untainted", "[controllers]") {
  Harness h;
  h.add_node(node("n1", "True", h.clock.now()));
  h.clock.advance(8s);
  h.heartbeat("n1");
  h.clock.advance(8s);  // 16 s after it was created, 8 s after its last heartbeat
  Harness::settle();
  CHECK(h.condition("n1", "Ready")["status"] == "True");
  CHECK(h.taints("n1").empty());
}

TEST_CASE("a silent node goes Unknown and is tainted unreachable, and loses the taints when back", "[controllers]") {
  Harness h;
  h.add_node(node("n1", "True", h.clock.now()));
  h.clock.advance(10s);  // not more than the grace period
  Harness::settle();
  CHECK(h.condition("n1", "Ready")["status"] == "True");

  h.clock.advance(1s);
  eventually("Ready Unknown", [&] { return h.condition("n1", "Ready")["status"] == "Unknown"; });
  const json ready = h.condition("n1", "Ready");
  CHECK(ready["reason"] == "NodeStatusUnknown");
  CHECK(ready["message"] == "Kubelet stopped posting node status.");
  CHECK(ready["lastTransitionTime"] == rfc3339(h.clock.now()));
  CHECK(h.condition("n1", "MemoryPressure")["status"] == "Unknown");
  eventually("the unreachable taints", [&] { return h.taints("n1") == kUnreachable; });
  for (const auto& t : h.get_node("n1")["spec"]["taints"]) CHECK(t["timeAdded"] == rfc3339(h.clock.now()));

  h.clock.advance(3s);
  h.heartbeat("n1");
  eventually("no taints", [&] { return h.taints("n1").empty(); });
  CHECK(h.condition("n1", "Ready")["status"] == "True");
}

TEST_CASE("a node that never posted status goes Unknown a grace period after it was created", "[controllers]") {
  Harness h;
  h.add_node(node("n1", "", h.clock.now()));
  Harness::settle();
  CHECK(h.taints("n1").empty());
  CHECK(h.condition("n1", "Ready").empty());
  h.clock.advance(12s);  // its creationTimestamp is real time, which may be a second ahead of the clock
  eventually("Ready Unknown",
             [&] { return h.condition("n1", "Ready").value("reason", "") == "NodeStatusNeverUpdated"; });
  CHECK(h.condition("n1", "Ready")["message"] == "Kubelet never posted node status.");
  eventually("the unreachable taints", [&] { return h.taints("n1") == kUnreachable; });
}

TEST_CASE("a node its kubelet reports Ready=False is tainted not-ready", "[controllers]") {
  Harness h;
  h.add_node(node("n1", "False", h.clock.now()));
  eventually("the not-ready taints", [&] { return h.taints("n1") == kNotReady; });
  CHECK(h.condition("n1", "Ready")["status"] == "False");  // its kubelet's word stands

  // Then silent too: unreachable replaces not-ready.
  h.clock.advance(11s);
  eventually("the unreachable taints", [&] { return h.taints("n1") == kUnreachable; });
}

TEST_CASE("pods of an unreachable node are marked not ready, then evicted as they tolerate", "[controllers]") {
  Harness h;
  h.add_node(node("n1", "True", h.clock.now()));
  h.add_node(node("n2", "True", h.clock.now() + 1h));  // stays fresh
  h.create_pod(pod_on("plain", "n1"));
  h.create_pod(pod_on("forever", "n1", {unreachable_toleration(std::nullopt)}));
  h.create_pod(pod_on("minute", "n1", {unreachable_toleration(60)}));
  h.create_pod(pod_on("elsewhere", "n2"));

  h.clock.advance(11s);  // n1 unreachable from here: the taint's time
  eventually("the unreachable taints", [&] { return h.taints("n1") == kUnreachable; });
  eventually("its pods not ready", [&] {
    return h.pod_ready("plain") == "False" && h.pod_ready("forever") == "False" && h.pod_ready("minute") == "False";
  });
  CHECK(h.pod_ready("elsewhere") == "True");

  h.clock.advance(19s);  // before eviction_timeout
  Harness::settle();
  CHECK(h.pod_exists("plain"));

  h.clock.advance(2s);  // past it
  eventually("plain evicted", [&] { return !h.pod_exists("plain"); });
  Harness::settle();
  CHECK(h.pod_exists("forever"));
  CHECK(h.pod_exists("minute"));
  CHECK(h.pod_exists("elsewhere"));

  h.clock.advance(40s);  // 61 s after the taint
  eventually("minute evicted", [&] { return !h.pod_exists("minute"); });
  Harness::settle();
  CHECK(h.pod_exists("forever"));
  CHECK(h.pod_exists("elsewhere"));
}

TEST_CASE("pods of a node back before eviction_timeout stay", "[controllers]") {
  Harness h;
  h.add_node(node("n1", "True", h.clock.now()));
  h.create_pod(pod_on("web", "n1"));
  h.clock.advance(11s);
  eventually("the unreachable taints", [&] { return h.taints("n1") == kUnreachable; });
  h.clock.advance(5s);
  h.heartbeat("n1");
  eventually("no taints", [&] { return h.taints("n1").empty(); });
  for (int i = 0; i < 3; ++i) {  // 32 s after the taint, heartbeats 9 s apart
    h.clock.advance(9s);
    h.heartbeat("n1");
  }
  Harness::settle();
  CHECK(h.pod_exists("web"));
  CHECK(h.taints("n1").empty());
}

}  // namespace xebec::controllers
