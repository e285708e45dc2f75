// ReplicaSetController against the apiserver in memory: replicas kept through scaling and pod
// loss, orphans adopted, readiness counted, ReplicationControllers too.
#include "controlplane/controllers/replica_set.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "controlplane/client/in_process_api_client.h"
#include "tests/support/eventually.h"

namespace xebec::controllers {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::eventually;
using testing::must;

const api::ResourceType& pods_type() { return *api::find_resource("", "v1", "pods"); }

json replica_set(const std::string& name, int replicas) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}}}}};
}

// A controller-manager of one controller, over an apiserver in memory.
struct Harness {
  // `running`: with its pod informer and workers started; else only owners are watched, and
  // the test calls sync itself against a pod cache that never catches up.
  explicit Harness(const api::ResourceType& type, bool running = true)
      : events(api, "replicaset-controller"),
        owners(api, type),
        pods(api, pods_type()),
        controller(api, owners, pods, type, events),
        type(type) {
    owners.start();
    REQUIRE(owners.wait_for_sync(10s));
    if (!running) return;
    pods.start();
    REQUIRE(pods.wait_for_sync(10s));
    controller.start(2);
  }
  ~Harness() {
    owners.stop();  // no event reaches the controller while it goes
    pods.stop();
  }
  // The active pods `owner` controls, by name.
  std::set<std::string> pods_of(const std::string& owner) {
    std::set<std::string> names;
    const json list = must(api.list(pods_type(), "default"));
    for (const auto& p : list["items"])
      for (const auto& ref : p["metadata"].value("ownerReferences", json::array()))
        if (ref.value("name", "") == owner && ref.value("controller", false) && !p["metadata"].contains("deletionTimestamp"))
          names.insert(p["metadata"]["name"]);
    return names;
  }
  json owner(const std::string& name) { return must(api.get(type, "default", name)); }
  void set_replicas(const std::string& name, int replicas) {
    must(api.patch(type, "default", name, client::PatchType::kMerge, {{"spec", {{"replicas", replicas}}}}));
  }

  client::InProcessApiClient api;
  client::EventRecorder events;
  client::Informer owners, pods;
  ReplicaSetController controller;
  const api::ResourceType& type;
};

}  // namespace

TEST_CASE("a ReplicaSet keeps its replicas through scaling and the loss of pods", "[controllers]") {
  Harness h(*api::find_resource("apps", "v1", "replicasets"));
  must(h.api.create(h.type, "default", replica_set("web", 3)));
  eventually("three pods", [&] { return h.pods_of("web").size() == 3; });
  for (const auto& name : h.pods_of("web")) CHECK(name.starts_with("web-"));
  eventually("status.replicas 3", [&] { return h.owner("web")["status"].value("replicas", -1) == 3; });
  CHECK(h.owner("web")["status"]["observedGeneration"] == 1);
  eventually("a SuccessfulCreate event per pod, on the ReplicaSet", [&] {
    std::set<std::string> told;
    const json events = must(h.api.list(*api::find_resource("", "v1", "events"), "default"));
    for (const auto& e : events["items"])
      if (e["reason"] == "SuccessfulCreate" && e["involvedObject"]["kind"] == "ReplicaSet" &&
          e["involvedObject"]["name"] == "web")
        told.insert(e["message"]);
    std::set<std::string> wanted;
    for (const auto& pod : h.pods_of("web")) wanted.insert("Created pod: " + pod);
    return told == wanted;
  });

  h.set_replicas("web", 1);
  eventually("one pod", [&] { return h.pods_of("web").size() == 1; });
  h.set_replicas("web", 2);
  eventually("two pods", [&] { return h.pods_of("web").size() == 2; });

  const std::string lost = *h.pods_of("web").begin();
  must(h.api.remove(pods_type(), "default", lost));
  eventually("a replacement", [&] {
    auto now = h.pods_of("web");
    return now.size() == 2 && !now.contains(lost);
  });
  // Settled: no more pods than asked for, even after the watch caught up with every create.
  std::this_thread::sleep_for(300ms);
  CHECK(h.pods_of("web").size() == 2);
}

TEST_CASE("until its creates are seen, a ReplicaSet does not create again", "[controllers]") {
  Harness h(*api::find_resource("apps", "v1", "replicasets"), /*running=*/false);
  must(h.api.create(h.type, "default", replica_set("web", 3)));
  eventually("the owner in the cache", [&] { return h.owners.get("default/web") != nullptr; });
  REQUIRE(h.controller.sync("default/web").ok());
  CHECK(h.pods_of("web").size() == 3);
  // The pod cache still shows none of them. (Its status write may lose a race with the first's.)
  (void)h.controller.sync("default/web");
  CHECK(h.pods_of("web").size() == 3);
}

TEST_CASE("expectations: pending until each create and delete is seen, or expired", "[controllers]") {
  Expectations e;
  CHECK(e.satisfied("a"));
  e.expect("a", 2, 1);
  CHECK_FALSE(e.satisfied("a"));
  e.created("a");
  e.deleted("a");
  CHECK_FALSE(e.satisfied("a"));
  e.created("a");
  CHECK(e.satisfied("a"));
  e.expect("b", 1, 0);
  e.forget("b");
  CHECK(e.satisfied("b"));
}

TEST_CASE("a ReplicaSet adopts an orphan its selector matches, and counts ready pods", "[controllers]") {
  Harness h(*api::find_resource("apps", "v1", "replicasets"));
  json orphan = {{"metadata", {{"name", "stray"}, {"labels", {{"app", "api"}}}}},
                 {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  must(h.api.create(pods_type(), "default", orphan));
  must(h.api.create(h.type, "default", replica_set("api", 2)));
  eventually("two pods, the orphan one of them", [&] {
    auto pods = h.pods_of("api");
    return pods.size() == 2 && pods.contains("stray");
  });

  json stray = must(h.api.get(pods_type(), "default", "stray"));
  stray["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2026-01-01T00:00:00Z"}}};
  must(h.api.update(pods_type(), "default", stray, "status"));
  eventually("readyReplicas 1", [&] {
    const json status = h.owner("api")["status"];
    return status.value("readyReplicas", -1) == 1 && status.value("availableReplicas", -1) == 1;
  });
}

TEST_CASE("a ReplicationController, with its map selector, is kept the same way", "[controllers]") {
  Harness h(*api::find_resource("", "v1", "replicationcontrollers"));
  json rc = {{"apiVersion", "v1"},
             {"kind", "ReplicationController"},
             {"metadata", {{"name", "old"}}},
             {"spec",
              {{"replicas", 2},
               {"selector", {{"app", "old"}}},
               {"template",
                {{"metadata", {{"labels", {{"app", "old"}}}}},
                 {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}}}}};
  must(h.api.create(h.type, "default", rc));
  eventually("two pods", [&] { return h.pods_of("old").size() == 2; });
  eventually("status.replicas 2", [&] { return h.owner("old")["status"].value("replicas", -1) == 2; });
}

}  // namespace xebec::controllers
