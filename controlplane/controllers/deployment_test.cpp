// DeploymentController with the real ReplicaSetController, against the apiserver in memory; a
// loop stands in for kubelets and makes pods ready (except those whose image is "never-ready"),
// and samples how many pods exist and are ready, to hold rollouts to their limits.
#include "controlplane/controllers/deployment.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "controlplane/api/object_meta.h"
#include "controlplane/client/in_process_api_client.h"
#include "controlplane/client/json_field.h"
#include "controlplane/controllers/replica_set.h"
#include "tests/support/eventually.h"

namespace xebec::controllers {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::eventually;
using testing::must;

const auto& at = client::object_field;

const api::ResourceType& pods_type() { return *api::find_resource("", "v1", "pods"); }
const api::ResourceType& rs_type() { return *api::find_resource("apps", "v1", "replicasets"); }
const api::ResourceType& deployments_type() { return *api::find_resource("apps", "v1", "deployments"); }

json deployment(const std::string& name, int replicas, json strategy = {{"type", "RollingUpdate"}}) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"strategy", strategy},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx:1"}}}}}}}}}}};
}

json rolling(json surge, json unavailable) {
  return {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", surge}, {"maxUnavailable", unavailable}}}};
}

// What the stand-in kubelet saw of a Deployment's pods at one moment.
struct Sample {
  int total = 0, ready = 0;
  std::set<std::string> images;
};

struct Harness {
  Harness()
      : events(api, "deployment-controller"),
        deployments(api, deployments_type()),
        replica_sets(api, rs_type()),
        pods(api, pods_type()),
        replica_set_controller(api, replica_sets, pods, rs_type(), events),
        controller(api, deployments, replica_sets, pods, events) {
    for (auto* informer : {&deployments, &replica_sets, &pods}) informer->start();
    for (auto* informer : {&deployments, &replica_sets, &pods}) REQUIRE(informer->wait_for_sync(10s));
    replica_set_controller.start(2);
    controller.start(2);
    kubelet = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) {
        run_pods();
        std::this_thread::sleep_for(10ms);
      }
    });
  }
  ~Harness() {
    kubelet = {};
    for (auto* informer : {&deployments, &replica_sets, &pods}) informer->stop();
  }

  // Makes pods ready, as their kubelets would, and samples each Deployment's pods.
  void run_pods() {
    auto list = api.list(pods_type(), "default");
    if (!list) return;
    std::map<std::string, Sample> now;
    for (const auto& pod : (*list)["items"]) {
      if (pod["metadata"].contains("deletionTimestamp")) continue;
      const std::string image = pod["spec"]["containers"][0].value("image", "");
      bool ready = false;
      for (const auto& c : at(at(pod, "status"), "conditions"))
        ready = ready || (c.value("type", "") == "Ready" && c.value("status", "") == "True");
      if (!ready && image != "never-ready") {
        json status = {
            {"phase", "Running"},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", api::now_rfc3339()}}}}};
        ready = api.patch(pods_type(), "default", pod["metadata"]["name"], client::PatchType::kMerge,
                          {{"status", status}}, "status")
                    .ok();
      }
      Sample& s = now[at(at(pod, "metadata"), "labels").value("app", "")];
      ++s.total;
      s.ready += ready ? 1 : 0;
      s.images.insert(image);
    }
    std::lock_guard lock(mu);
    for (const auto& [app, sample] : now)
      if (sampling.contains(app)) samples[app].push_back(sample);
  }
  void sample(const std::string& app) {
    std::lock_guard lock(mu);
    sampling.insert(app);
  }
  std::vector<Sample> samples_of(const std::string& app) {
    std::lock_guard lock(mu);
    return samples[app];
  }

  json get(const std::string& name) { return must(api.get(deployments_type(), "default", name)); }
  void patch(const std::string& name, const json& body) {
    must(api.patch(deployments_type(), "default", name, client::PatchType::kStrategic, body));
  }
  void set_image(const std::string& name, const std::string& image) {
    patch(name, {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", image}}}}}}}}}}});
  }
  void change(const std::string& name, const std::string& cause, const std::string& image) {
    patch(name, {{"metadata", {{"annotations", {{"kubernetes.io/change-cause", cause}}}}},
                 {"spec", {{"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", image}}}}}}}}}}});
  }
  // The Deployment's ReplicaSets, by name.
  std::map<std::string, json> replica_sets_of(const std::string& name) {
    std::map<std::string, json> out;
    const json list = must(api.list(rs_type(), "default"));
    for (const auto& rs : list["items"])
      for (const auto& ref : rs["metadata"].value("ownerReferences", json::array()))
        if (ref.value("name", "") == name && ref.value("kind", "") == "Deployment") out[rs["metadata"]["name"]] = rs;
    return out;
  }
  const json* condition(const json& d, const std::string& type) {
    for (const auto& c : at(at(d, "status"), "conditions"))
      if (c.value("type", "") == type) {
        last_condition = c;
        return &last_condition;
      }
    return nullptr;
  }
  // What `kubectl rollout status` waits for: the spec observed, every pod updated and available.
  bool rolled_out(const std::string& name) {
    const json d = get(name);
    const json& s = at(d, "status");
    const std::int64_t wanted = d["spec"]["replicas"];
    const json* progressing = condition(d, "Progressing");
    return s.value("observedGeneration", 0) >= d["metadata"]["generation"].get<std::int64_t>() &&
           s.value("updatedReplicas", 0) == wanted && s.value("replicas", 0) == wanted &&
           s.value("availableReplicas", 0) == wanted && progressing &&
           progressing->value("reason", "") == "NewReplicaSetAvailable";
  }
  std::vector<std::string> event_messages(const std::string& reason) {
    std::vector<std::string> out;
    const json list = must(api.list(*api::find_resource("", "v1", "events"), "default"));
    for (const auto& e : list["items"])
      if (e.value("reason", "") == reason) out.push_back(e.value("message", ""));
    return out;
  }

  client::InProcessApiClient api;
  client::EventRecorder events;
  client::Informer deployments, replica_sets, pods;
  ReplicaSetController replica_set_controller;
  DeploymentController controller;
  std::mutex mu;
  std::set<std::string> sampling;
  std::map<std::string, std::vector<Sample>> samples;
  json last_condition;
  std::jthread kubelet;  // last: stopped first
};

