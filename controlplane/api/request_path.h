// Reading an apiserver URL path: which group, version, resource, namespace, object and
// subresource it names (/api/v1/namespaces/default/pods/web/status).
#pragma once

#include <string>

#include "controlplane/api/resource.h"
#include "common/result.h"

namespace xebec::api {

struct ResourcePath {
  const ResourceType* type = nullptr;
  std::string ns;           // "" for cluster-scoped types, and for lists across namespaces
  std::string name;         // "" for a collection
  std::string subresource;  // "", "status", "scale", ...
};

// A path under /api/v1 or /apis/GROUP/VERSION that names a resource; kNotFound (with the
// message Kubernetes gives) when it names nothing served.
Result<ResourcePath> parse_resource_path(const std::string& path);

}  // namespace xebec::api
