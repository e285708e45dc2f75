// ReplicaSetController: keeps `replicas` pods matching a ReplicaSet's selector (or a
// ReplicationController's: the same controller over core/v1 with a map selector). It creates
// pods from the template with a controller reference, deletes the surplus (the least far along
// first), adopts orphans its selector matches, and writes status: replicas,
// fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controlplane/client/api_client.h"
#include "controlplane/client/event_recorder.h"
#include "controlplane/client/informer.h"
#include "controlplane/controllers/expectations.h"
#include "controlplane/controllers/reconciler.h"

namespace xebec::controllers {

class ReplicaSetController {
 public:
  // `owners`: an informer of replicasets (apps/v1) or replicationcontrollers (v1); `pods`: of
  // every pod. Both shared with other controllers, started by the caller; they, the client and
  // the recorder (which tells of each pod created and deleted) must outlive this.
  ReplicaSetController(client::ApiClient& client, client::Informer& owners, client::Informer& pods,
                       const api::ResourceType& type, client::EventRecorder& events);
  void start(int workers) { reconciler_.start(workers); }

  // One reconcile of the owner "namespace/name": what the workers run (public for tests).
  Status sync(const std::string& key);

 private:
  enum class PodChange { kAdded, kUpdated, kDeleted };
  void on_pod(const nlohmann::json& pod, PodChange change);
  // The owners in the pod's namespace whose selector matches it: who may adopt an orphan.
  std::vector<std::string> matching_owners(const nlohmann::json& pod);
  Status scale(const nlohmann::json& owner, const std::string& key, const std::vector<nlohmann::json>& active,
               std::int64_t replicas);
  Status write_status(const nlohmann::json& owner, const std::vector<nlohmann::json>& active);
  std::string source() const;  // what its events say they come from

  client::ApiClient& client_;
  client::Informer& owners_;
  client::Informer& pods_;
  const api::ResourceType& type_;
  client::EventRecorder& events_;
  Expectations expectations_;
  Reconciler reconciler_;  // last: its workers use the rest
};

}  // namespace xebec::controllers
