// DeploymentController: rolls a Deployment's pod template out through ReplicaSets, as
// Kubernetes' deployment controller does. Each distinct template gets one ReplicaSet, named and
// labelled by its pod-template-hash and numbered by a revision annotation; a rolling update
// grows the newest and shrinks the others within maxSurge and maxUnavailable, Recreate empties
// the old ones before the new one starts. Going back to an earlier template (`kubectl rollout
// undo` writes it into the Deployment) reuses that template's ReplicaSet under a new revision.
// A paused Deployment is only resized. The status and its Available and Progressing conditions
// are what `kubectl rollout status` reads; old ReplicaSets beyond revisionHistoryLimit go.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/client/api_client.h"
#include "controlplane/client/event_recorder.h"
#include "controlplane/client/informer.h"
#include "controlplane/controllers/reconciler.h"
#include "controlplane/controllers/rollout.h"

namespace xebec::controllers {

class DeploymentController {
 public:
  // Informers of deployments, replicasets and pods: shared with other controllers and started
  // by the caller. They, the client and the recorder must outlive this.
  DeploymentController(client::ApiClient& client, client::Informer& deployments, client::Informer& replica_sets,
                       client::Informer& pods, client::EventRecorder& events);
  void start(int workers) { reconciler_.start(workers); }

  // One reconcile of the Deployment "namespace/name": what the workers run (public for tests).
  Status sync(const std::string& key);

 private:
  // A Deployment and its ReplicaSets as one sync sees and changes them.
  struct Family {
    nlohmann::json deployment;
    std::optional<nlohmann::json> current;  // the ReplicaSet of the Deployment's template
    std::vector<nlohmann::json> old;        // the others, oldest first
    rollout::Limits limits;
    bool created = false;  // this sync made the current ReplicaSet
  };

  void on_replica_set(const nlohmann::json& rs);
  // Its ReplicaSets from the cache, orphans its selector matches adopted.
  Result<std::vector<nlohmann::json>> replica_sets_of(const nlohmann::json& deployment);
  // Sorts the ReplicaSets into the current and old ones; with `create`, makes the current one
  // when there is none. Gives the current one the newest revision.
  Status find_current(Family& family, std::vector<nlohmann::json> replica_sets, bool create);
  Status create_current(Family& family);
  // Writes the Deployment's revision annotation (and the resulting object into the family).
  Status set_revision(Family& family, const std::string& revision);

  bool is_resize(const Family& family) const;
  Status resize(Family& family);
  Status roll(Family& family);
  Status recreate(Family& family);
  bool old_pods_running(const Family& family) const;
  // Sets a ReplicaSet's size (and the annotations that remember the Deployment's size); true
  // when it wrote something.
  Result<bool> scale(const Family& family, nlohmann::json& rs, std::int64_t replicas);
  Status clean_up(const Family& family);
  // The status the ReplicaSets make, with its conditions; `progress`: judge the rollout's
  // progress (Progressing), as after a rollout step, not after a pause or a resize.
  Status write_status(const Family& family, bool progress);

  client::ApiClient& client_;
  client::Informer& deployments_;
  client::Informer& replica_sets_;
  client::Informer& pods_;
  client::EventRecorder& events_;
  Reconciler reconciler_;  // last: its workers use the rest
};

}  // namespace xebec::controllers
