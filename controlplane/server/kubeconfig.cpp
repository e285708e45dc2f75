// Writes the admin kubeconfig with yaml-cpp (see kubeconfig.h).
#include "controlplane/server/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include "common/base64.h"
#include "controlplane/server/auth.h"
#include "controlplane/server/files.h"

namespace xebec::server {

Result<std::string> write_admin_kubeconfig(const std::string& data_dir, const std::string& host, std::uint16_t port,
                                           const TlsFiles& tls, const std::string& token) {
  auto ca = read_file(tls.ca_cert);
  if (!ca) return ca.error();
  std::string url_host = host.find(':') == std::string::npos ? host : "[" + host + "]";

  YAML::Node cluster;
  cluster["name"] = "xebec";
  cluster["cluster"]["server"] = "https://" + url_host + ":" + std::to_string(port);
  cluster["cluster"]["certificate-authority-data"] = base64_encode(*ca);
  YAML::Node user;
  user["name"] = std::string(kAdminUser);
  user["user"]["token"] = token;
  YAML::Node context;
  context["name"] = "xebec";
  context["context"]["cluster"] = "xebec";
  context["context"]["user"] = std::string(kAdminUser);

  YAML::Node config;
  config["apiVersion"] = "v1";
  config["kind"] = "Config";
  config["clusters"].push_back(cluster);
  config["users"].push_back(user);
  config["contexts"].push_back(context);
  config["current-context"] = "xebec";

  std::string path = data_dir + "/admin.kubeconfig";
  if (auto s = write_file_atomic(path, YAML::Dump(config) + "\n", 0600); !s) return s.error();
  return path;
}

}  // namespace xebec::server
