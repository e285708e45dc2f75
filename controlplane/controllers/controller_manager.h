// ControllerManager: the running component behind `xebec controller-manager`: the shared
// informers (one watch per type for every controller) and the controllers over them.
#pragma once

#include <chrono>
#include <memory>

#include "controlplane/client/api_client.h"
#include "controlplane/client/event_recorder.h"
#include "controlplane/client/informer.h"
#include "controlplane/controllers/deployment.h"
#include "controlplane/controllers/endpoints.h"
#include "controlplane/controllers/garbage_collector.h"
#include "controlplane/controllers/namespace.h"
#include "controlplane/controllers/node_lifecycle.h"
#include "controlplane/controllers/replica_set.h"

namespace xebec::controllers {

struct ControllerManagerOptions {
  int workers = 4;  // per controller
  NodeLifecycleOptions node_lifecycle{};
};

// The client must outlive it. Destroying it stops the informers (no more events), then the
// controllers' workers (which read the informers' caches until they stop).
class ControllerManager {
 public:
  ControllerManager(client::ApiClient& client, ControllerManagerOptions options = {});
  ~ControllerManager();
  ControllerManager(const ControllerManager&) = delete;
  ControllerManager& operator=(const ControllerManager&) = delete;
  void start();
  // Whether every informer holds its first list, at most `timeout` from now.
  bool wait_for_sync(std::chrono::milliseconds timeout);

 private:
  std::vector<client::Informer*> informers();

  const ControllerManagerOptions options_;
  client::EventRecorder events_;
  // Informers before the controllers: the controllers register with them, and go before them.
  client::Informer pods_, services_, endpoints_, replica_sets_, replication_controllers_, deployments_, nodes_, namespaces_;
  ReplicaSetController replica_set_, replication_controller_;
  EndpointsController endpoints_controller_;
  DeploymentController deployment_;
  NodeLifecycleController node_lifecycle_;
  NamespaceController namespace_;
  GarbageCollector garbage_collector_;
};

}  // namespace xebec::controllers
