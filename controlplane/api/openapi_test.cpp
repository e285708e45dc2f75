// The OpenAPI v3 documents hold what kubectl looks for: resolvable references, and for every
// served kind a PATCH operation that takes fieldValidation.
#include "controlplane/api/openapi.h"

#include <catch2/catch.hpp>
#include <set>

#include "controlplane/api/resource.h"
#include "controlplane/api/schema.h"

using namespace xebec::api;
using nlohmann::json;

namespace {

std::string document_path(const ResourceType& t) {
  return t.group.empty() ? "/openapi/v3/api/" + t.version : "/openapi/v3/apis/" + t.group + "/" + t.version;
}

const json& document_for(const ResourceType& t) {
  const json* doc = openapi_document(document_path(t));
  REQUIRE(doc != nullptr);
  return *doc;
}

void collect_refs(const json& node, std::vector<std::string>& refs) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items())
      if (key == "$ref")
        refs.push_back(value);
      else
        collect_refs(value, refs);
  } else if (node.is_array()) {
    for (const auto& v : node) collect_refs(v, refs);
  }
}

// k8s.io/cli-runtime's supportsQueryParamV3, which stops at the first PATCH for the GVK in
// map order: true when that operation lists the parameter. Here every such operation must.
bool every_patch_supports(const json& doc, const json& gvk, const std::string& param, int& patches) {
  for (const auto& [path, item] : doc["paths"].items()) {
    if (!item.contains("patch") || item["patch"]["x-kubernetes-group-version-kind"] != gvk) continue;
    ++patches;
    bool found = false;
    for (const auto& p : item["patch"]["parameters"]) found = found || p["name"] == param;
    if (!found) return false;
  }
  return patches > 0;
}

}  // namespace

TEST_CASE("the root names each group version's document with its hash", "[api][openapi]") {
  const json* root = openapi_document("/openapi/v3");
  REQUIRE(root != nullptr);
  REQUIRE((*root)["paths"].size() == group_versions().size());
  for (const auto& [key, entry] : (*root)["paths"].items()) {
    const json* doc = openapi_document("/openapi/v3/" + key);
    REQUIRE(doc != nullptr);
    CHECK(entry["serverRelativeURL"] == "/openapi/v3/" + key + "?hash=" + openapi_hash(*doc));
    CHECK((*doc)["openapi"] == "3.0.0");
  }
  CHECK((*root)["paths"].contains("api/v1"));
  CHECK((*root)["paths"].contains("apis/apps/v1"));
  CHECK(openapi_document("/openapi/v3/apis/batch/v1") == nullptr);
  CHECK(openapi_document("/openapi/v3/api/v1?hash=x") == nullptr);

  CHECK(openapi_hash(json{{"a", 1}}) == openapi_hash(json::parse(R"({"a": 1})")));
  CHECK(openapi_hash(json{{"a", 1}}) != openapi_hash(json{{"a", 2}}));
  CHECK(openapi_hash(json{{"a", 1}}).size() == 16);
}

TEST_CASE("every $ref resolves within its document, and every schema is referenced", "[api][openapi]") {
  for (const auto& gv : group_versions()) {
    const std::string path = gv.group.empty() ? "/openapi/v3/api/v1" : "/openapi/v3/apis/" + gv.group + "/v1";
    INFO(path);
    const json& doc = *openapi_document(path);
    std::vector<std::string> refs;
    collect_refs(doc, refs);
    REQUIRE_FALSE(refs.empty());
    const json& schemas = doc["components"]["schemas"];
    std::set<std::string> used;
    for (const auto& ref : refs) {
      INFO(ref);
      REQUIRE(ref.rfind("#/components/schemas/", 0) == 0);
      const std::string name = ref.substr(std::string("#/components/schemas/").size());
      CHECK(schemas.contains(name));
      used.insert(name);
    }
    CHECK(used.size() == schemas.size());
  }
}

