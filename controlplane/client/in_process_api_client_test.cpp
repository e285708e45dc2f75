// InProcessApiClient: the ApiClient seam over the real ApiHandler in memory. CRUD with the
// apiserver's own semantics, the error codes callers act on, watches in order, 410 once
// compacted, bind.
#include "controlplane/client/in_process_api_client.h"

#include <catch2/catch.hpp>
#include <thread>

#include "controlplane/client/test_support.h"

namespace xebec::client {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::pod;
using testing::pods;
using testing::version_of;

}  // namespace

TEST_CASE("in-process: create, get, update, patch, list and delete with the apiserver's semantics", "[in_process]") {
  InProcessApiClient client;
  auto created = client.create(pods(), "default", pod("web"));
  REQUIRE(created.ok());
  CHECK((*created)["metadata"].contains("uid"));
  CHECK((*created)["spec"]["restartPolicy"] == "Always");  // a default the apiserver sets

  auto got = client.get(pods(), "default", "web");
  REQUIRE(got.ok());
  CHECK(*got == *created);

  json changed = *got;
  changed["metadata"]["labels"]["tier"] = "front";
  auto updated = client.update(pods(), "default", changed);
  REQUIRE(updated.ok());
  CHECK(std::stoll(version_of(*updated)) > std::stoll(version_of(*created)));

  auto patched = client.patch(pods(), "default", "web", PatchType::kMerge, {{"metadata", {{"labels", {{"v", "2"}}}}}});
  REQUIRE(patched.ok());
  CHECK((*patched)["metadata"]["labels"] == json{{"app", "web"}, {"tier", "front"}, {"v", "2"}});

  json status = *patched;
  status["status"]["phase"] = "Running";
  auto with_status = client.update(pods(), "default", status, "status");
  REQUIRE(with_status.ok());
  CHECK((*with_status)["status"]["phase"] == "Running");

  REQUIRE(client.create(pods(), "default", pod("db", "db")).ok());
  auto listed = client.list(pods(), "default", {.label_selector = "app=web"});
  REQUIRE(listed.ok());
  REQUIRE((*listed)["items"].size() == 1);
  CHECK((*listed)["items"][0]["metadata"]["name"] == "web");

  auto removed = client.remove(pods(), "default", "web");
  REQUIRE(removed.ok());
  auto gone = client.get(pods(), "default", "web");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code == ErrorCode::kNotFound);
  CHECK(gone.error().message == "get pods default/web: pods \"web\" not found");
}

TEST_CASE("in-process: lists come in pages at one resourceVersion", "[in_process]") {
  InProcessApiClient client;
  for (const char* name : {"a", "b", "c", "d", "e"}) REQUIRE(client.create(pods(), "default", pod(name)).ok());
  std::vector<std::string> names;
  ListOptions options{.limit = 2};
  std::string version;
  do {
    auto page = client.list(pods(), "default", options);
    REQUIRE(page.ok());
    if (version.empty()) version = version_of(*page);
    CHECK(version_of(*page) == version);
    for (const auto& item : (*page)["items"]) names.push_back(item["metadata"]["name"]);
    options.continue_token = (*page)["metadata"].value("continue", "");
    REQUIRE(client.create(pods(), "default", pod("late-" + std::to_string(names.size()))).ok());  // not in the pages
  } while (!options.continue_token.empty());
  CHECK(names == std::vector<std::string>{"a", "b", "c", "d", "e"});
}

TEST_CASE("in-process: errors carry the code callers act on and name the call", "[in_process]") {
  InProcessApiClient client;
  auto created = client.create(pods(), "default", pod("web"));
  REQUIRE(created.ok());

  auto again = client.create(pods(), "default", pod("web"));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::kAlreadyExists);
  CHECK(again.error().message == "create pods default/web: pods \"web\" already exists");

  REQUIRE(client.patch(pods(), "default", "web", PatchType::kMerge, {{"metadata", {{"labels", {{"x", "1"}}}}}}).ok());
  json stale = *created;  // its resourceVersion is now out of date
  stale["metadata"]["labels"]["y"] = "2";
  auto conflict = client.update(pods(), "default", stale);
  REQUIRE_FALSE(conflict.ok());
  CHECK(conflict.error().code == ErrorCode::kConflict);
  CHECK_THAT(conflict.error().message,
             Catch::StartsWith("update pods default/web: Operation cannot be fulfilled on pods \"web\""));

  auto invalid = client.create(pods(), "default", {{"metadata", {{"name", "empty"}}}, {"spec", json::object()}});
  REQUIRE_FALSE(invalid.ok());
  CHECK(invalid.error().code == ErrorCode::kInvalid);
  CHECK_THAT(invalid.error().message, Catch::Contains("spec.containers: Required value"));

  auto missing = client.remove(pods(), "default", "nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::kNotFound);

  auto no_namespace = client.get(pods(), "nowhere", "web");
  REQUIRE_FALSE(no_namespace.ok());
  CHECK(no_namespace.error().code == ErrorCode::kNotFound);

  auto forbidden = client.remove(*api::find_resource("", "v1", "namespaces"), "", "default");
  REQUIRE_FALSE(forbidden.ok());
  CHECK(forbidden.error().code == ErrorCode::kForbidden);

  auto bad_selector = client.list(pods(), "default", {.label_selector = "a in (b"});
  REQUIRE_FALSE(bad_selector.ok());
  CHECK(bad_selector.error().code == ErrorCode::kBadRequest);
}

