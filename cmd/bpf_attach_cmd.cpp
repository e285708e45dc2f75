// `xebec bpf attach|detach`: hook the programs onto a pod veth or a node uplink.
#include <iostream>

#include "cmd/bpf_cmd.h"
#include "dataplane/attach.h"
#include "dataplane/instance_lock.h"

namespace xebec::cli {

namespace {

struct AttachFlags {
  std::string pod_iface;
  std::string uplink_iface;
  bool xdp = false;

  dataplane::AttachOptions options() const {
    dataplane::AttachOptions o;
    o.hook = pod_iface.empty() ? dataplane::Hook::kUplink : dataplane::Hook::kPod;
    o.interface = pod_iface.empty() ? uplink_iface : pod_iface;
    o.xdp = xdp;
    return o;
  }
};

void add_interface_flags(CLI::App& cmd, AttachFlags& f) {
  auto* pod = cmd.add_option("--pod-iface", f.pod_iface, "Host-side veth of a pod (tc ingress and egress)");
  auto* uplink = cmd.add_option("--uplink-iface", f.uplink_iface, "A node's uplink (NodePort; tc, or XDP with --xdp)");
  pod->excludes(uplink);
  auto* group = cmd.add_option_group("interface");
  group->add_option(pod);
  group->add_option(uplink);
  group->require_option(1);
}

}  // namespace

void add_attach_commands(CLI::App& bpf, BpfOptions& o, const Run& run) {
  auto flags = std::make_shared<AttachFlags>();

  auto* attach = bpf.add_subcommand("attach", "Attach the load-balancer to an interface of this network namespace");
  add_interface_flags(*attach, *flags);
  attach->add_flag("--xdp", flags->xdp, "Uplink only: run the forward path in XDP instead of tc ingress");
  attach->callback([&o, flags, run] {
    run([&o, flags]() -> Status {
      auto object = dataplane::LbObject::open(o.bpf_root, dataplane::LbObject::Mode::kLoadPrograms, o.sizes);
      if (!object) return object.error();
      auto lock = dataplane::InstanceLock::acquire(o.bpf_root);
      if (!lock) return lock.error();
      auto opts = flags->options();
      if (auto ok = dataplane::attach(**object, opts); !ok) return ok;
      std::cout << "attached to " << opts.interface << (opts.xdp ? " (xdp)" : " (tc)") << '\n';
      return {};
    });
  });

  auto* detach = bpf.add_subcommand("detach", "Detach the load-balancer from an interface");
  add_interface_flags(*detach, *flags);
  detach->callback([&o, flags, run] {
    run([&o, flags]() -> Status {
      auto object = dataplane::LbObject::open(o.bpf_root, dataplane::LbObject::Mode::kPinnedMaps);
      if (!object) return object.error();
      auto lock = dataplane::InstanceLock::acquire(o.bpf_root);
      if (!lock) return lock.error();
      auto opts = flags->options();
      if (auto ok = dataplane::detach(**object, opts); !ok) return ok;
      std::cout << "detached from " << opts.interface << '\n';
      return {};
    });
  });
}

void add_output_option(CLI::App& cmd, BpfOptions& o) {
  cmd.add_option("-o,--output", o.output, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
}

}  // namespace xebec::cli
