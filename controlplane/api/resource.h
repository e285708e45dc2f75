// The resource types the apiserver serves: their group, version, kind, REST names and the
// subresources they have. One table (resource.cpp) that discovery, routing, storage keys and
// the OpenAPI documents all read.
#pragma once

#include <string>
#include <vector>

namespace xebec::api {

struct ResourceType {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string kind;      // "Pod"
  std::string resource;  // the plural in URLs: "pods"
  std::string singular;  // "pod"
  bool namespaced = true;
  std::vector<std::string> short_names;  // "po"
  std::vector<std::string> categories;   // "all"
  bool has_status = false;               // a /status subresource
  bool has_scale = false;                // a /scale subresource

  // "v1" or "apps/v1", as objects carry it in apiVersion.
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  std::string list_kind() const { return kind + "List"; }
};

// Every served type, in the order discovery lists them.
const std::vector<ResourceType>& resource_types();

// The type served at group/version/resource; nullptr when there is none.
const ResourceType* find_resource(const std::string& group, const std::string& version, const std::string& resource);

// The group versions served, "v1" first: {"", "v1"}, {"apps", "v1"}, ...
struct GroupVersion {
  std::string group;
  std::string version;
  bool operator==(const GroupVersion&) const = default;
};
std::vector<GroupVersion> group_versions();

}  // namespace xebec::api
