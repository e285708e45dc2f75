// InProcessApiClient: an apiserver in memory for unit tests of controllers and the scheduler. A
// MemoryStore, the real ApiHandler over it, and an ApiClient that hands each request straight to
// the handler: the requests HttpsApiClient would send, without sockets. Tests so get the
// apiserver's own defaults, validation, resourceVersions, conflicts and 410s.
#pragma once

#include "controlplane/apiserver/api_handler.h"
#include "controlplane/client/rest_client.h"
#include "controlplane/store/memory_store.h"

namespace xebec::client {

namespace detail {
// The server half, a base class so that it is made before, and destroyed after, the client half.
struct InMemoryApiserver {
  explicit InMemoryApiserver(apiserver::ApiHandlerOptions options) : handler(store, options) {}
  store::MemoryStore store;
  apiserver::ApiHandler handler;  // over store
};
}  // namespace detail

// Thread-safe, like the handler. A watch's events reach its sink from a thread of the watch's
// own, as over HTTPS; its handle must go before the client.
class InProcessApiClient final : private detail::InMemoryApiserver, public RestClient {
 public:
  // With the namespaces every cluster has: default, kube-system, kube-public, kube-node-lease.
  explicit InProcessApiClient(apiserver::ApiHandlerOptions options = {});

  // The store under the handler: compact() it to make watches from before get 410 Gone.
  store::MemoryStore& store() { return InMemoryApiserver::store; }
};

}  // namespace xebec::client
