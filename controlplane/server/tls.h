// The apiserver's TLS material: a self-signed CA and a serving certificate signed by it, made
// once under DATA_DIR/pki/ and reused on later starts.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace xebec::server {

// Paths of the PEM files under DATA_DIR/pki/. The keys are mode 0600.
struct TlsFiles {
  std::string ca_cert;      // ca.crt: what clients trust (goes into kubeconfigs)
  std::string ca_key;       // ca.key
  std::string server_cert;  // server.crt: the apiserver's serving certificate
  std::string server_key;   // server.key
};

// Makes sure DATA_DIR/pki/ holds a CA (EC P-256, CA:TRUE, keyCertSign, valid 10 years) and a
// serving certificate it signed (EC P-256, serverAuth, valid one year) whose subjectAltNames
// cover every entry of `hosts` plus 127.0.0.1 and localhost (IP literals, v4 or v6, become IP
// SANs, anything else a DNS SAN; "*.example.com" wildcards are allowed).
//
// On a later start the CA is reused as it is; the serving pair is reused unless it is unreadable,
// not signed by the CA, expires within 30 days or lacks a requested host, in which case a new
// one is made (for exactly the requested hosts). A CA that is unreadable, expired or half
// present is an error: making a new one would silently invalidate every client's trust.
Result<TlsFiles> ensure_tls(const std::string& data_dir, const std::vector<std::string>& hosts);

}  // namespace xebec::server