std::string revision(const json& object) {
  return client::string_field(object, {"metadata", "annotations", "deployment.kubernetes.io/revision"});
}

}  // namespace

TEST_CASE("a Deployment runs its template through one ReplicaSet and reports its rollout",
          "[controllers][deployment]") {
  Harness h;
  must(h.api.create(deployments_type(), "default", deployment("web", 3)));
  eventually("rolled out", [&] { return h.rolled_out("web"); });

  const auto sets = h.replica_sets_of("web");
  REQUIRE(sets.size() == 1);
  const json& rs = sets.begin()->second;
  const std::string hash = rs["metadata"]["labels"]["pod-template-hash"];
  CHECK(rs["metadata"]["name"] == "web-" + hash);
  CHECK(rs["spec"]["selector"]["matchLabels"]["pod-template-hash"] == hash);
  CHECK(rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == hash);
  CHECK(rs["spec"]["replicas"] == 3);
  CHECK(revision(rs) == "1");
  const json d = h.get("web");
  CHECK(revision(d) == "1");
  const json* available = h.condition(d, "Available");
  REQUIRE(available);
  CHECK((*available)["status"] == "True");
  CHECK((*available)["reason"] == "MinimumReplicasAvailable");
  eventually("a ScalingReplicaSet event", [&] {
    const auto messages = h.event_messages("ScalingReplicaSet");
    return std::count(messages.begin(), messages.end(), "Scaled up replica set web-" + hash + " from 0 to 3") == 1;
  });
}

