// StandInKubelet against the apiserver in memory: the node registered and heartbeating, bound
// pods reported running with an IP from the node's CIDR (after the start delay), pods made
// ready again, and silence after stop(), which the node lifecycle controller notices.
#include "tests/support/stand_in_kubelet.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "controlplane/client/in_process_api_client.h"
#include "controlplane/controllers/node_lifecycle.h"
#include "tests/support/eventually.h"

namespace xebec::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const api::ResourceType& nodes_type() { return *api::find_resource("", "v1", "nodes"); }
const api::ResourceType& pods_type() { return *api::find_resource("", "v1", "pods"); }

json pod_on(const std::string& name, const std::string& node, const std::string& image = "busybox:1.36") {
  json p = {{"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec", {{"containers", {{{"name", "c"}, {"image", image}}}}}}};
  if (!node.empty()) p["spec"]["nodeName"] = node;
  return p;
}

json condition(const json& object, const std::string& type) {
  for (const auto& c : object["status"].value("conditions", json::array()))
    if (c["type"] == type) return c;
  return json::object();
}

std::string heartbeat(client::ApiClient& api, const std::string& node) {
  return condition(must(api.get(nodes_type(), "", node)), "Ready").value("lastHeartbeatTime", "");
}

bool running(const json& pod) {
  return pod["status"].value("phase", "") == "Running" && condition(pod, "Ready").value("status", "") == "True";
}

json get_pod(client::ApiClient& api, const std::string& name) { return must(api.get(pods_type(), "default", name)); }

}  // namespace

TEST_CASE("a stand-in kubelet registers its node and keeps its heartbeat fresh until stopped", "[support]") {
  client::InProcessApiClient api;
  StandInKubelet kubelet(api, "n1",
                         {.pod_cidr = "10.244.3.0/24", .heartbeat_period = 100ms, .labels = {{"zone", "a"}}});
  REQUIRE(kubelet.start().ok());

  const json node = must(api.get(nodes_type(), "", "n1"));
  CHECK(node["spec"]["podCIDR"] == "10.244.3.0/24");
  CHECK(node["metadata"]["labels"]["kubernetes.io/hostname"] == "n1");
  CHECK(node["metadata"]["labels"]["zone"] == "a");
  CHECK(node["status"]["capacity"]["cpu"] == "4");
  CHECK(node["status"]["allocatable"]["memory"] == "8Gi");
  CHECK(node["status"]["addresses"][0] == json{{"type", "InternalIP"}, {"address", "10.244.3.1"}});
  CHECK(node["status"]["nodeInfo"].value("kubeletVersion", "") != "");
  CHECK(condition(node, "Ready")["status"] == "True");
  for (const char* pressure : {"MemoryPressure", "DiskPressure", "PIDPressure"})
    CHECK(condition(node, pressure)["status"] == "False");

  const std::string first = heartbeat(api, "n1");
  eventually("a later heartbeat", [&] { return heartbeat(api, "n1") > first; });  // RFC 3339 in UTC sorts as time
  CHECK(condition(must(api.get(nodes_type(), "", "n1")), "Ready")["lastTransitionTime"] ==
        condition(node, "Ready")["lastTransitionTime"]);  // Ready all along

  kubelet.stop();
  const std::string last = heartbeat(api, "n1");
  std::this_thread::sleep_for(2500ms);  // heartbeats are to the second
  CHECK(heartbeat(api, "n1") == last);
}

