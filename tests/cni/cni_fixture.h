// The stage for driving CNI plugin executables as a runtime would: a node namespace the
// plugins run in, pod namespaces, a dataplane instance and an IPAM data directory, all removed
// when the test ends, pass or fail.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/bpf_instance.h"
#include "tests/support/cni_plugin.h"
#include "tests/support/netns.h"

namespace xebec::testing {

// The pod's address in an ADD result: "10.244.1.2/32" → "10.244.1.2".
std::string pod_ip(const nlohmann::json& result);

class CniFixture {
 public:
  // `tag` makes the names unique to the test file ("xebec-<tag>-node" and so on).
  explicit CniFixture(const std::string& tag);
  ~CniFixture();

  const std::string& node() const { return node_->name(); }
  const std::string& data_dir() const { return data_dir_; }
  BpfInstance& dataplane() { return *dataplane_; }

  // A new pod namespace ("xebec-<tag>-p<N>"), owned by the fixture; returns its name.
  std::string add_pod_namespace();
  // Deletes a pod namespace before the fixture ends (a pod whose sandbox is gone).
  void remove_pod_namespace(const std::string& name);

  // The network configuration xebec-cni gets: xebec-ipam over `subnet`, this fixture's
  // dataplane and data directory; `extra` fields are merged over it.
  nlohmann::json config(const std::string& version = "1.1.0", const std::string& subnet = "10.244.1.0/24",
                        const nlohmann::json& extra = nlohmann::json::object()) const;

  // One command of xebec-cni for container `id` in pod namespace `pod` (a name under
  // /run/netns, or "" for no CNI_NETNS), run in the node namespace.
  PluginRun cni(const std::string& command, const std::string& id, const std::string& pod, const nlohmann::json& config,
                const std::map<std::string, std::string>& more_env = {}) const;

  // Addresses IPAM holds for the network, from its files on disk.
  std::vector<std::string> reserved(const std::string& network = "pods") const;
  // Links of the node namespace whose names start with "xeb".
  std::vector<std::string> host_links() const;

 private:
  std::string tag_;
  std::unique_ptr<Namespace> node_;
  std::vector<std::unique_ptr<Namespace>> pods_;
  std::unique_ptr<BpfInstance> dataplane_;
  std::string data_dir_;
};

}  // namespace xebec::testing
