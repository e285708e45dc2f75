// Reading a kubeconfig: where the current context's apiserver is, which CA its certificate
// chains to, and the bearer token to present (what `xebec scheduler --kubeconfig FILE` needs).
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace xebec::client {

struct ClusterAccess {
  std::string server;      // the cluster's server URL as written: "https://127.0.0.1:6443"
  std::string host;        // its host: a name or an IP address (IPv6 without brackets)
  std::uint16_t port = 0;  // its port (443 when the URL gives none)
  std::string ca_pem;      // PEM certificate(s) the server's certificate must chain to
  std::string token;       // the bearer token
};

// The current context's cluster and user in the kubeconfig at `path`. The CA comes from
// certificate-authority-data (base64) or the file certificate-authority names; the token from
// token or the file tokenFile names (relative file names are relative to the kubeconfig's
// directory, as kubectl reads them). Only https servers with a CA and a bearer token are
// supported. Errors name the file and what is missing or wrong in it.
Result<ClusterAccess> load_kubeconfig(const std::string& path);

}  // namespace xebec::client
