// The fixture's scratch state: namespaces, dataplane, IPAM directory, and plugin runs in it.
#include "tests/cni/cni_fixture.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace xebec::testing {

std::string pod_ip(const nlohmann::json& result) {
  auto a = result["ips"][0]["address"].get<std::string>();
  return a.substr(0, a.find('/'));
}

CniFixture::CniFixture(const std::string& tag)
    : tag_(tag),
      node_(std::make_unique<Namespace>("xebec-" + tag + "-node")),
      dataplane_(std::make_unique<BpfInstance>(tag)),
      data_dir_("/tmp/xebec-" + tag + "-ipam-" + std::to_string(getpid())) {}

CniFixture::~CniFixture() {
  pods_.clear();
  node_.reset();  // takes the host sides (and background deletions' leftovers) with it
  std::error_code ec;
  std::filesystem::remove_all(data_dir_, ec);
}

std::string CniFixture::add_pod_namespace() {
  auto name = "xebec-" + tag_ + "-p" + std::to_string(pods_.size() + 1);
  pods_.push_back(std::make_unique<Namespace>(name));
  return name;
}

void CniFixture::remove_pod_namespace(const std::string& name) {
  std::erase_if(pods_, [&](const auto& p) { return p->name() == name; });
}

nlohmann::json CniFixture::config(const std::string& version, const std::string& subnet,
                                  const nlohmann::json& extra) const {
  nlohmann::json c = {{"cniVersion", version},
                      {"name", "pods"},
                      {"type", "xebec-cni"},
                      {"bpfRoot", dataplane_->root()},
                      {"ipam", {{"type", "xebec-ipam"}, {"dataDir", data_dir_}, {"ranges", {{{{"subnet", subnet}}}}}}}};
  c.merge_patch(extra);
  return c;
}

PluginRun CniFixture::cni(const std::string& command, const std::string& id, const std::string& pod,
                          const nlohmann::json& config, const std::map<std::string, std::string>& more_env) const {
  std::map<std::string, std::string> env = {
      {"CNI_COMMAND", command},
      {"CNI_CONTAINERID", id},
      {"CNI_NETNS", pod.empty() ? "" : "/run/netns/" + pod},
      {"CNI_IFNAME", "eth0"},
      {"CNI_PATH", std::filesystem::path(XEBEC_CNI_BIN).parent_path().string() + ":/usr/lib/cni"}};
  for (const auto& [k, v] : more_env) env[k] = v;
  std::erase_if(env, [](const auto& kv) { return kv.second == "<unset>"; });
  return run_plugin(XEBEC_CNI_BIN, node(), env, config.dump());
}

std::vector<std::string> CniFixture::reserved(const std::string& network) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(data_dir_ + "/" + network, ec)) {
    auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789.") == std::string::npos) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> CniFixture::host_links() const {
  std::vector<std::string> out;
  auto links = run_command({"ip", "-o", "link", "show"}, node());
  std::size_t at = 0;
  while ((at = links.output.find(": xeb", at)) != std::string::npos) {
    auto end = links.output.find_first_of("@:", at + 2);
    out.push_back(links.output.substr(at + 2, end - at - 2));
    at = end;
  }
  return out;
}

}  // namespace xebec::testing