TEST_CASE("a template change rolls out within maxSurge and maxUnavailable", "[controllers][deployment]") {
  Harness h;
  struct Case {
    const char* name;
    json strategy;
    int most, least;  // pods at most, ready pods at least, at any time
  };
  const Case cases[] = {
      {"surge 1, unavailable 1", rolling(1, 1), 5, 3},
      {"surge only", rolling(1, 0), 5, 4},
      {"unavailable only", rolling(0, "50%"), 4, 2},
  };
  int n = 0;
  for (const auto& c : cases) {
    INFO(c.name);
    const std::string name = "roll" + std::to_string(n++);
    must(h.api.create(deployments_type(), "default", deployment(name, 4, c.strategy)));
    eventually("first rollout", [&] { return h.rolled_out(name); });
    h.sample(name);
    h.set_image(name, "nginx:2");
    eventually("second rollout", [&] { return h.rolled_out(name); });

    const auto samples = h.samples_of(name);
    REQUIRE(samples.size() > 3);
    bool mixed = false;
    for (const auto& s : samples) {
      CHECK(s.total <= c.most);
      CHECK(s.ready >= c.least);
      mixed = mixed || s.images.size() == 2;
    }
    CHECK(mixed);  // it rolled: old and new ran side by side for a while
    const auto sets = h.replica_sets_of(name);
    REQUIRE(sets.size() == 2);
    for (const auto& [rs_name, rs] : sets) {
      const bool current = rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2";
      CHECK(rs["spec"]["replicas"] == (current ? 4 : 0));
      CHECK(revision(rs) == (current ? "2" : "1"));
    }
    CHECK(revision(h.get(name)) == "2");
  }
}

TEST_CASE("going back to an earlier template reuses its ReplicaSet as the newest revision",
          "[controllers][deployment]") {
  Harness h;
  json d = deployment("web", 2);
  d["metadata"]["annotations"] = {{"kubernetes.io/change-cause", "first"}};
  must(h.api.create(deployments_type(), "default", d));
  eventually("first rollout", [&] { return h.rolled_out("web"); });
  // Each change in one write, as `kubectl apply` and `kubectl rollout undo` make them.
  h.change("web", "second", "nginx:2");
  eventually("second rollout", [&] { return h.rolled_out("web") && revision(h.get("web")) == "2"; });
  // What `kubectl rollout undo` writes: the first ReplicaSet's template and annotations.
  h.change("web", "first", "nginx:1");
  eventually("rolled back", [&] { return h.rolled_out("web") && revision(h.get("web")) == "3"; });

  const auto sets = h.replica_sets_of("web");
  REQUIRE(sets.size() == 2);  // no third ReplicaSet
  for (const auto& [name, rs] : sets) {
    const bool first = rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1";
    CHECK(revision(rs) == (first ? "3" : "2"));
    CHECK(rs["metadata"]["annotations"]["kubernetes.io/change-cause"] == (first ? "first" : "second"));
    CHECK(rs["spec"]["replicas"] == (first ? 2 : 0));
  }
}

TEST_CASE("old ReplicaSets beyond revisionHistoryLimit are deleted, oldest revision first",
          "[controllers][deployment]") {
  Harness h;
  json d = deployment("web", 1);
  d["spec"]["revisionHistoryLimit"] = 1;
  must(h.api.create(deployments_type(), "default", d));
  for (const char* image : {"nginx:2", "nginx:3"}) {
    eventually("rolled out", [&] { return h.rolled_out("web"); });
    h.set_image("web", image);
  }
  eventually("rolled out and cleaned up", [&] { return h.rolled_out("web") && h.replica_sets_of("web").size() == 2; });
  std::set<std::string> revisions;
  for (const auto& [name, rs] : h.replica_sets_of("web")) revisions.insert(revision(rs));
  CHECK(revisions == std::set<std::string>{"2", "3"});
}

TEST_CASE("Recreate stops every old pod before a new one starts", "[controllers][deployment]") {
  Harness h;
  must(h.api.create(deployments_type(), "default", deployment("db", 3, {{"type", "Recreate"}})));
  eventually("first rollout", [&] { return h.rolled_out("db"); });
  h.sample("db");
  h.set_image("db", "nginx:2");
  eventually("second rollout", [&] { return h.rolled_out("db"); });
  const auto samples = h.samples_of("db");
  REQUIRE_FALSE(samples.empty());
  for (const auto& s : samples) {
    CHECK(s.images.size() <= 1);  // never old and new at once
    CHECK(s.total <= 3);
  }
  CHECK(samples.back().images == std::set<std::string>{"nginx:2"});
}

