// HttpsApiClient: the ApiClient of xebec's components (scheduler, controller-manager, agent):
// HTTP/1.1 over TLS to the apiserver a kubeconfig names, with a pool of kept-alive connections
// shared by the calling threads and a connection and thread of its own for each watch.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "controlplane/client/kubeconfig.h"
#include "controlplane/client/rest_client.h"

namespace xebec::client {

struct HttpsOptions {
  // Requests in flight at once, one per connection; a caller beyond waits for a connection to
  // come free. Watches have connections of their own, outside this count.
  std::size_t max_connections = 16;
  // TCP connect and TLS handshake of a new connection.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  // One request, from waiting for a connection to reading the whole answer (for a watch: its head).
  std::chrono::milliseconds request_timeout = std::chrono::seconds(60);
  // An idle connection older than this is closed rather than reused: the apiserver closes
  // idle connections after 60 s, and a request must not race that.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);
};

class HttpsTransport;

// Thread-safe: callers share the pool; each request has a connection to itself. Calls block
// the calling thread (running that connection's I/O on it) for at most request_timeout. A
// dropped connection is replaced by a new one; a request it took is sent again on the new
// one when the server cannot have acted on it, or when it is a GET, PUT or DELETE, which the
// server may see twice.
//
// Each watch reads its stream on a thread of its own, which calls its sink; destroying the
// handle interrupts that thread's read and joins it, so it returns at once.
class HttpsApiClient final : public RestClient {
 public:
  // Loads the CA; connects on the first request. Errors: a CA that is not PEM certificates.
  static Result<std::unique_ptr<HttpsApiClient>> for_cluster(const ClusterAccess& access, HttpsOptions options = {});
  // The same, for the current context of the kubeconfig at `path` (a component's --kubeconfig).
  static Result<std::unique_ptr<HttpsApiClient>> from_kubeconfig(const std::string& path, HttpsOptions options = {});

  // How many connections it has opened so far, watches' included (for tests of keep-alive
  // and reconnection).
  std::size_t connections_opened() const;

 private:
  HttpsApiClient(std::unique_ptr<Transport> owned, const HttpsTransport& transport);
  const HttpsTransport& transport_;  // `owned`, held by RestClient
};

}  // namespace xebec::client
