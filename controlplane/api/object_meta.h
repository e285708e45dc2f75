// Object metadata the apiserver owns: names checked, uid and creationTimestamp stamped on
// create, generation bumped when the spec changes, and what an update may not change kept.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "controlplane/api/resource.h"
#include "common/result.h"

namespace xebec::api {

// Checks metadata.name (generating one from metadata.generateName when it is empty) and
// namespace against the request; kInvalid / kBadRequest with Kubernetes' wording.
Status check_identity(const ResourceType& type, const std::string& request_ns, nlohmann::json& object);

// Stamps a new object: uid, creationTimestamp, generation 1; drops resourceVersion and any
// deletion fields a client sent.
void stamp_created(nlohmann::json& object);

// Carries over from `old` what clients cannot change (uid, creationTimestamp, deletion
// fields) and bumps generation when anything but metadata and status changed.
void stamp_updated(const nlohmann::json& old, nlohmann::json& object);

// RFC 3339 in UTC, to the second, as Kubernetes writes times: "2026-11-25T16:14:00Z".
std::string now_rfc3339();

}  // namespace xebec::api
