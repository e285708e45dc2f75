// What the controllers ask of pods and owners, over their JSON.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "controlplane/api/selector.h"

namespace xebec::controllers {

// metadata.name, .namespace and .uid; "" when missing.
std::string name_of(const nlohmann::json& object);
std::string ns_of(const nlohmann::json& object);
std::string uid_of(const nlohmann::json& object);
// An owner's spec.selector (a LabelSelector, or with `map_selector` a ReplicationController's
// label map); nullopt for an empty or unreadable one, which selects nothing (validation
// refuses both).
std::optional<api::LabelSelector> selector_of(const nlohmann::json& owner, bool map_selector = false);
// The ownerReference with controller: true, or nullptr.
const nlohmann::json* controller_of(const nlohmann::json& object);
// Not being deleted, not Succeeded or Failed: a pod that counts towards replicas.
bool is_active(const nlohmann::json& pod);
// Its Ready condition is True.
bool is_ready(const nlohmann::json& pod);
// Ready for at least `min_ready_seconds` (by its Ready condition's lastTransitionTime), at `now`
// (seconds since the epoch).
bool is_available(const nlohmann::json& pod, std::int64_t min_ready_seconds, std::int64_t now);
// "2026-11-25T10:00:00Z" (an API timestamp) as seconds since the epoch; -1 when it is not that.
std::int64_t epoch_seconds(const std::string& text);
std::int64_t now_seconds();
// A controller reference to `owner` ({apiVersion, kind, name, uid, controller, blockOwnerDeletion}).
nlohmann::json controller_reference(const nlohmann::json& owner);

}  // namespace xebec::controllers
