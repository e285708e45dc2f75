// Discovery, built from the table of served types (resource.h).
#include "controlplane/api/discovery.h"

namespace xebec::api {

namespace {

using nlohmann::json;

const json kAllVerbs = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};

std::string group_version(const GroupVersion& gv) { return gv.group.empty() ? gv.version : gv.group + "/" + gv.version; }

}  // namespace

json version_info() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", "v1.32.0-xebec"},
          {"gitCommit", ""},
          {"gitTreeState", "clean"},
          {"buildDate", "2026-01-01T00:00:00Z"},
          {"goVersion", "none (C++)"},
          {"compiler", "gcc"},
          {"platform", "linux/amd64"}};
}

json api_versions() { return {{"kind", "APIVersions"}, {"versions", {"v1"}}}; }

json api_group_list() {
  json groups = json::array();
  for (const auto& gv : group_versions()) {
    if (gv.group.empty()) continue;
    const json version = {{"groupVersion", group_version(gv)}, {"version", gv.version}};
    groups.push_back({{"name", gv.group}, {"versions", {version}}, {"preferredVersion", version}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

json api_resource_list(const GroupVersion& gv) {
  json resources = json::array();
  for (const auto& t : resource_types()) {
    if (t.group != gv.group || t.version != gv.version) continue;
    json r = {{"name", t.resource}, {"singularName", t.singular}, {"namespaced", t.namespaced},
              {"kind", t.kind},     {"verbs", kAllVerbs}};
    if (!t.short_names.empty()) r["shortNames"] = t.short_names;
    if (!t.categories.empty()) r["categories"] = t.categories;
    resources.push_back(r);
    if (t.has_status)
      resources.push_back({{"name", t.resource + "/status"}, {"singularName", ""}, {"namespaced", t.namespaced},
                           {"kind", t.kind}, {"verbs", {"get", "patch", "update"}}});
    if (t.has_scale)
      resources.push_back({{"name", t.resource + "/scale"}, {"singularName", ""}, {"namespaced", t.namespaced},
                           {"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"},
                           {"verbs", {"get", "patch", "update"}}});
    if (t.resource == "pods")
      resources.push_back({{"name", "pods/binding"}, {"singularName", ""}, {"namespaced", true}, {"kind", "Binding"},
                           {"verbs", {"create"}}});
  }
  if (resources.empty()) return nullptr;
  return {{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", group_version(gv)},
          {"resources", resources}};
}

}  // namespace xebec::api
