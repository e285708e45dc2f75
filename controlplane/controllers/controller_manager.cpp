#include "controlplane/controllers/controller_manager.h"

namespace xebec::controllers {

namespace {

const api::ResourceType& type(const char* group, const char* resource) {
  return *api::find_resource(group, "v1", resource);
}

}  // namespace

ControllerManager::ControllerManager(client::ApiClient& client, ControllerManagerOptions options)
    : options_(options),
      events_(client, "controller-manager"),
      pods_(client, type("", "pods")),
      services_(client, type("", "services")),
      endpoints_(client, type("", "endpoints")),
      replica_sets_(client, type("apps", "replicasets")),
      replication_controllers_(client, type("", "replicationcontrollers")),
      deployments_(client, type("apps", "deployments")),
      nodes_(client, type("", "nodes")),
      namespaces_(client, type("", "namespaces")),
      replica_set_(client, replica_sets_, pods_, type("apps", "replicasets"), events_),
      replication_controller_(client, replication_controllers_, pods_, type("", "replicationcontrollers"), events_),
      endpoints_controller_(client, services_, pods_, endpoints_),
      deployment_(client, deployments_, replica_sets_, pods_, events_),
      node_lifecycle_(client, nodes_, pods_, options.node_lifecycle),
      namespace_(client, namespaces_),
      // Every type whose objects may have owners.
      garbage_collector_(client, {&pods_, &services_, &endpoints_, &replica_sets_, &replication_controllers_,
                                  &deployments_, &nodes_}) {}

ControllerManager::~ControllerManager() {
  for (auto* informer : informers()) informer->stop();
}

std::vector<client::Informer*> ControllerManager::informers() {
  return {&pods_, &services_, &endpoints_, &replica_sets_, &replication_controllers_, &deployments_, &nodes_,
          &namespaces_};
}

void ControllerManager::start() {
  for (auto* informer : informers()) informer->start();
  replica_set_.start(options_.workers);
  replication_controller_.start(options_.workers);
  endpoints_controller_.start(options_.workers);
  deployment_.start(options_.workers);
  node_lifecycle_.start(options_.workers);
  namespace_.start(options_.workers);
  garbage_collector_.start(options_.workers);
}

bool ControllerManager::wait_for_sync(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto* informer : informers()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!informer->wait_for_sync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

}  // namespace xebec::controllers
