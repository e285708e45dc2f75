// The iptables-restore input kube-proxy's iptables mode writes for the nat table
// (pkg/proxy/iptables/proxier.go, syncProxyRules), for the benchmark's services: the
// baseline Xebec's programming speed is compared with.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bench/workload.h"

namespace xebec::bench {

struct KubeProxyRules {
  std::string text;        // "*nat\n:KUBE-SERVICES - [0:0]\n...COMMIT\n"
  std::size_t chains = 0;  // chain declarations (":NAME - [0:0]" lines)
  std::size_t rules = 0;   // "-A" lines
};

enum class Comments {
  kAsKubeProxy,  // kube-proxy's choice: per-endpoint comments dropped above 1000 endpoints
  kNone,
  kAll,
};

// KUBE-SERVICES (one ClusterIP jump per service, then the NodePorts jump), KUBE-MARK-MASQ,
// KUBE-POSTROUTING, KUBE-NODEPORTS; per service a KUBE-SVC-* chain (mark-masq for traffic
// from outside the cluster CIDR, then `-m statistic --mode random --probability 1/(B-i)`
// jumps), per endpoint a KUBE-SEP-* chain (hairpin mark-masq, DNAT). Chain names are
// kube-proxy's: "KUBE-SVC-"/"KUBE-SEP-" + the first 16 base32 characters of a SHA-256.
// The jumps from the built-in PREROUTING/OUTPUT/POSTROUTING chains, which kube-proxy adds
// with separate `iptables -I` calls, are included so the file is complete on its own.
KubeProxyRules kube_proxy_nat_rules(const std::vector<BenchService>& services, Comments comments);

// kube-proxy's chain-name hashes (exposed for a self-check against known names).
std::string kube_svc_chain(const std::string& port_name, const std::string& protocol);
std::string kube_sep_chain(const std::string& port_name, const std::string& protocol, const std::string& endpoint);

}  // namespace xebec::bench
