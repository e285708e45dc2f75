// NamespaceController: empties a namespace being deleted, then lets it go. For each Namespace
// with a deletionTimestamp and the "kubernetes" finalizer in spec.finalizers, it deletes every
// object of every namespaced type in it (propagation Background), says on the namespace's
// status conditions what is left and why (NamespaceContentRemaining, NamespaceFinalizersRemaining,
// NamespaceDeletionContentFailure, as Kubernetes does), looks again shortly while objects held by
// finalizers linger, and once nothing is left removes "kubernetes" through the namespace's
// finalize subresource: the apiserver then erases the namespace.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "controlplane/client/api_client.h"
#include "controlplane/client/informer.h"
#include "controlplane/controllers/reconciler.h"

namespace xebec::controllers {

class NamespaceController {
 public:
  // `namespaces`: an informer of namespaces, shared and started by the caller; it and the client
  // must outlive this.
  NamespaceController(client::ApiClient& client, client::Informer& namespaces);
  void start(int workers) { reconciler_.start(workers); }

  // One reconcile of the namespace named `key` (public for tests): reads it from the apiserver,
  // not from the cache, which may not show yet a deletion or a finalize just made.
  Status sync(const std::string& key);

 private:
  // What deleting a namespace's content left, per resource and per finalizer, and what failed.
  struct Content;
  Content delete_content(const std::string& ns);
  // The namespace's status with its deletion conditions set from `content`.
  static nlohmann::json status_for(const nlohmann::json& ns, const Content& content);

  client::ApiClient& client_;
  client::Informer& namespaces_;
  Reconciler reconciler_;  // last: its workers use the rest
};

}  // namespace xebec::controllers
