// GarbageCollector against the apiserver in memory: background, foreground and orphan deletion
// of a ReplicaSet's pods, dependents with two owners, and owners checked against the apiserver.
#include "controlplane/controllers/garbage_collector.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
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
const api::ResourceType& rs_type() { return *api::find_resource("apps", "v1", "replicasets"); }

json replica_set(const std::string& name) {
  return {{"metadata", {{"name", name}}},
          {"spec",
           {{"replicas", 0},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}}}}};
}

json reference(const json& owner, bool block = true) {
  return {{"apiVersion", "apps/v1"},         {"kind", "ReplicaSet"}, {"name", owner["metadata"]["name"]},
          {"uid", owner["metadata"]["uid"]}, {"controller", true},   {"blockOwnerDeletion", block}};
}

json pod(const std::string& name, json owners, json finalizers = json::array()) {
  json p = {{"metadata", {{"name", name}}}, {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  if (!owners.empty()) p["metadata"]["ownerReferences"] = owners;
  if (!finalizers.empty()) p["metadata"]["finalizers"] = finalizers;
  return p;
}

// A garbage collector over an apiserver in memory, watching pods and (unless told otherwise)
// replicasets.
struct Harness {
  explicit Harness(bool watch_owners = true) : pods(api, pods_type()), replica_sets(api, rs_type()) {
    std::vector<client::Informer*> watched = {&pods};
    if (watch_owners) watched.push_back(&replica_sets);
    gc = std::make_unique<GarbageCollector>(api, watched);
    for (auto* informer : watched) {
      informer->start();
      REQUIRE(informer->wait_for_sync(10s));
    }
    gc->start(2);
  }
  ~Harness() {
    pods.stop();  // no event reaches the collector while it goes
    replica_sets.stop();
  }

  bool exists(const api::ResourceType& t, const std::string& name) { return api.get(t, "default", name).ok(); }
  json get(const api::ResourceType& t, const std::string& name) { return must(api.get(t, "default", name)); }
  void remove(const api::ResourceType& t, const std::string& name, const std::string& policy) {
    must(api.remove(t, "default", name, {.propagation_policy = policy}));
  }

  client::InProcessApiClient api;
  client::Informer pods, replica_sets;
  std::unique_ptr<GarbageCollector> gc;
};

}  // namespace

TEST_CASE("gc: a ReplicaSet deleted in the background takes its pods with it", "[controllers][gc]") {
  Harness h;
  const json web = must(h.api.create(rs_type(), "default", replica_set("web")));
  for (const char* name : {"web-1", "web-2"}) must(h.api.create(pods_type(), "default", pod(name, {reference(web)})));
  must(h.api.create(pods_type(), "default", pod("loner", json::array())));
  std::this_thread::sleep_for(200ms);
  CHECK(h.exists(pods_type(), "web-1"));  // owned by what is there: kept

  h.remove(rs_type(), "web", "Background");
  eventually("its pods gone", [&] { return !h.exists(pods_type(), "web-1") && !h.exists(pods_type(), "web-2"); });
  CHECK(h.exists(pods_type(), "loner"));
}

TEST_CASE("gc: a ReplicaSet deleted in the foreground stays until its pods are gone", "[controllers][gc]") {
  Harness h;
  const json web = must(h.api.create(rs_type(), "default", replica_set("web")));
  must(h.api.create(pods_type(), "default", pod("web-1", {reference(web)})));
  must(h.api.create(pods_type(), "default", pod("web-held", {reference(web)}, {"example.com/hold"})));

  h.remove(rs_type(), "web", "Foreground");
  eventually("the free pod gone", [&] { return !h.exists(pods_type(), "web-1"); });
  eventually("the held pod being deleted",
             [&] { return h.get(pods_type(), "web-held")["metadata"].contains("deletionTimestamp"); });
  std::this_thread::sleep_for(300ms);
  const json owner = h.get(rs_type(), "web");  // waits for the held pod
  CHECK(owner["metadata"]["finalizers"] == json{"foregroundDeletion"});
  CHECK(owner["metadata"].contains("deletionTimestamp"));

  must(h.api.patch(pods_type(), "default", "web-held", client::PatchType::kMerge,
                   {{"metadata", {{"finalizers", nullptr}}}}));
  eventually("the ReplicaSet gone once its pods are", [&] { return !h.exists(rs_type(), "web"); });
}

TEST_CASE("gc: a foreground owner does not wait for dependents that do not block it", "[controllers][gc]") {
  Harness h;
  const json web = must(h.api.create(rs_type(), "default", replica_set("web")));
  must(h.api.create(pods_type(), "default", pod("web-held", {reference(web, /*block=*/false)}, {"example.com/hold"})));
  h.remove(rs_type(), "web", "Foreground");
  eventually("the ReplicaSet gone", [&] { return !h.exists(rs_type(), "web"); });
  eventually("its pod being deleted",
             [&] { return h.get(pods_type(), "web-held")["metadata"].contains("deletionTimestamp"); });
}

TEST_CASE("gc: a ReplicaSet deleted with Orphan leaves its pods, without their reference to it", "[controllers][gc]") {
  Harness h;
  const json web = must(h.api.create(rs_type(), "default", replica_set("web")));
  for (const char* name : {"web-1", "web-2"}) must(h.api.create(pods_type(), "default", pod(name, {reference(web)})));

  h.remove(rs_type(), "web", "Orphan");
  eventually("the ReplicaSet gone", [&] { return !h.exists(rs_type(), "web"); });
  for (const char* name : {"web-1", "web-2"}) {
    INFO(name);
    CHECK_FALSE(h.get(pods_type(), name)["metadata"].contains("ownerReferences"));
  }
  std::this_thread::sleep_for(300ms);
  CHECK(h.exists(pods_type(), "web-1"));
}

TEST_CASE("gc: an object with two owners stays while one is left, and forgets the other", "[controllers][gc]") {
  Harness h;
  const json a = must(h.api.create(rs_type(), "default", replica_set("a")));
  const json b = must(h.api.create(rs_type(), "default", replica_set("b")));
  json second = reference(b);
  second["controller"] = false;
  must(h.api.create(pods_type(), "default", pod("shared", {reference(a), second})));

  h.remove(rs_type(), "a", "Background");
  eventually("the reference to the gone owner removed",
             [&] { return h.get(pods_type(), "shared")["metadata"]["ownerReferences"] == json{second}; });
  std::this_thread::sleep_for(300ms);
  CHECK(h.exists(pods_type(), "shared"));

  h.remove(rs_type(), "b", "Background");
  eventually("the pod gone with its last owner", [&] { return !h.exists(pods_type(), "shared"); });
}

TEST_CASE("gc: owners are checked against the apiserver, by uid, not against a cache", "[controllers][gc]") {
  Harness h(/*watch_owners=*/false);  // no cache of ReplicaSets at all
  const json web = must(h.api.create(rs_type(), "default", replica_set("web")));
  json stale = reference(web);
  stale["uid"] = "00000000-0000-0000-0000-000000000000";  // an earlier "web", long gone
  must(h.api.create(pods_type(), "default", pod("current", {reference(web)})));
  must(h.api.create(pods_type(), "default", pod("stale", {stale})));

  eventually("the pod of the old owner gone", [&] { return !h.exists(pods_type(), "stale"); });
  std::this_thread::sleep_for(300ms);
  CHECK(h.exists(pods_type(), "current"));

  // The pod's owner deleted: no event tells the collector (it does not watch ReplicaSets), but a
  // sync of the pod asks the apiserver.
  h.remove(rs_type(), "web", "Background");
  REQUIRE(h.gc->sync(h.get(pods_type(), "current")["metadata"]["uid"].get<std::string>()).ok());
  CHECK_FALSE(h.exists(pods_type(), "current"));
}

}  // namespace xebec::controllers