TEST_CASE("in-process: a watch delivers the changes after its resourceVersion in order", "[in_process]") {
  InProcessApiClient client;
  auto a = client.create(pods(), "default", pod("a"));
  REQUIRE(a.ok());
  testing::WatchLog log;
  auto watch = client.watch(pods(), "default", {.resource_version = version_of(*a)}, log.sink());
  REQUIRE(watch.ok());
  REQUIRE(client.create(pods(), "default", pod("b")).ok());
  REQUIRE(client.patch(pods(), "default", "a", PatchType::kMerge, {{"metadata", {{"labels", {{"x", "1"}}}}}}).ok());
  REQUIRE(client.remove(pods(), "default", "b").ok());
  REQUIRE(client.create(pods(), "other-namespace-is-not-watched", pod("c")).error().code == ErrorCode::kNotFound);
  CHECK(log.events(3) == std::vector<std::string>{"ADDED b", "MODIFIED a", "DELETED b"});
  CHECK_FALSE(log.end(0ms));
}

TEST_CASE("in-process: a watch without resourceVersion starts with what exists", "[in_process]") {
  InProcessApiClient client;
  REQUIRE(client.create(pods(), "default", pod("a")).ok());
  testing::WatchLog log;
  auto watch = client.watch(pods(), "", {}, log.sink());
  REQUIRE(watch.ok());
  REQUIRE(client.create(pods(), "kube-system", pod("b")).ok());
  CHECK(log.events(2) == std::vector<std::string>{"ADDED a", "ADDED b"});
}

TEST_CASE("in-process: a watch from a compacted resourceVersion is refused with kGone", "[in_process]") {
  InProcessApiClient client;
  auto a = client.create(pods(), "default", pod("a"));
  REQUIRE(a.ok());
  REQUIRE(client.create(pods(), "default", pod("b")).ok());
  auto c = client.create(pods(), "default", pod("c"));
  REQUIRE(c.ok());
  REQUIRE(client.store().compact(std::stoll(version_of(*c))).ok());
  testing::WatchLog log;
  auto watch = client.watch(pods(), "default", {.resource_version = version_of(*a)}, log.sink());
  REQUIRE_FALSE(watch.ok());
  CHECK(watch.error().code == ErrorCode::kGone);
  CHECK_THAT(watch.error().message, Catch::StartsWith("watch pods in default: "));
  CHECK(log.count() == 0);
}

TEST_CASE("in-process: a watch ends cleanly at its timeoutSeconds", "[in_process]") {
  InProcessApiClient client;
  testing::WatchLog log;
  auto watch = client.watch(pods(), "default", {.timeout_seconds = 1}, log.sink());
  REQUIRE(watch.ok());
  auto end = log.end();
  REQUIRE(end);
  CHECK(end->ok());
}

TEST_CASE("in-process: destroying a watch's handle stops it", "[in_process]") {
  InProcessApiClient client;
  testing::WatchLog log;
  auto watch = client.watch(pods(), "default", {}, log.sink());
  REQUIRE(watch.ok());
  REQUIRE(client.create(pods(), "default", pod("a")).ok());
  REQUIRE(log.events(1) == std::vector<std::string>{"ADDED a"});
  watch->reset();
  REQUIRE(client.create(pods(), "default", pod("b")).ok());
  std::this_thread::sleep_for(100ms);
  CHECK(log.count() == 1);  // neither b nor an end
}

TEST_CASE("in-process: bind assigns a pod to a node once", "[in_process]") {
  InProcessApiClient client;
  REQUIRE(client.create(pods(), "default", pod("web")).ok());
  REQUIRE(client.bind("default", "web", "node-1").ok());
  auto bound = client.get(pods(), "default", "web");
  REQUIRE(bound.ok());
  CHECK((*bound)["spec"]["nodeName"] == "node-1");

  Status again = client.bind("default", "web", "node-2");
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::kConflict);
  CHECK_THAT(again.error().message, Catch::StartsWith("bind pods default/web to node node-2: "));

  Status missing = client.bind("default", "nope", "node-1");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::kNotFound);
}

TEST_CASE("in-process: scale reads and writes a Deployment's replicas", "[in_process]") {
  InProcessApiClient client;
  const api::ResourceType& deployments = *api::find_resource("apps", "v1", "deployments");
  const json deployment = {
      {"metadata", {{"name", "web"}}},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template", {{"metadata", {{"labels", {{"app", "web"}}}}}, {"spec", pod("x")["spec"]}}}}}};
  REQUIRE(client.create(deployments, "default", deployment).ok());
  auto scale = client.update(deployments, "default",
                             {{"apiVersion", "autoscaling/v1"},
                              {"kind", "Scale"},
                              {"metadata", {{"name", "web"}, {"namespace", "default"}}},
                              {"spec", {{"replicas", 3}}}},
                             "scale");
  REQUIRE(scale.ok());
  CHECK((*scale)["spec"]["replicas"] == 3);
  auto got = client.get(deployments, "default", "web");
  REQUIRE(got.ok());
  CHECK((*got)["spec"]["replicas"] == 3);
}

}  // namespace xebec::client
