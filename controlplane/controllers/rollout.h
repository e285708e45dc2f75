// The arithmetic of a Deployment's rollout, apart from the API and its objects: how far the
// surge and unavailability limits go, how many pods the new ReplicaSet may have next, how many
// each old one keeps, how a resize is shared out mid-rollout, and the pod-template-hash that
// names a template. Kubernetes' deployment controller decides the same way, one step per sync.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace xebec::controllers::rollout {

// The rolling update's bounds, in pods: at most replicas + max_surge pods in all, at least
// replicas - max_unavailable of them available.
struct Limits {
  std::int64_t max_surge = 0;
  std::int64_t max_unavailable = 0;
};

// A Deployment spec's limits for its `replicas`: maxSurge rounds a percentage up,
// maxUnavailable rounds it down, and when both come to 0, one pod may be unavailable. The
// Recreate strategy has neither. An unreadable value (an object, "x%") is an error naming it.
Result<Limits> limits(const nlohmann::json& spec);

// What the rollout steps read of one ReplicaSet.
struct ReplicaSetCounts {
  std::int64_t replicas = 0;   // spec.replicas
  std::int64_t available = 0;  // status.availableReplicas
};

// The new ReplicaSet's next size: grown as far as the surge allows, never beyond `wanted`.
// `all_replicas` counts every ReplicaSet of the Deployment, the new one included.
std::int64_t new_replica_set_size(const Limits& limits, std::int64_t wanted, std::int64_t all_replicas,
                                  std::int64_t new_replicas);

// The old ReplicaSets' next sizes, in their order (oldest first): first their unavailable pods
// go, then available ones, as far as keeping wanted - max_unavailable available allows.
std::vector<std::int64_t> old_replica_set_sizes(const Limits& limits, std::int64_t wanted,
                                                const ReplicaSetCounts& new_rs,
                                                const std::vector<ReplicaSetCounts>& old_oldest_first);

// A ReplicaSet that shares in a resize of the Deployment while more than one has pods.
struct Share {
  std::int64_t replicas = 0;
  // Its deployment.kubernetes.io/max-replicas annotation: the Deployment's size plus surge when
  // it was last scaled; -1 when missing (`fallback_total` is used).
  std::int64_t annotated_max = -1;
  std::int64_t age = 0;  // larger is newer
};

// The sizes after resizing the Deployment to `wanted`: each active ReplicaSet grows or shrinks
// in proportion to its size, and what rounding leaves goes to the largest (on growth the newest
// of equals, on shrinking the oldest). In the order given.
std::vector<std::int64_t> proportional_sizes(std::int64_t wanted, std::int64_t max_surge, std::int64_t fallback_total,
                                             const std::vector<Share>& shares);

// The pod-template-hash of a template and the Deployment's collisionCount: a short stable name
// of the template (FNV-1a over its JSON, spelled in the letters Kubernetes uses for names).
std::string template_hash(const nlohmann::json& pod_template, std::int64_t collision_count);

// Whether a ReplicaSet's template is the Deployment's, its pod-template-hash label aside.
bool same_template(const nlohmann::json& replica_set_template, const nlohmann::json& deployment_template);

}  // namespace xebec::controllers::rollout
