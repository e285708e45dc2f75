// The served resource types, as Kubernetes names them.
#include "controlplane/api/resource.h"

namespace xebec::api {

const std::vector<ResourceType>& resource_types() {
  static const std::vector<ResourceType> types = {
      {"", "v1", "Namespace", "namespaces", "namespace", false, {"ns"}, {}, true, false},
      {"", "v1", "Node", "nodes", "node", false, {"no"}, {}, true, false},
      {"", "v1", "Pod", "pods", "pod", true, {"po"}, {"all"}, true, false},
      {"", "v1", "Service", "services", "service", true, {"svc"}, {"all"}, true, false},
      {"", "v1", "Endpoints", "endpoints", "endpoints", true, {"ep"}, {}, false, false},
      {"", "v1", "ReplicationController", "replicationcontrollers", "replicationcontroller", true, {"rc"}, {"all"},
       true, true},
      {"", "v1", "Event", "events", "event", true, {"ev"}, {}, false, false},
      {"apps", "v1", "Deployment", "deployments", "deployment", true, {"deploy"}, {"all"}, true, true},
      {"apps", "v1", "ReplicaSet", "replicasets", "replicaset", true, {"rs"}, {"all"}, true, true},
  };
  return types;
}

const ResourceType* find_resource(const std::string& group, const std::string& version, const std::string& resource) {
  for (const auto& t : resource_types())
    if (t.group == group && t.version == version && t.resource == resource) return &t;
  return nullptr;
}

std::vector<GroupVersion> group_versions() {
  std::vector<GroupVersion> out;
  for (const auto& t : resource_types()) {
    GroupVersion gv{t.group, t.version};
    bool seen = false;
    for (const auto& g : out) seen = seen || g == gv;
    if (!seen) out.push_back(gv);
  }
  return out;
}

}  // namespace xebec::api
