// PATCH bodies: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and Kubernetes'
// strategic merge patch, which merges lists of named things (containers, ports, env, ...)
// by their key instead of replacing them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace xebec::api {

enum class PatchType { kJson, kMerge, kStrategic };

// The patch type a Content-Type names; kBadRequest (the 415 case) for any other.
Result<PatchType> patch_type(const std::string& content_type);

// `original` with `patch` applied; kBadRequest / kInvalid with the reason when it cannot be.
Result<nlohmann::json> apply_patch(const nlohmann::json& original, const std::string& patch, PatchType type);

// Strategic merge of `patch` into `original`. Lists whose field has a merge key (containers
// and volumes by name, ports by containerPort or port, volumeMounts by mountPath, ...) merge
// element by element; other lists are replaced. Directives: "$patch": "delete" | "replace" |
// "merge", "$retainKeys", "$deleteFromPrimitiveList/FIELD"; "$setElementOrder/FIELD" is
// accepted and ordering left as it falls.
Result<nlohmann::json> strategic_merge(const nlohmann::json& original, const nlohmann::json& patch);

}  // namespace xebec::api
