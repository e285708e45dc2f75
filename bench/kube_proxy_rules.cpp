// Rendering of kube-proxy's nat-table iptables-restore input, rule for rule as
// pkg/proxy/iptables/proxier.go writes it for ClusterIP services with --cluster-cidr set.
#include "bench/kube_proxy_rules.h"

#include <openssl/sha.h>

#include <cstdio>

namespace xebec::bench {

namespace {

constexpr std::size_t kLargeClusterEndpointsThreshold = 1000;  // proxier.go: largeClusterMode

// base32.StdEncoding of the first 10 bytes of SHA-256 = the 16 characters kube-proxy keeps.
std::string hash16(const std::string& input) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  std::string out;
  for (int group = 0; group < 2; ++group) {  // 2 × 5 bytes → 2 × 8 characters
    std::uint64_t bits = 0;
    for (int i = 0; i < 5; ++i) bits = bits << 8 | digest[group * 5 + i];
    for (int i = 7; i >= 0; --i) out += kAlphabet[(bits >> (i * 5)) & 31];
  }
  return out;
}

std::string ip_of(const std::string& endpoint) { return endpoint.substr(0, endpoint.rfind(':')); }

}  // namespace

std::string kube_svc_chain(const std::string& port_name, const std::string& protocol) {
  return "KUBE-SVC-" + hash16(port_name + protocol);
}

std::string kube_sep_chain(const std::string& port_name, const std::string& protocol, const std::string& endpoint) {
  return "KUBE-SEP-" + hash16(port_name + protocol + endpoint);
}

KubeProxyRules kube_proxy_nat_rules(const std::vector<BenchService>& services, Comments comments) {
  std::size_t endpoint_count = 0;
  for (const auto& s : services) endpoint_count += s.endpoints.size();
  // appendServiceCommentLocked: no per-service comments in large-cluster mode.
  const bool service_comments = comments == Comments::kAll ||
                                (comments == Comments::kAsKubeProxy && endpoint_count <= kLargeClusterEndpointsThreshold);
  const bool fixed_comments = comments != Comments::kNone;  // the ones kube-proxy always writes

  KubeProxyRules out;
  std::string chains = "*nat\n";
  std::string rules;
  chains.reserve(services.size() * 40 + endpoint_count * 40);
  rules.reserve(services.size() * 400 + endpoint_count * 250);
  auto chain = [&](const std::string& name) {
    chains += ":" + name + " - [0:0]\n";
    out.chains++;
  };
  auto rule = [&](const std::string& text) {
    rules += "-A " + text + "\n";
    out.rules++;
  };
  auto comment = [](bool on, const std::string& text) {
    if (!on) return std::string();
    return "-m comment --comment " + (text.find(' ') == std::string::npos ? text : "\"" + text + "\"") + " ";
  };

  for (const char* name : {"KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"}) chain(name);
  // Added by kube-proxy with `iptables -I` (ensureRule), not in its restore input.
  rule("PREROUTING " + comment(fixed_comments, "kubernetes service portals") + "-j KUBE-SERVICES");
  rule("OUTPUT " + comment(fixed_comments, "kubernetes service portals") + "-j KUBE-SERVICES");
  rule("POSTROUTING " + comment(fixed_comments, "kubernetes postrouting rules") + "-j KUBE-POSTROUTING");
  // The restore input proper.
  rule("KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN");
  rule("KUBE-POSTROUTING -j MARK --xor-mark 0x4000");
  rule("KUBE-POSTROUTING " + comment(fixed_comments, "kubernetes service traffic requiring SNAT") +
       "-j MASQUERADE --random-fully");
  rule("KUBE-MARK-MASQ -j MARK --or-mark 0x4000");

  for (const auto& s : services) {
    const std::string svc_chain = kube_svc_chain(s.port_name, "tcp");
    const std::string match = "-m tcp -p tcp -d " + s.vip + " --dport " + std::to_string(s.port);
    const std::string cluster_ip = comment(fixed_comments, s.port_name + " cluster IP");
    chain(svc_chain);
    rule("KUBE-SERVICES " + cluster_ip + match + " -j " + svc_chain);
    rule(svc_chain + " " + cluster_ip + match + " ! -s " + kClusterCidr + " -j KUBE-MARK-MASQ");
    const std::size_t n = s.endpoints.size();
    for (std::size_t i = 0; i < n; ++i) {
      const std::string sep_chain = kube_sep_chain(s.port_name, "tcp", s.endpoints[i]);
      std::string jump = svc_chain + " " + comment(service_comments, s.port_name + " -> " + s.endpoints[i]);
      if (i + 1 < n) {
        char probability[32];
        std::snprintf(probability, sizeof probability, "%0.10f", 1.0 / static_cast<double>(n - i));
        jump += std::string("-m statistic --mode random --probability ") + probability + " ";
      }
      rule(jump + "-j " + sep_chain);
    }
    for (const auto& ep : s.endpoints) {
      const std::string sep_chain = kube_sep_chain(s.port_name, "tcp", ep);
      const std::string sep_comment = comment(service_comments, s.port_name);
      chain(sep_chain);
      rule(sep_chain + " " + sep_comment + "-s " + ip_of(ep) + " -j KUBE-MARK-MASQ");
      rule(sep_chain + " " + sep_comment + "-m tcp -p tcp -j DNAT --to-destination " + ep);
    }
  }
  rule("KUBE-SERVICES " +
       comment(fixed_comments, "kubernetes service nodeports; NOTE: this must be the last rule in this chain") +
       "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS");

  out.text = std::move(chains);
  out.text += rules;
  out.text += "COMMIT\n";
  return out;
}

}  // namespace xebec::bench
