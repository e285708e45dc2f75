// Reads a kubeconfig with yaml-cpp (see kubeconfig.h). yaml-cpp throws: every read stays inside
// load_kubeconfig's try, and lookups check node kinds first so that a malformed file gets a
// message naming the field.
#include "controlplane/client/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base64.h"

namespace xebec::client {
namespace {

Result<std::string> read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return err(path + ": cannot open: " + std::strerror(errno),
               errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnknown);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return err(path + ": cannot read: " + std::strerror(errno));
  return content.str();
}

// The value of scalar `node`, "" when it is absent or not a scalar.
std::string text(const YAML::Node& node) { return node && node.IsScalar() ? node.Scalar() : ""; }

// The entry `section: [{name: NAME, KIND: {...}}]` holds for `name` (its KIND map), or an
// undefined node.
YAML::Node named(const YAML::Node& config, const char* section, const char* kind, const std::string& name) {
  const YAML::Node list = config[section];
  if (!list || !list.IsSequence()) return YAML::Node(YAML::NodeType::Undefined);
  for (const YAML::Node& entry : list)
    if (entry.IsMap() && text(entry["name"]) == name && entry[kind] && entry[kind].IsMap()) return entry[kind];
  return YAML::Node(YAML::NodeType::Undefined);
}

// A file named in the kubeconfig: relative to the kubeconfig's directory.
std::string beside(const std::string& kubeconfig, const std::string& file) {
  const std::filesystem::path p(file);
  if (p.is_absolute()) return file;
  return (std::filesystem::path(kubeconfig).parent_path() / p).string();
}

// "https://HOST[:PORT][/]" into host and port; false for anything else.
bool parse_server(const std::string& url, ClusterAccess& out) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return false;
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  std::string_view port;
  if (rest.starts_with('[')) {  // [IPv6]
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return false;
    out.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return false;
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const auto colon = rest.find(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (out.host.empty() || out.host.find_first_of("/?#@") != std::string::npos) return false;
  if (port.empty()) {
    out.port = 443;
    return true;
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) return false;
  out.port = static_cast<std::uint16_t>(value);
  return true;
}

Result<ClusterAccess> read_config(const std::string& path, const YAML::Node& config) {
  auto fail = [&](const std::string& what) { return err("kubeconfig " + path + ": " + what, ErrorCode::kInvalid); };
  if (!config.IsMap()) return fail("not a kubeconfig (expected a map with clusters, users and contexts)");
  const std::string current = text(config["current-context"]);
  if (current.empty()) return fail("no current-context is set");
  const YAML::Node context = named(config, "contexts", "context", current);
  if (!context) return fail("current-context \"" + current + "\" is not in contexts");
  const std::string cluster_name = text(context["cluster"]);
  const std::string user_name = text(context["user"]);
  if (cluster_name.empty()) return fail("context \"" + current + "\" names no cluster");
  if (user_name.empty()) return fail("context \"" + current + "\" names no user");
  const YAML::Node cluster = named(config, "clusters", "cluster", cluster_name);
  if (!cluster)
    return fail("context \"" + current + "\" names cluster \"" + cluster_name + "\", which is not in clusters");
  const YAML::Node user = named(config, "users", "user", user_name);
  if (!user) return fail("context \"" + current + "\" names user \"" + user_name + "\", which is not in users");

  ClusterAccess access;
  const std::string in_cluster = "cluster \"" + cluster_name + "\"";
  access.server = text(cluster["server"]);
  if (access.server.empty()) return fail(in_cluster + " has no server");
  if (!parse_server(access.server, access))
    return fail(in_cluster + " has server \"" + access.server + "\", which is not an https://HOST[:PORT] URL");

  if (const std::string data = text(cluster["certificate-authority-data"]); !data.empty()) {
    auto pem = base64_decode(data);
    if (!pem) return fail(in_cluster + " has certificate-authority-data that is not base64");
    access.ca_pem = std::move(*pem);
  } else if (const std::string file = text(cluster["certificate-authority"]); !file.empty()) {
    auto pem = read_whole(beside(path, file));
    if (!pem) return fail(in_cluster + " certificate-authority " + pem.error().message);
    access.ca_pem = std::move(*pem);
  } else {
    return fail(in_cluster +
                " has neither certificate-authority-data nor certificate-authority: the apiserver's certificate "
                "must be verified against its CA");
  }

  const std::string in_user = "user \"" + user_name + "\"";
  if (const std::string token = text(user["token"]); !token.empty()) {
    access.token = token;
  } else if (const std::string file = text(user["tokenFile"]); !file.empty()) {
    auto token = read_whole(beside(path, file));
    if (!token) return fail(in_user + " tokenFile " + token.error().message);
    access.token = std::move(*token);
    access.token.erase(access.token.find_last_not_of(" \t\r\n") + 1);  // as client-go: no trailing newline
    if (access.token.empty()) return fail(in_user + " tokenFile " + beside(path, file) + " is empty");
  } else {
    return fail(in_user + " has neither token nor tokenFile: xebec clients authenticate with a bearer token");
  }
  return access;
}

}  // namespace

Result<ClusterAccess> load_kubeconfig(const std::string& path) {
  auto content = read_whole(path);
  if (!content) return err("kubeconfig " + content.error().message, content.error().code);
  try {
    return read_config(path, YAML::Load(*content));
  } catch (const YAML::Exception& e) {
    return err("kubeconfig " + path + ": not valid YAML: " + e.what(), ErrorCode::kInvalid);
  }
}

}  // namespace xebec::client
