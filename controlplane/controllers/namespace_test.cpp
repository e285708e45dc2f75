// NamespaceController against the apiserver in memory: a deleted namespace is emptied and goes,
// waits for content held by finalizers, and takes no new content meanwhile.
#include "controlplane/controllers/namespace.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "controlplane/client/in_process_api_client.h"
#include "tests/support/eventually.h"

namespace xebec::controllers {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::eventually;
using testing::must;

const api::ResourceType& type(const char* group, const char* resource) {
  return *api::find_resource(group, "v1", resource);
}

json pod(const std::string& name, json finalizers = json::array()) {
  json p = {{"metadata", {{"name", name}}}, {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  if (!finalizers.empty()) p["metadata"]["finalizers"] = finalizers;
  return p;
}

// A controller-manager of one controller, over an apiserver in memory, with namespace "team".
struct Harness {
  explicit Harness(bool running = true) : namespaces(api, type("", "namespaces")), controller(api, namespaces) {
    must(api.create(type("", "namespaces"), "", {{"metadata", {{"name", "team"}}}}));
    if (!running) return;
    namespaces.start();
    REQUIRE(namespaces.wait_for_sync(10s));
    controller.start(2);
  }
  ~Harness() { namespaces.stop(); }

  bool gone(const std::string& ns) {
    auto got = api.get(type("", "namespaces"), "", ns);
    return !got && got.error().code == ErrorCode::kNotFound;
  }
  json condition(const std::string& ns, const std::string& condition_type) {
    const json got = must(api.get(type("", "namespaces"), "", ns));
    for (const auto& c : got["status"].value("conditions", json::array()))
      if (c["type"] == condition_type) return c;
    return json::object();
  }
  std::size_t count(const api::ResourceType& t, const std::string& ns) { return must(api.list(t, ns))["items"].size(); }

  client::InProcessApiClient api;
  client::Informer namespaces;
  NamespaceController controller;
};

}  // namespace

TEST_CASE("a deleted namespace is emptied of every namespaced type, then goes", "[controllers][namespace]") {
  Harness h;
  must(h.api.create(type("", "pods"), "team", pod("web")));
  must(h.api.create(type("", "services"), "team",
                    {{"metadata", {{"name", "web"}}}, {"spec", {{"ports", {{{"port", 80}}}}}}}));
  must(h.api.create(type("", "endpoints"), "team", {{"metadata", {{"name", "web"}}}}));
  must(h.api.create(type("apps", "replicasets"), "team", json::parse(R"({
      "metadata": {"name": "rs"},
      "spec": {"selector": {"matchLabels": {"app": "rs"}},
               "template": {"metadata": {"labels": {"app": "rs"}},
                            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}})")));
  must(h.api.create(type("", "pods"), "default", pod("bystander")));

  must(h.api.remove(type("", "namespaces"), "", "team"));
  eventually("the namespace gone", [&] { return h.gone("team"); });
  for (const char* resource : {"pods", "services", "endpoints"}) {
    INFO(resource);
    CHECK(h.count(type("", resource), "team") == 0);
  }
  CHECK(h.count(type("apps", "replicasets"), "team") == 0);
  CHECK(h.count(type("", "pods"), "default") == 1);  // other namespaces keep theirs

  // The name is free again, for a namespace that starts empty.
  must(h.api.create(type("", "namespaces"), "", {{"metadata", {{"name", "team"}}}}));
  CHECK(h.count(type("", "pods"), "team") == 0);
}

TEST_CASE("a namespace waits for content its finalizers hold, and says so in its conditions",
          "[controllers][namespace]") {
  Harness h;
  must(h.api.create(type("", "pods"), "team", pod("held", {"example.com/hold"})));
  must(h.api.remove(type("", "namespaces"), "", "team"));
  eventually("NamespaceContentRemaining",
             [&] { return h.condition("team", "NamespaceContentRemaining").value("status", "") == "True"; });
  CHECK(h.condition("team", "NamespaceContentRemaining")["message"] ==
        "Some resources are remaining: pods. has 1 resource instances");
  CHECK(h.condition("team", "NamespaceFinalizersRemaining")["message"] ==
        "Some finalizers are remaining: example.com/hold in 1 resource instances");
  CHECK(h.condition("team", "NamespaceDeletionContentFailure")["status"] == "False");
  std::this_thread::sleep_for(1500ms);  // past a recheck: still held
  const json ns = must(h.api.get(type("", "namespaces"), "", "team"));
  CHECK(ns["status"]["phase"] == "Terminating");
  CHECK(ns["spec"]["finalizers"] == json{"kubernetes"});
  CHECK(must(h.api.get(type("", "pods"), "team", "held"))["metadata"].contains("deletionTimestamp"));

  must(h.api.patch(type("", "pods"), "team", "held", client::PatchType::kMerge,
                   {{"metadata", {{"finalizers", nullptr}}}}));
  eventually("the namespace gone", [&] { return h.gone("team"); });
}

TEST_CASE("no new content in a namespace being deleted or missing, changes to what is there are allowed",
          "[controllers][namespace]") {
  Harness h(/*running=*/false);  // nothing empties the namespace here
  must(h.api.create(type("", "pods"), "team", pod("web")));
  must(h.api.remove(type("", "namespaces"), "", "team"));

  auto refused = h.api.create(type("", "pods"), "team", pod("late"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kForbidden);
  CHECK(refused.error().message ==
        "create pods team/late: pods \"late\" is forbidden: unable to create new content in namespace team because it "
        "is being terminated");
  auto missing = h.api.create(type("", "pods"), "nowhere", pod("web"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::kNotFound);
  CHECK(missing.error().message == "create pods nowhere/web: namespaces \"nowhere\" not found");

  must(h.api.patch(type("", "pods"), "team", "web", client::PatchType::kMerge,
                   {{"metadata", {{"labels", {{"a", "b"}}}}}}));
  auto again = h.api.remove(type("", "namespaces"), "", "team");
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::kConflict);

  // One sync, by hand: the content goes, then the namespace.
  REQUIRE(h.controller.sync("team").ok());
  CHECK(h.gone("team"));
  CHECK(h.controller.sync("team").ok());     // gone: nothing to do
  CHECK(h.controller.sync("default").ok());  // not being deleted: nothing to do
  CHECK(h.count(type("", "pods"), "default") == 0);
  must(h.api.get(type("", "namespaces"), "", "default"));
}

}  // namespace xebec::controllers
