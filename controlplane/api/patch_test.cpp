// The three patch types, with the strategic merge cases kubectl sends.
#include "controlplane/api/patch.h"

#include <catch2/catch.hpp>

using namespace xebec::api;
using nlohmann::json;

namespace {

const json kDeployment = json::parse(R"({
  "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a"]},
  "spec": {"replicas": 2, "template": {"spec": {
    "containers": [
      {"name": "app", "image": "nginx:1", "ports": [{"containerPort": 80}, {"containerPort": 443}],
       "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
      {"name": "sidecar", "image": "busybox"}],
    "tolerations": [{"key": "x"}]}}}
})");

json strategic(const json& original, const std::string& patch) {
  auto r = apply_patch(original, patch, PatchType::kStrategic);
  INFO((r ? std::string("ok") : r.error().message));
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("patch types come from the content type", "[api][patch]") {
  CHECK(*patch_type("application/strategic-merge-patch+json") == PatchType::kStrategic);
  CHECK(*patch_type("application/merge-patch+json; charset=utf-8") == PatchType::kMerge);
  CHECK(*patch_type("application/json-patch+json") == PatchType::kJson);
  CHECK(patch_type("application/json").error().code == xebec::ErrorCode::kBadRequest);
}

TEST_CASE("strategic merge merges named list elements, replaces other lists", "[api][patch]") {
  SECTION("a container's image changes; the other container and fields stay") {
    const json out = strategic(kDeployment, R"({"spec":{"template":{"spec":{"containers":[
        {"name":"app","image":"nginx:2"}]}}}})");
    const json& cs = out["spec"]["template"]["spec"]["containers"];
    REQUIRE(cs.size() == 2);
    CHECK(cs[0]["image"] == "nginx:2");
    CHECK(cs[0]["ports"].size() == 2);
    CHECK(cs[1]["name"] == "sidecar");
  }
  SECTION("a new container is appended, one is deleted with $patch") {
    const json out = strategic(kDeployment, R"({"spec":{"template":{"spec":{"containers":[
        {"name":"log","image":"fluent"}, {"name":"sidecar","$patch":"delete"}]}}}})");
    const json& cs = out["spec"]["template"]["spec"]["containers"];
    REQUIRE(cs.size() == 2);
    CHECK(cs[0]["name"] == "app");
    CHECK(cs[1] == json{{"name", "log"}, {"image", "fluent"}});
  }
  SECTION("ports merge by containerPort, env by name; lists without a key are replaced") {
    const json out = strategic(kDeployment, R"({"spec":{"template":{"spec":{
        "containers":[{"name":"app","ports":[{"containerPort":8080}],"env":[{"name":"B","value":"3"}]}],
        "tolerations":[{"key":"y"}]}}}})");
    const json& app = out["spec"]["template"]["spec"]["containers"][0];
    CHECK(app["ports"].size() == 3);
    CHECK(app["env"] == json::parse(R"([{"name":"A","value":"1"},{"name":"B","value":"3"}])"));
    CHECK(out["spec"]["template"]["spec"]["tolerations"] == json::parse(R"([{"key":"y"}])"));
  }
  SECTION("null deletes; labels merge; finalizers merge as a set; $setElementOrder is accepted") {
    const json out = strategic(kDeployment, R"({"metadata":{"labels":{"tier":"front","app":null},
        "finalizers":["a","b"]},"$setElementOrder/finalizers":["a","b"],"spec":{"replicas":5}})");
    CHECK(out["metadata"]["labels"] == json{{"tier", "front"}});
    CHECK(out["metadata"]["finalizers"] == json{"a", "b"});
    CHECK(out["spec"]["replicas"] == 5);
    CHECK_FALSE(out.contains("$setElementOrder/finalizers"));
  }
  SECTION("$patch replace, $retainKeys, $deleteFromPrimitiveList") {
    const json replaced = strategic(kDeployment, R"({"metadata":{"labels":{"$patch":"replace","only":"this"}}})");
    CHECK(replaced["metadata"]["labels"] == json{{"only", "this"}});
    const json retained = strategic(kDeployment, R"({"spec":{"$retainKeys":["replicas"],"replicas":1}})");
    CHECK(retained["spec"] == json{{"replicas", 1}});
    const json pruned = strategic(kDeployment, R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}})");
    CHECK(pruned["metadata"]["finalizers"] == json::array());
  }
  SECTION("Service ports merge by port") {
    const json svc = json::parse(R"({"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443}]}})");
    const json out = strategic(svc, R"({"spec":{"ports":[{"port":80,"targetPort":9090}]}})");
    CHECK(out["spec"]["ports"] == json::parse(R"([{"port":80,"targetPort":9090},{"port":443}])"));
  }
  SECTION("a node's taints are replaced whole (what `kubectl taint ... KEY:EFFECT-` sends)") {
    const json node = json::parse(R"({"spec":{"taints":[{"key":"k","effect":"NoSchedule"},
        {"key":"k","effect":"NoExecute"}]}})");
    const json out = strategic(node, R"({"spec":{"taints":[{"key":"k","effect":"NoExecute"}]}})");
    CHECK(out["spec"]["taints"] == json::parse(R"([{"key":"k","effect":"NoExecute"}])"));
  }
}

TEST_CASE("bad patches are refused with the reason", "[api][patch]") {
  using xebec::ErrorCode;
  CHECK(apply_patch(kDeployment, "{", PatchType::kMerge).error().code == ErrorCode::kBadRequest);
  CHECK(apply_patch(kDeployment, "[]", PatchType::kMerge).error().code == ErrorCode::kBadRequest);
  CHECK(apply_patch(kDeployment, "{}", PatchType::kJson).error().code == ErrorCode::kBadRequest);
  CHECK(apply_patch(kDeployment, R"([{"op":"remove","path":"/nope"}])", PatchType::kJson).error().code ==
        ErrorCode::kInvalid);
  CHECK(apply_patch(kDeployment, R"({"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}})",
                    PatchType::kStrategic)
            .error()
            .message.find("has no name") != std::string::npos);
  CHECK(apply_patch(kDeployment, R"({"$patch":"explode"})", PatchType::kStrategic).error().code ==
        ErrorCode::kBadRequest);
}

TEST_CASE("merge patch and JSON patch do what their RFCs say", "[api][patch]") {
  auto merged = apply_patch(kDeployment, R"({"spec":{"replicas":3},"metadata":{"labels":null}})", PatchType::kMerge);
  REQUIRE(merged.ok());
  CHECK((*merged)["spec"]["replicas"] == 3);
  CHECK_FALSE((*merged)["metadata"].contains("labels"));
  CHECK((*merged)["spec"]["template"]["spec"]["containers"].size() == 2);
  auto patched = apply_patch(kDeployment, R"([{"op":"replace","path":"/spec/replicas","value":7},
      {"op":"add","path":"/metadata/labels/x","value":"y"}])",
                             PatchType::kJson);
  REQUIRE(patched.ok());
  CHECK((*patched)["spec"]["replicas"] == 7);
  CHECK((*patched)["metadata"]["labels"]["x"] == "y");
}