TEST_CASE("a paused Deployment scales but does not roll out until resumed", "[controllers][deployment]") {
  Harness h;
  must(h.api.create(deployments_type(), "default", deployment("web", 2)));
  eventually("first rollout", [&] { return h.rolled_out("web"); });
  h.patch("web", {{"spec", {{"paused", true}}}});
  eventually("Progressing is Unknown: DeploymentPaused", [&] {
    const json* c = h.condition(h.get("web"), "Progressing");
    return c && (*c)["status"] == "Unknown" && (*c)["reason"] == "DeploymentPaused";
  });
  h.set_image("web", "nginx:2");
  h.patch("web", {{"spec", {{"replicas", 3}}}});
  eventually("scaled to 3 on the old template", [&] {
    const json d = h.get("web");
    return at(d, "status").value("observedGeneration", 0) == d["metadata"]["generation"] &&
           at(d, "status").value("availableReplicas", 0) == 3;
  });
  CHECK(h.replica_sets_of("web").size() == 1);

  h.patch("web", {{"spec", {{"paused", false}}}});
  eventually("rolled out after resuming", [&] { return h.rolled_out("web") && h.replica_sets_of("web").size() == 2; });
}

TEST_CASE("a rollout that stops progressing passes its deadline", "[controllers][deployment]") {
  Harness h;
  json d = deployment("stuck", 1);
  d["spec"]["progressDeadlineSeconds"] = 1;
  d["spec"]["template"]["spec"]["containers"][0]["image"] = "never-ready";
  must(h.api.create(deployments_type(), "default", d));
  eventually("Progressing False: ProgressDeadlineExceeded", [&] {
    const json* c = h.condition(h.get("stuck"), "Progressing");
    return c && (*c)["status"] == "False" && (*c)["reason"] == "ProgressDeadlineExceeded" &&
           (*c)["message"].get<std::string>().ends_with("has timed out progressing.");
  });
  const json* available = h.condition(h.get("stuck"), "Available");
  REQUIRE(available);
  CHECK((*available)["status"] == "False");
}

TEST_CASE("a Deployment adopts a ReplicaSet its selector matches", "[controllers][deployment]") {
  Harness h;
  const json d = deployment("web", 2);
  json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata", {{"name", "web-manual"}, {"labels", {{"app", "web"}}}}},
             {"spec", {{"replicas", 2}, {"selector", d["spec"]["selector"]}, {"template", d["spec"]["template"]}}}};
  must(h.api.create(rs_type(), "default", rs));
  eventually("the ReplicaSet in the cache", [&] { return h.replica_sets.get("default/web-manual") != nullptr; });
  must(h.api.create(deployments_type(), "default", d));
  eventually("rolled out", [&] { return h.rolled_out("web"); });
  const auto sets = h.replica_sets_of("web");
  REQUIRE(sets.size() == 1);
  CHECK(sets.contains("web-manual"));  // its template is the Deployment's: it is the current one
}

TEST_CASE("a Deployment being deleted adopts nothing (what --cascade=orphan lets go stays free)",
          "[controllers][deployment]") {
  Harness h;
  json d = deployment("web", 1);
  d["metadata"]["finalizers"] = {"example.com/hold"};  // keeps it, deleted, for the test
  must(h.api.create(deployments_type(), "default", d));
  eventually("rolled out", [&] { return h.rolled_out("web"); });
  must(h.api.remove(deployments_type(), "default", "web"));
  eventually("the deletion in the cache", [&] {
    const client::ObjectPtr cached = h.deployments.get("default/web");
    return cached && (*cached)["metadata"].contains("deletionTimestamp");
  });
  json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata", {{"name", "stray"}, {"labels", {{"app", "web"}}}}},
             {"spec", {{"replicas", 0}, {"selector", d["spec"]["selector"]}, {"template", d["spec"]["template"]}}}};
  must(h.api.create(rs_type(), "default", rs));
  std::this_thread::sleep_for(500ms);
  CHECK_FALSE(must(h.api.get(rs_type(), "default", "stray"))["metadata"].contains("ownerReferences"));
  must(h.api.patch(deployments_type(), "default", "web", client::PatchType::kMerge,
                   {{"metadata", {{"finalizers", nullptr}}}}));
}

}  // namespace xebec::controllers
