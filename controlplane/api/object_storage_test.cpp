// ObjectStorage over the in-memory store: metadata, concurrency, lists, deletion.
#include "controlplane/api/object_storage.h"

#include <catch2/catch.hpp>

#include "controlplane/store/memory_store.h"

namespace {

using namespace xebec::api;
using nlohmann::json;
using xebec::ErrorCode;

const ResourceType& type(const std::string& resource, const std::string& group = "") {
  const ResourceType* t = find_resource(group, "v1", resource);
  REQUIRE(t);
  return *t;
}

json must(xebec::Result<json> r) {
  INFO((r ? std::string("ok") : r.error().message));
  REQUIRE(r.ok());
  return std::move(*r);
}

std::string failure(const xebec::Result<json>& r, ErrorCode code) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == code);
  return r.error().message;
}

json pod(const std::string& name, json labels = json::object(), const std::string& node = "") {
  json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"labels", labels}}},
            {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  if (!node.empty()) p["spec"]["nodeName"] = node;
  return p;
}

struct Fixture {
  xebec::store::MemoryStore store;
  ObjectStorage objects{store};
  Fixture() {
    for (const char* ns : {"default", "prod"})
      must(objects.create(type("namespaces"), "", json{{"metadata", {{"name", ns}}}}, false));
  }
};

TEST_CASE("create stamps metadata, get returns the object, names are checked", "[api][storage]") {
  Fixture f;
  const json created = must(f.objects.create(type("pods"), "default", pod("web"), false));
  const json& meta = created["metadata"];
  CHECK(meta["name"] == "web");
  CHECK(meta["namespace"] == "default");
  CHECK(meta["uid"].get<std::string>().size() == 36);
  CHECK(meta["creationTimestamp"].get<std::string>().ends_with("Z"));
  CHECK(meta["generation"] == 1);
  CHECK(std::stoll(meta["resourceVersion"].get<std::string>()) > 0);
  CHECK(must(f.objects.get(type("pods"), "default", "web")) == created);

  CHECK(failure(f.objects.create(type("pods"), "default", pod("web"), false), ErrorCode::kAlreadyExists) ==
        "pods \"web\" already exists");
  CHECK(failure(f.objects.create(type("pods"), "nope", pod("web"), false), ErrorCode::kNotFound) ==
        "namespaces \"nope\" not found");
  CHECK(failure(f.objects.get(type("pods"), "default", "db"), ErrorCode::kNotFound) == "pods \"db\" not found");
  CHECK(failure(f.objects.create(type("pods"), "default", pod("Web_1"), false), ErrorCode::kInvalid)
            .starts_with("Pod \"Web_1\" is invalid: metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123"));
  CHECK(failure(f.objects.create(type("services"), "default", json{{"metadata", {{"name", "1svc"}}}}, false),
                ErrorCode::kInvalid)
            .find("DNS-1035") != std::string::npos);
  json other_ns = pod("x");
  other_ns["metadata"]["namespace"] = "prod";
  CHECK(failure(f.objects.create(type("pods"), "default", other_ns, false), ErrorCode::kBadRequest)
            .starts_with("the namespace of the provided object does not match"));

  json generated = pod("");
  generated["metadata"]["generateName"] = "web-";
  const std::string name = must(f.objects.create(type("pods"), "default", generated, false))["metadata"]["name"];
  CHECK(name.size() == 9);
  CHECK(name.starts_with("web-"));

  CHECK(must(f.objects.create(type("pods"), "default", pod("dry"), true))["metadata"]["name"] == "dry");
  CHECK_FALSE(f.objects.get(type("pods"), "default", "dry").ok());
}

