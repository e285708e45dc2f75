// The served types as OpenAPI v3 component schemas, named as Kubernetes names them
// (io.k8s.api.core.v1.Pod), and the server-side field validation (?fieldValidation=) over them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controlplane/api/resource.h"
#include "common/result.h"

namespace xebec::api {

// Every component schema by name: the served kinds and their lists, all they contain, and the
// meta/v1 and autoscaling/v1 types their operations use. Built on first use, then immutable
// (safe to read from any thread). Fields refer to other schemas as
// {"allOf": [{"$ref": "#/components/schemas/NAME"}]}, as kube-apiserver writes them.
const nlohmann::json& component_schemas();

// The component schema of a served kind: "io.k8s.api.apps.v1.Deployment"; with `list`, of its
// list kind: "io.k8s.api.apps.v1.DeploymentList".
std::string schema_name(const ResourceType& type, bool list = false);

// Checks `object` against the schema of `type`, as Kubernetes' decoder does: the body of a
// create or update, or for a patch the object it produced (a patch body's "$setElementOrder/..."
// directives are not fields). A value of the wrong JSON type is kBadRequest whatever `strict`
// says. Each field the schema does not declare (outside objects that preserve unknown fields)
// is one `unknown field "spec.template.spec.containers[0].imagePullPolcy"`: with `strict`
// (fieldValidation=Strict) they are one kBadRequest, "strict decoding error: unknown field
// ..., unknown field ..."; otherwise they are returned, for Warning headers (Warn) or to drop
// (Ignore).
Result<std::vector<std::string>> check_fields(const ResourceType& type, const nlohmann::json& object, bool strict);

}  // namespace xebec::api
