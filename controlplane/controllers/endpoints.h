// EndpointsController: for each Service with a selector, an Endpoints object of the same name
// listing the pods the selector picks that have an IP: ready ones under addresses, the others
// under notReadyAddresses (all under addresses with publishNotReadyAddresses), with the service's
// ports resolved against each pod (a named targetPort is the pod's container port of that name).
// A Service without a selector keeps whatever Endpoints its user writes; a deleted Service's
// Endpoints are deleted with it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controlplane/client/api_client.h"
#include "controlplane/client/informer.h"
#include "controlplane/controllers/reconciler.h"

namespace xebec::controllers {

class EndpointsController {
 public:
  // Informers of services, pods and endpoints, shared and started by the caller; they and the
  // client must outlive this.
  EndpointsController(client::ApiClient& client, client::Informer& services, client::Informer& pods,
                      client::Informer& endpoints);
  void start(int workers) { reconciler_.start(workers); }

  // One reconcile of the Service "namespace/name" (public for tests).
  Status sync(const std::string& key);

  // The subsets the Service's selected pods make (exposed for table tests).
  static nlohmann::json subsets(const nlohmann::json& service, const std::vector<client::ObjectPtr>& pods);

 private:
  void on_pod(const nlohmann::json& pod);

  client::ApiClient& client_;
  client::Informer& services_;
  client::Informer& pods_;
  client::Informer& endpoints_;
  Reconciler reconciler_;  // last: its workers use the rest
};

}  // namespace xebec::controllers
