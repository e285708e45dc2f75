// Reading xebec-cni's fields: MTU, the dataplane instance, the IPAM to use.
#include "cni/plugin/config.h"

#include "cni/spec/fields.h"
#include "dataplane/lb_object.h"

namespace xebec::cni {

Result<PluginConfig> parse_plugin_config(const NetConf& conf) {
  PluginConfig out;
  FieldReader r(conf.raw, "");
  if (auto mtu = r.integer("mtu", 68, 65535)) out.mtu = static_cast<std::uint32_t>(*mtu);
  out.bpf_root = r.string("bpfRoot").value_or(dataplane::kDefaultBpfRoot);
  if (!out.bpf_root.starts_with('/')) r.fail("bpfRoot", "'" + out.bpf_root + "' is not an absolute path");
  const auto* ipam = r.object("ipam");
  if (r.error()) return *r.error();
  if (!ipam)
    return err("ipam: required (e.g. {\"type\": \"xebec-ipam\", \"ranges\": [[{\"subnet\": \"10.244.1.0/24\"}]]})",
               ErrorCode::kInvalid);
  FieldReader i(*ipam, "ipam");
  out.ipam_type = i.string("type").value_or("");
  if (i.error()) return *i.error();
  if (out.ipam_type.empty())
    return err("ipam.type: required (xebec-ipam, or an IPAM plugin in CNI_PATH such as host-local)",
               ErrorCode::kInvalid);
  if (out.ipam_type.find('/') != std::string::npos)
    return err("ipam.type: '" + out.ipam_type + "' is a plugin name, not a path", ErrorCode::kInvalid);
  out.ipam = *ipam;
  return out;
}

}  // namespace xebec::cni
