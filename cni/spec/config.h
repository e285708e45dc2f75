// A plugin's network configuration as the runtime passes it on stdin: the spec's well-known
// fields, read and checked; the plugin's own fields stay in `raw` for it to read.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/spec/invocation.h"
#include "cni/spec/result.h"
#include "cni/spec/version.h"
#include "common/result.h"

namespace xebec::cni {

// One container's interface on a network: what GC is told to keep.
struct Attachment {
  std::string container_id;
  std::string ifname;
  auto operator<=>(const Attachment&) const = default;
};

struct NetConf {
  Version version = kLatestVersion;
  std::string name;  // the network's name
  std::string type;  // the plugin's executable name
  Dns dns;
  std::optional<CniResult> prev_result;       // set when chained after another plugin (or on CHECK/DEL)
  std::vector<Attachment> valid_attachments;  // GC: cni.dev/valid-attachments (or cni.dev/attachments)
  nlohmann::json raw;                         // the whole configuration as given
};

// Reads stdin's configuration for `command`. Errors, by the code they are reported with:
// kBadRequest when the text is not a JSON object (6); kNotFound when cniVersion is one Xebec
// does not speak, or older than the command (1); kInvalid when a well-known field is missing
// or wrong, naming it (7).
Result<NetConf> parse_netconf(std::string_view text, Command command);

// The network name rule of the spec: a letter or digit, then letters, digits, '_', '.', '-'.
Status validate_network_name(std::string_view name);

}  // namespace xebec::cni
