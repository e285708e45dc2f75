// OpenAPI v3 documents built from the table of served types (resource.h) and their schemas
// (schema.h), with the operations, parameters and extensions kube-apiserver publishes.
#include "controlplane/api/openapi.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>

#include "controlplane/api/discovery.h"
#include "controlplane/api/resource.h"
#include "controlplane/api/schema.h"

namespace xebec::api {

namespace {

using nlohmann::json;

const std::string kMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const std::string kRefPrefix = "#/components/schemas/";
const std::string kDocumentPrefix = "/openapi/v3/";

json schema_ref(const std::string& name) { return {{"$ref", kRefPrefix + name}}; }

json query(const std::string& name, const std::string& type = "string") {
  return {{"name", name}, {"in", "query"}, {"schema", {{"type", type}, {"uniqueItems", true}}}};
}
json path_param(const std::string& name) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

// Query parameters by operation, as kube-apiserver lists them.
json list_params() {
  return {query("allowWatchBookmarks", "boolean"),
          query("continue"),
          query("fieldSelector"),
          query("labelSelector"),
          query("limit", "integer"),
          query("resourceVersion"),
          query("resourceVersionMatch"),
          query("sendInitialEvents", "boolean"),
          query("timeoutSeconds", "integer"),
          query("watch", "boolean")};
}
json write_params() { return {query("dryRun"), query("fieldManager"), query("fieldValidation")}; }
json patch_params() {
  json p = write_params();
  p.push_back(query("force", "boolean"));
  return p;
}
json delete_params() {
  return {query("dryRun"), query("gracePeriodSeconds", "integer"),
          query("ignoreStoreReadErrorWithClusterBreakingPotential", "boolean"), query("orphanDependents", "boolean"),
          query("propagationPolicy")};
}
json delete_collection_params() {
  json p = delete_params();
  for (const auto& q : list_params())
    if (q["name"] != "allowWatchBookmarks" && q["name"] != "watch") p.push_back(q);
  return p;
}

json content(const std::string& schema, std::initializer_list<const char*> types) {
  json c = json::object();
  for (const char* t : types) c[t] = {{"schema", schema_ref(schema)}};
  return c;
}
json body(const std::string& schema, bool required = true) {
  return {{"required", required}, {"content", content(schema, {"application/json", "application/yaml"})}};
}
json patch_body() {
  return {{"required", true},
          {"content",
           content(kMeta + "Patch", {"application/json-patch+json", "application/merge-patch+json",
                                     "application/strategic-merge-patch+json", "application/apply-patch+yaml"})}};
}

// Responses: each status code with its description, all answering `schema`.
json responses(const std::string& schema, std::initializer_list<std::pair<const char*, const char*>> codes,
               bool watch = false) {
  json r = {{"401", {{"description", "Unauthorized"}}}};
  for (const auto& [code, description] : codes) {
    json c = content(schema, {"application/json", "application/yaml"});
    if (watch) c["application/json;stream=watch"] = {{"schema", schema_ref(schema)}};
    r[code] = {{"description", description}, {"content", c}};
  }
  return r;
}

json operation(const std::string& id, const std::string& action, const json& gvk, json params, json resp) {
  json op = {{"operationId", id},
             {"responses", std::move(resp)},
             {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", gvk}};
  if (!params.empty()) op["parameters"] = std::move(params);
  return op;
}

std::string capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// "CoreV1", "AppsV1": the group version as operation ids spell it.
std::string operation_group(const GroupVersion& gv) {
  std::string out;
  std::string group = gv.group.empty() ? "core" : gv.group;
  if (const auto k8s = group.find(".k8s.io"); k8s != std::string::npos) group.erase(k8s);
  for (size_t start = 0; start <= group.size();) {
    const auto dot = std::min(group.find('.', start), group.size());
    out += capitalized(group.substr(start, dot - start));
    start = dot + 1;
  }
  return out + capitalized(gv.version);
}

std::string path_prefix(const GroupVersion& gv) {
  return gv.group.empty() ? "/api/" + gv.version : "/apis/" + gv.group + "/" + gv.version;
}

// The paths of one resource: its collection(s), its objects and their subresources.
void add_resource_paths(const ResourceType& t, json& paths) {
  const GroupVersion gv{t.group, t.version};
  const std::string group = operation_group(gv);
  const std::string scoped = (t.namespaced ? "Namespaced" : "") + t.kind;
  const std::string kind = schema_name(t);
  const json gvk = {{"group", t.group}, {"version", t.version}, {"kind", t.kind}};
  const std::string collection = path_prefix(gv) + (t.namespaced ? "/namespaces/{namespace}/" : "/") + t.resource;
  json scope = json::array();
  if (t.namespaced) scope.push_back(path_param("namespace"));
  scope.push_back(query("pretty"));

  paths[collection] = {{"parameters", scope},
                       {"get", operation("list" + group + scoped, "list", gvk, list_params(),
                                         responses(schema_name(t, true), {{"200", "OK"}}, true))},
                       {"post", operation("create" + group + scoped, "post", gvk, write_params(),
                                          responses(kind, {{"200", "OK"}, {"201", "Created"}, {"202", "Accepted"}}))},
                       {"delete", operation("delete" + group + "Collection" + scoped, "deletecollection", gvk,
                                            delete_collection_params(), responses(kMeta + "Status", {{"200", "OK"}}))}};
  paths[collection]["post"]["requestBody"] = body(kind);
  paths[collection]["delete"]["requestBody"] = body(kMeta + "DeleteOptions", false);
  if (t.namespaced)
    paths[path_prefix(gv) + "/" + t.resource] = {
        {"parameters", json::array({query("pretty")})},
        {"get", operation("list" + group + t.kind + "ForAllNamespaces", "list", gvk, list_params(),
                          responses(schema_name(t, true), {{"200", "OK"}}, true))}};

  json item_scope = scope;
  item_scope.insert(item_scope.begin(), path_param("name"));
  // An object or a subresource of it: read, replace and patch, answered with `schema`.
  auto item = [&](const std::string& suffix, const std::string& schema, const json& op_gvk) {
    json p = {{"parameters", item_scope},
              {"get", operation("read" + group + scoped + suffix, "get", op_gvk, json::array(),
                                responses(schema, {{"200", "OK"}}))},
              {"put", operation("replace" + group + scoped + suffix, "put", op_gvk, write_params(),
                                responses(schema, {{"200", "OK"}, {"201", "Created"}}))},
              {"patch", operation("patch" + group + scoped + suffix, "patch", op_gvk, patch_params(),
                                  responses(schema, {{"200", "OK"}, {"201", "Created"}}))}};
    p["put"]["requestBody"] = body(schema);
    p["patch"]["requestBody"] = patch_body();
    return p;
  };
  const std::string object_path = collection + "/{name}";
  paths[object_path] = item("", kind, gvk);
  paths[object_path]["delete"] = operation("delete" + group + scoped, "delete", gvk, delete_params(),
                                           responses(kMeta + "Status", {{"200", "OK"}, {"202", "Accepted"}}));
  paths[object_path]["delete"]["requestBody"] = body(kMeta + "DeleteOptions", false);
  if (t.has_status) paths[object_path + "/status"] = item("Status", kind, gvk);
  if (t.has_scale)
    paths[object_path + "/scale"] = item("Scale", "io.k8s.api.autoscaling.v1.Scale",
                                         {{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}});
}

// Adds to `names` every component schema `node` refers to, and those they refer to.
void collect_refs(const json& node, std::set<std::string>& names) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref") {
        const std::string name = value.get<std::string>().substr(kRefPrefix.size());
        if (names.insert(name).second) collect_refs(component_schemas().at(name), names);
      } else {
        collect_refs(value, names);
      }
    }
  } else if (node.is_array()) {
    for (const auto& v : node) collect_refs(v, names);
  }
}