TEST_CASE("a stand-in kubelet reports the pods bound to its node running, with IPs from its CIDR", "[support]") {
  client::InProcessApiClient api;
  StandInKubelet kubelet(api, "n1", {.pod_cidr = "10.244.3.0/24", .heartbeat_period = 100ms});
  REQUIRE(kubelet.start().ok());
  must(api.create(pods_type(), "default", pod_on("a", "n1")));
  must(api.create(pods_type(), "default", pod_on("b", "n1")));
  must(api.create(pods_type(), "default", pod_on("elsewhere", "n2")));
  must(api.create(pods_type(), "default", pod_on("unbound", "")));

  eventually("a and b running", [&] { return running(get_pod(api, "a")) && running(get_pod(api, "b")); });
  std::set<std::string> ips;
  for (const char* name : {"a", "b"}) {
    const json status = get_pod(api, name)["status"];
    const std::string ip = status["podIP"];
    CHECK(ip.starts_with("10.244.3."));
    CHECK(ip != "10.244.3.0");
    CHECK(ip != "10.244.3.1");  // the node's
    ips.insert(ip);
    CHECK(status["podIPs"] == json{{{"ip", ip}}});
    CHECK(status["hostIP"] == "10.244.3.1");
    CHECK(status.contains("startTime"));
    for (const char* type : {"Initialized", "ContainersReady", "PodScheduled"})
      CHECK(condition(get_pod(api, name), type)["status"] == "True");
    const json c = status["containerStatuses"][0];
    CHECK(c["name"] == "c");
    CHECK(c["image"] == "busybox:1.36");
    CHECK(c.value("imageID", "").starts_with("busybox@sha256:"));
    CHECK(c.value("containerID", "").starts_with("containerd://"));
    CHECK(c["ready"] == true);
    CHECK(c["started"] == true);
    CHECK(c["state"]["running"].contains("startedAt"));
  }
  CHECK(ips.size() == 2);
  CHECK_FALSE(get_pod(api, "elsewhere")["status"].contains("podIP"));
  CHECK_FALSE(get_pod(api, "unbound")["status"].contains("podIP"));

  // Marked not ready by someone else (the node lifecycle controller does): made ready again.
  json a = get_pod(api, "a");
  const std::string a_ip = a["status"]["podIP"];
  for (auto& c : a["status"]["conditions"])
    if (c["type"] == "Ready") c["status"] = "False";
  must(api.update(pods_type(), "default", a, "status"));
  eventually("a ready again", [&] { return running(get_pod(api, "a")); });
  CHECK(get_pod(api, "a")["status"]["podIP"] == a_ip);

  kubelet.stop();
  must(api.create(pods_type(), "default", pod_on("late", "n1")));
  std::this_thread::sleep_for(500ms);
  CHECK_FALSE(get_pod(api, "late")["status"].contains("podIP"));
}

TEST_CASE("a stand-in kubelet starts pods after its start delay", "[support]") {
  client::InProcessApiClient api;
  StandInKubelet kubelet(api, "n1", {.start_delay = 800ms});
  REQUIRE(kubelet.start().ok());
  const auto created = std::chrono::steady_clock::now();
  must(api.create(pods_type(), "default", pod_on("slow", "n1")));
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(running(get_pod(api, "slow")));
  eventually("slow running", [&] { return running(get_pod(api, "slow")); });
  CHECK(std::chrono::steady_clock::now() - created >= 800ms);
  CHECK(get_pod(api, "slow")["status"]["podIP"].get<std::string>().starts_with("10.244.0."));  // the default CIDR
}

TEST_CASE("a stand-in kubelet refuses a pod CIDR that is not IPv4", "[support]") {
  client::InProcessApiClient api;
  StandInKubelet kubelet(api, "n1", {.pod_cidr = "fd00::/64"});
  const Status started = kubelet.start();
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().message.find("fd00::/64") != std::string::npos);
  CHECK_FALSE(api.get(nodes_type(), "", "n1").ok());
}

TEST_CASE("a stopped stand-in kubelet's node goes unreachable and its pods are evicted, until it is back",
          "[support]") {
  client::InProcessApiClient api;
  client::Informer nodes(api, nodes_type()), pods(api, pods_type());
  controllers::NodeLifecycleController controller(
      api, nodes, pods, {.grace_period = 2s, .eviction_timeout = 1s, .monitor_period = 100ms});
  nodes.start();
  pods.start();
  REQUIRE(nodes.wait_for_sync(10s));
  REQUIRE(pods.wait_for_sync(10s));
  controller.start(1);
  auto taints = [&] { return must(api.get(nodes_type(), "", "n1"))["spec"].value("taints", json::array()).size(); };

  auto kubelet = std::make_unique<StandInKubelet>(api, "n1", StandInKubeletOptions{.heartbeat_period = 100ms});
  REQUIRE(kubelet->start().ok());
  must(api.create(pods_type(), "default", pod_on("web", "n1")));
  eventually("web running", [&] { return running(get_pod(api, "web")); });
  std::this_thread::sleep_for(3s);  // longer than the grace period: the heartbeats keep it Ready
  CHECK(taints() == 0);

  kubelet->stop();
  eventually("n1 Unknown and tainted", [&] {
    return condition(must(api.get(nodes_type(), "", "n1")), "Ready")["status"] == "Unknown" && taints() == 2;
  });
  eventually("web evicted", [&] { return !api.get(pods_type(), "default", "web").ok(); });

  kubelet = std::make_unique<StandInKubelet>(api, "n1", StandInKubeletOptions{.heartbeat_period = 100ms});
  REQUIRE(kubelet->start().ok());
  eventually("n1 Ready and untainted", [&] {
    return condition(must(api.get(nodes_type(), "", "n1")), "Ready")["status"] == "True" && taints() == 0;
  });
  nodes.stop();
  pods.stop();
}

}  // namespace xebec::testing
