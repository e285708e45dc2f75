// The admin kubeconfig: how kubectl reaches this apiserver (URL, CA) and who it is there (token).
#pragma once

#include <cstdint>
#include <string>

#include "controlplane/server/tls.h"
#include "common/result.h"

namespace xebec::server {

// Writes DATA_DIR/admin.kubeconfig (mode 0600, replaced atomically) and returns its path: a
// cluster "xebec" at https://HOST:PORT trusting the CA in `tls.ca_cert` (embedded as
// certificate-authority-data), a user "admin" with `token`, and a context "xebec" joining
// the two, selected as current-context. kubectl uses it as it is: kubectl --kubeconfig PATH ...
// `host` is a name or an IP address (IPv6 without brackets) that the serving certificate covers.
Result<std::string> write_admin_kubeconfig(const std::string& data_dir, const std::string& host, std::uint16_t port,
                                           const TlsFiles& tls, const std::string& token);

}  // namespace xebec::server