TEST_CASE("each served kind has a PATCH that takes fieldValidation, as kubectl's verifier checks", "[api][openapi]") {
  for (const auto& t : resource_types()) {
    INFO(t.kind);
    const json& doc = document_for(t);
    const json gvk = {{"group", t.group}, {"version", t.version}, {"kind", t.kind}};
    int patches = 0;
    CHECK(every_patch_supports(doc, gvk, "fieldValidation", patches));
    CHECK(patches == (t.has_status ? 2 : 1));

    // kubectl apply: the PATCH takes strategic merge patches, and a component schema names the GVK.
    bool strategic = false;
    for (const auto& [path, item] : doc["paths"].items())
      if (item.contains("patch") && item["patch"]["x-kubernetes-group-version-kind"] == gvk)
        strategic = item["patch"]["requestBody"]["content"].contains("application/strategic-merge-patch+json");
    CHECK(strategic);
    CHECK(doc["components"]["schemas"][schema_name(t)]["x-kubernetes-group-version-kind"] == json::array({gvk}));
  }
}

TEST_CASE("paths and operations follow kube-apiserver's", "[api][openapi]") {
  const json& apps = *openapi_document("/openapi/v3/apis/apps/v1");
  const json& paths = apps["paths"];
  const json& collection = paths["/apis/apps/v1/namespaces/{namespace}/deployments"];
  CHECK(collection["get"]["operationId"] == "listAppsV1NamespacedDeployment");
  CHECK(collection["get"]["x-kubernetes-action"] == "list");
  CHECK(collection["post"]["operationId"] == "createAppsV1NamespacedDeployment");
  CHECK(collection["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"] ==
        "#/components/schemas/io.k8s.api.apps.v1.Deployment");
  CHECK(collection["delete"]["operationId"] == "deleteAppsV1CollectionNamespacedDeployment");
  CHECK(collection["delete"]["x-kubernetes-action"] == "deletecollection");
  CHECK(paths["/apis/apps/v1/deployments"]["get"]["operationId"] == "listAppsV1DeploymentForAllNamespaces");

  const json& item = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
  CHECK(item["parameters"][0]["name"] == "name");
  CHECK(item["parameters"][0]["in"] == "path");
  CHECK(item["get"]["operationId"] == "readAppsV1NamespacedDeployment");
  CHECK(item["put"]["operationId"] == "replaceAppsV1NamespacedDeployment");
  CHECK(item["delete"]["operationId"] == "deleteAppsV1NamespacedDeployment");
  const json& patch = item["patch"];
  CHECK(patch["operationId"] == "patchAppsV1NamespacedDeployment");
  CHECK(patch["x-kubernetes-action"] == "patch");
  std::vector<std::string> params;
  for (const auto& p : patch["parameters"]) params.push_back(p["name"]);
  CHECK(params == std::vector<std::string>{"dryRun", "fieldManager", "fieldValidation", "force"});
  std::vector<std::string> types;
  for (const auto& [type, media] : patch["requestBody"]["content"].items()) types.push_back(type);
  CHECK(types == std::vector<std::string>{"application/apply-patch+yaml", "application/json-patch+json",
                                          "application/merge-patch+json", "application/strategic-merge-patch+json"});
  CHECK(patch["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] ==
        "#/components/schemas/io.k8s.api.apps.v1.Deployment");

  const json& status = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"];
  CHECK(status["patch"]["operationId"] == "patchAppsV1NamespacedDeploymentStatus");
  const json& scale = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
  CHECK(scale["put"]["operationId"] == "replaceAppsV1NamespacedDeploymentScale");
  CHECK(scale["patch"]["x-kubernetes-group-version-kind"] ==
        json{{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}});
  CHECK(scale["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] ==
        "#/components/schemas/io.k8s.api.autoscaling.v1.Scale");

  const json& core = *openapi_document("/openapi/v3/api/v1");
  CHECK(core["paths"]["/api/v1/nodes/{name}"]["patch"]["operationId"] == "patchCoreV1Node");
  CHECK(core["paths"]["/api/v1/nodes"]["get"]["operationId"] == "listCoreV1Node");
  CHECK_FALSE(core["paths"].contains("/api/v1/namespaces/{namespace}/nodes"));
  CHECK(core["paths"]["/api/v1/namespaces/{name}/status"]["put"]["operationId"] == "replaceCoreV1NamespaceStatus");
  CHECK(core["paths"]["/api/v1/namespaces/{namespace}/pods"]["get"]["responses"]["200"]["content"].contains(
      "application/json;stream=watch"));
  CHECK_FALSE(core["components"]["schemas"].contains("io.k8s.api.apps.v1.Deployment"));
  CHECK_FALSE(apps["components"]["schemas"].contains("io.k8s.api.core.v1.Service"));
}
