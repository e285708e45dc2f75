// xebec-cni's own configuration fields, read from the network configuration:
//   {"type": "xebec-cni", "mtu": 1500, "bpfRoot": "/sys/fs/bpf/xebec/node1",
//    "ipam": {"type": "xebec-ipam", "ranges": [[{"subnet": "10.244.1.0/24"}]]}}
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "cni/spec/config.h"
#include "common/result.h"

namespace xebec::cni {

inline constexpr const char* kInProcessIpam = "xebec-ipam";

struct PluginConfig {
  std::uint32_t mtu = 1500;  // both ends of the pod's veth
  std::string bpf_root;      // the node's dataplane instance (dataplane::kDefaultBpfRoot)
  std::string ipam_type;     // "xebec-ipam" runs in-process; any other is run from CNI_PATH
  nlohmann::json ipam;       // the ipam object as given
};

// kInvalid errors name the field: "mtu: 70000 is out of range [68, 65535]",
// "ipam.type: required (xebec-ipam, or an IPAM plugin in CNI_PATH such as host-local)".
Result<PluginConfig> parse_plugin_config(const NetConf& conf);

}  // namespace xebec::cni
