// Which resource a URL path names.
#include "controlplane/api/request_path.h"

#include <catch2/catch.hpp>

using namespace xebec::api;

TEST_CASE("paths name a type, a namespace, an object and a subresource", "[api]") {
  struct Case {
    std::string path, resource, ns, name, sub;
  };
  for (const auto& c : std::vector<Case>{
           {"/api/v1/pods", "pods", "", "", ""},
           {"/api/v1/namespaces/default/pods", "pods", "default", "", ""},
           {"/api/v1/namespaces/default/pods/web", "pods", "default", "web", ""},
           {"/api/v1/namespaces/default/pods/web/status", "pods", "default", "web", "status"},
           {"/api/v1/namespaces", "namespaces", "", "", ""},
           {"/api/v1/namespaces/kube-system", "namespaces", "", "kube-system", ""},
           {"/api/v1/namespaces/kube-system/status", "namespaces", "", "kube-system", "status"},
           {"/api/v1/nodes/n1", "nodes", "", "n1", ""},
           {"/apis/apps/v1/namespaces/prod/deployments/api/scale", "deployments", "prod", "api", "scale"},
           {"/apis/apps/v1/replicasets", "replicasets", "", "", ""},
       }) {
    INFO(c.path);
    auto p = parse_resource_path(c.path);
    REQUIRE(p.ok());
    CHECK(p->type->resource == c.resource);
    CHECK(p->ns == c.ns);
    CHECK(p->name == c.name);
    CHECK(p->subresource == c.sub);
  }
}

TEST_CASE("paths that name nothing served are not found", "[api]") {
  for (const char* path : {"/", "/api", "/api/v1", "/api/v2/pods", "/apis/apps/v1/pods", "/api/v1/deployments",
                           "/api/v1/namespaces/default/nodes", "/api/v1/namespaces/default/pods/web/status/x",
                           "/api/v1/namespaces/default/events/e/status", "/api/v1/namespaces/default/pods/web/scale",
                           "/healthz"}) {
    INFO(path);
    auto p = parse_resource_path(path);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().code == xebec::ErrorCode::kNotFound);
  }
}