TEST_CASE("updates compare resourceVersion, bump generation on spec changes, keep status apart", "[api][storage]") {
  Fixture f;
  json p = pod("web");
  p["status"] = {{"phase", "Pending"}};
  const json v1 = must(f.objects.create(type("pods"), "default", p, false));

  json relabel = v1;
  relabel["metadata"]["labels"]["app"] = "web";
  const json v2 = must(f.objects.update(type("pods"), "default", "web", relabel, "", false));
  CHECK(v2["metadata"]["generation"] == 1);
  CHECK(v2["metadata"]["uid"] == v1["metadata"]["uid"]);
  CHECK(v2["metadata"]["labels"]["app"] == "web");

  CHECK(failure(f.objects.update(type("pods"), "default", "web", relabel, "", false), ErrorCode::kConflict) ==
        "Operation cannot be fulfilled on pods \"web\": the object has been modified; please apply your changes to "
        "the latest version and try again");

  json respec = v2;
  respec["metadata"].erase("resourceVersion");  // unconditional
  respec["spec"]["containers"][0]["image"] = "nginx";
  respec["status"] = {{"phase", "Running"}};       // ignored: the main resource cannot change status
  respec["metadata"]["uid"] = "forged";            // ignored
  const json v3 = must(f.objects.update(type("pods"), "default", "web", respec, "", false));
  CHECK(v3["metadata"]["generation"] == 2);
  CHECK(v3["status"]["phase"] == "Pending");
  CHECK(v3["metadata"]["uid"] == v1["metadata"]["uid"]);

  json status = v3;
  status["status"]["phase"] = "Running";
  status["spec"]["containers"][0]["image"] = "ignored";  // /status changes status only
  const json v4 = must(f.objects.update(type("pods"), "default", "web", status, "status", false));
  CHECK(v4["status"]["phase"] == "Running");
  CHECK(v4["spec"]["containers"][0]["image"] == "nginx");
  CHECK(v4["metadata"]["generation"] == 2);

  CHECK(failure(f.objects.update(type("pods"), "default", "other", v4, "", false), ErrorCode::kBadRequest)
            .find("does not match the name on the URL") != std::string::npos);
  json missing = pod("ghost");
  CHECK(failure(f.objects.update(type("pods"), "default", "ghost", missing, "", false), ErrorCode::kNotFound) ==
        "pods \"ghost\" not found");
}

TEST_CASE("lists filter by label and field, page with limit and continue, and read the past", "[api][storage]") {
  Fixture f;
  for (int i = 0; i < 7; ++i)
    must(f.objects.create(type("pods"), "default",
                          pod("p" + std::to_string(i), {{"app", i % 2 ? "web" : "db"}}, i < 3 ? "node-1" : ""), false));
  must(f.objects.create(type("pods"), "prod", pod("q", {{"app", "web"}}), false));

  auto names = [](const json& list) {
    std::vector<std::string> out;
    for (const auto& item : list["items"]) out.push_back(item["metadata"]["name"]);
    return out;
  };
  const json all = must(f.objects.list(type("pods"), "", {}));
  CHECK(all["kind"] == "PodList");
  CHECK(all["items"].size() == 8);
  CHECK(names(must(f.objects.list(type("pods"), "prod", {}))) == std::vector<std::string>{"q"});

  ListQuery web;
  web.labels = *LabelSelector::parse("app=web");
  CHECK(names(must(f.objects.list(type("pods"), "default", web))) == std::vector<std::string>{"p1", "p3", "p5"});
  ListQuery scheduled;
  scheduled.fields = *FieldSelector::parse("spec.nodeName=node-1");
  CHECK(names(must(f.objects.list(type("pods"), "default", scheduled))) == std::vector<std::string>{"p0", "p1", "p2"});

  // Pages of two web pods: p1 p3, then p5; the second page reads the first page's revision.
  web.limit = 2;
  const json page1 = must(f.objects.list(type("pods"), "default", web));
  CHECK(names(page1) == std::vector<std::string>{"p1", "p3"});
  REQUIRE(page1["metadata"].contains("continue"));
  must(f.objects.create(type("pods"), "default", pod("p9", {{"app", "web"}}), false));
  web.continue_token = page1["metadata"]["continue"];
  const json page2 = must(f.objects.list(type("pods"), "default", web));
  CHECK(names(page2) == std::vector<std::string>{"p5"});
  CHECK_FALSE(page2["metadata"].contains("continue"));
  CHECK(page2["metadata"]["resourceVersion"] == page1["metadata"]["resourceVersion"]);

  ListQuery then;
  then.resource_version = page1["metadata"]["resourceVersion"];
  CHECK(must(f.objects.list(type("pods"), "default", then))["items"].size() == 7);
  ListQuery bad;
  bad.continue_token = "not-a-token";
  failure(f.objects.list(type("pods"), "default", bad), ErrorCode::kBadRequest);
  bad.continue_token = "";
  bad.resource_version = "abc";
  failure(f.objects.list(type("pods"), "default", bad), ErrorCode::kBadRequest);
}