json group_version_document(const GroupVersion& gv) {
  json paths = json::object();
  for (const auto& t : resource_types())
    if (GroupVersion{t.group, t.version} == gv) add_resource_paths(t, paths);
  std::set<std::string> names;
  collect_refs(paths, names);
  json schemas = json::object();
  for (const auto& name : names) schemas[name] = component_schemas().at(name);
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", version_info()["gitVersion"]}}},
          {"paths", paths},
          {"components", {{"schemas", schemas}}}};
}

std::map<std::string, json> build_documents() {
  std::map<std::string, json> documents;
  json root_paths = json::object();
  for (const auto& gv : group_versions()) {
    const std::string key = path_prefix(gv).substr(1);  // "api/v1", "apis/apps/v1"
    json document = group_version_document(gv);
    root_paths[key] = {{"serverRelativeURL", kDocumentPrefix + key + "?hash=" + openapi_hash(document)}};
    documents[kDocumentPrefix + key] = std::move(document);
  }
  documents["/openapi/v3"] = {{"paths", root_paths}};
  return documents;
}

}  // namespace

const json* openapi_document(const std::string& path) {
  static const std::map<std::string, json> documents = build_documents();
  const auto it = documents.find(path);
  return it == documents.end() ? nullptr : &it->second;
}

std::string openapi_hash(const json& document) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : document.dump()) h = (h ^ c) * 0x100000001b3ULL;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llX", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace xebec::api