TEST_CASE("delete removes, or waits for finalizers, preconditions are checked", "[api][storage]") {
  Fixture f;
  const json web = must(f.objects.create(type("pods"), "default", pod("web"), false));
  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "nope";
  CHECK(failure(f.objects.remove(type("pods"), "default", "web", wrong_uid), ErrorCode::kConflict)
            .starts_with("Precondition failed: UID in precondition: nope"));
  const json gone = must(f.objects.remove(type("pods"), "default", "web", {}));
  CHECK(gone["metadata"]["uid"] == web["metadata"]["uid"]);
  failure(f.objects.get(type("pods"), "default", "web"), ErrorCode::kNotFound);
  failure(f.objects.remove(type("pods"), "default", "web", {}), ErrorCode::kNotFound);

  json guarded = pod("guarded");
  guarded["metadata"]["finalizers"] = {"example.com/cleanup"};
  must(f.objects.create(type("pods"), "default", guarded, false));
  const json marked = must(f.objects.remove(type("pods"), "default", "guarded", {}));
  CHECK(marked["metadata"].contains("deletionTimestamp"));
  const json still = must(f.objects.get(type("pods"), "default", "guarded"));
  CHECK(still["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]);
  json released = still;
  released["metadata"]["finalizers"] = json::array();
  must(f.objects.update(type("pods"), "default", "guarded", released, "", false));
  failure(f.objects.get(type("pods"), "default", "guarded"), ErrorCode::kNotFound);

  must(f.objects.create(type("pods"), "default", pod("fg"), false));
  DeleteOptions foreground;
  foreground.propagation_policy = "Foreground";
  const json fg = must(f.objects.remove(type("pods"), "default", "fg", foreground));
  CHECK(fg["metadata"]["finalizers"] == json{"foregroundDeletion"});
}

TEST_CASE("the cluster's own namespaces cannot be deleted, others can", "[api][storage]") {
  Fixture f;
  must(f.objects.create(type("namespaces"), "", json{{"metadata", {{"name", "kube-system"}}}}, false));
  for (const char* name : {"default", "kube-system", "kube-public"}) {
    INFO(name);
    CHECK(failure(f.objects.remove(type("namespaces"), "", name, {}), ErrorCode::kForbidden) ==
          "namespaces \"" + std::string(name) + "\" is forbidden: this namespace may not be deleted");
  }
  must(f.objects.get(type("namespaces"), "", "default"));
  must(f.objects.remove(type("namespaces"), "", "prod", {}));
  CHECK(must(f.objects.get(type("namespaces"), "", "prod"))["status"]["phase"] == "Terminating");
}

TEST_CASE("a namespace is created Active with the kubernetes finalizer, which only /finalize changes",
          "[api][storage][namespaces]") {
  Fixture f;
  json given = {{"metadata", {{"name", "team"}}},
                {"spec", {{"finalizers", {"example.com/audit"}}}},
                {"status", {{"phase", "Terminating"}}}};
  const json team = must(f.objects.create(type("namespaces"), "", given, false));
  CHECK(team["spec"]["finalizers"] == json{"example.com/audit", "kubernetes"});
  CHECK(team["status"]["phase"] == "Active");
  CHECK(must(f.objects.get(type("namespaces"), "", "default"))["spec"]["finalizers"] == json{"kubernetes"});

  json relabel = team;
  relabel["metadata"]["labels"]["team"] = "a";
  relabel["spec"]["finalizers"] = json::array();  // ignored: not through /finalize
  const json relabelled = must(f.objects.update(type("namespaces"), "", "team", relabel, "", false));
  CHECK(relabelled["spec"]["finalizers"] == json{"example.com/audit", "kubernetes"});
  CHECK(relabelled["metadata"]["labels"]["team"] == "a");

  json finalize = relabelled;
  finalize["metadata"]["labels"]["team"] = "ignored";  // /finalize changes spec.finalizers only
  finalize["spec"]["finalizers"] = {"kubernetes"};
  const json finalized = must(f.objects.update(type("namespaces"), "", "team", finalize, "finalize", false));
  CHECK(finalized["spec"]["finalizers"] == json{"kubernetes"});
  CHECK(finalized["metadata"]["labels"]["team"] == "a");
  // Conditional on the body's resourceVersion, as every PUT.
  CHECK(failure(f.objects.update(type("namespaces"), "", "team", finalize, "finalize", false), ErrorCode::kConflict)
            .starts_with("Operation cannot be fulfilled on namespaces \"team\""));

  json bad = must(f.objects.get(type("namespaces"), "", "team"));
  bad["spec"]["finalizers"] = {"not a name"};
  CHECK(failure(f.objects.update(type("namespaces"), "", "team", bad, "finalize", false), ErrorCode::kInvalid)
            .starts_with("Namespace \"team\" is invalid: spec.finalizers[0]: Invalid value"));
}

TEST_CASE("deleting a namespace terminates it until its finalizers are gone, creates in it are refused",
          "[api][storage][namespaces]") {
  Fixture f;
  must(f.objects.create(type("pods"), "prod", pod("web"), false));
  const json marked = must(f.objects.remove(type("namespaces"), "", "prod", {}));
  CHECK(marked["status"]["phase"] == "Terminating");
  CHECK(marked["metadata"].contains("deletionTimestamp"));
  CHECK(marked["spec"]["finalizers"] == json{"kubernetes"});

  struct Refusal {
    const char* what;
    std::string ns;
    json object;
    ErrorCode code;
    std::string message;
  };
  json generated = pod("");
  generated["metadata"]["generateName"] = "web-";
  const std::vector<Refusal> refusals = {
      {"a pod in a terminating namespace", "prod", pod("db"), ErrorCode::kForbidden,
       "pods \"db\" is forbidden: unable to create new content in namespace prod because it is being terminated"},
      {"a generated name is not named", "prod", generated, ErrorCode::kForbidden,
       "pods is forbidden: unable to create new content in namespace prod because it is being terminated"},
      {"an apps type", "prod", json{{"metadata", {{"name", "rs"}}}}, ErrorCode::kForbidden,
       "replicasets.apps \"rs\" is forbidden: unable to create new content in namespace prod because it is being "
       "terminated"},
      {"a namespace that does not exist", "nope", pod("db"), ErrorCode::kNotFound, "namespaces \"nope\" not found"},
  };
  for (const auto& r : refusals) {
    INFO(r.what);
    const ResourceType& t = r.message.starts_with("replicasets") ? type("replicasets", "apps") : type("pods");
    CHECK(failure(f.objects.create(t, r.ns, r.object, false), r.code) == r.message);
    CHECK(failure(f.objects.create(t, r.ns, r.object, true), r.code) == r.message);  // dry runs too
  }

  // What is in it can still change and go.
  json relabel = must(f.objects.get(type("pods"), "prod", "web"));
  relabel["metadata"]["labels"]["app"] = "web";
  must(f.objects.update(type("pods"), "prod", "web", relabel, "", false));
  // Deleting it again changes nothing, in Kubernetes' words.
  CHECK(failure(f.objects.remove(type("namespaces"), "", "prod", {}), ErrorCode::kConflict) ==
        "Operation cannot be fulfilled on namespaces \"prod\": The system is ensuring all content is removed from "
        "this namespace.  Upon completion, this namespace will automatically be purged by the system.");
  must(f.objects.remove(type("pods"), "prod", "web", {}));

  // Its last finalizer removed through /finalize, it goes; one of metadata.finalizers holds it.
  must(f.objects.create(type("namespaces"), "", json{{"metadata", {{"name", "held"}, {"finalizers", {"x.io/y"}}}}},
                        false));
  must(f.objects.remove(type("namespaces"), "", "held", {}));
  for (const char* name : {"prod", "held"}) {
    json done = must(f.objects.get(type("namespaces"), "", name));
    done["spec"]["finalizers"] = json::array();
    must(f.objects.update(type("namespaces"), "", name, done, "finalize", false));
  }
  failure(f.objects.get(type("namespaces"), "", "prod"), ErrorCode::kNotFound);
  json held = must(f.objects.get(type("namespaces"), "", "held"));
  CHECK(held["status"]["phase"] == "Terminating");
  held["metadata"]["finalizers"] = json::array();
  must(f.objects.update(type("namespaces"), "", "held", held, "", false));
  failure(f.objects.get(type("namespaces"), "", "held"), ErrorCode::kNotFound);

  // A namespace without spec.finalizers goes at once.
  must(f.objects.create(type("namespaces"), "", json{{"metadata", {{"name", "bare"}}}}, false));
  json bare = must(f.objects.get(type("namespaces"), "", "bare"));
  bare["spec"]["finalizers"] = json::array();
  must(f.objects.update(type("namespaces"), "", "bare", bare, "finalize", false));
  must(f.objects.remove(type("namespaces"), "", "bare", {}));
  failure(f.objects.get(type("namespaces"), "", "bare"), ErrorCode::kNotFound);
}

}  // namespace
