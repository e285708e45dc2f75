// tc (clsact) and XDP attachment through libbpf's netlink helpers.
#include "dataplane/attach.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "dataplane/map_io.h"
#include "lb.skel.h"

namespace xebec::dataplane {

namespace {

// Our filters' identity on each clsact hook; a later attach replaces exactly these.
constexpr __u32 kTcHandle = 0x58eb;  // "xeb"
constexpr __u32 kTcPriority = 1;

Result<int> ifindex_of(const std::string& name) {
  unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0)
    return err("interface '" + name + "' not found in this network namespace (ip link shows the interfaces)");
  return static_cast<int>(idx);
}

std::string where(const std::string& ifname, bpf_tc_attach_point point) {
  return ifname + (point == BPF_TC_INGRESS ? " ingress" : " egress");
}

std::string program_name(int prog_fd) {
  struct bpf_prog_info info {};
  __u32 len = sizeof info;
  return bpf_obj_get_info_by_fd(prog_fd, &info, &len) == 0 ? info.name : "program";
}

Status tc_attach(int ifindex, const std::string& ifname, bpf_tc_attach_point point, int prog_fd) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
  int e = bpf_tc_hook_create(&hook);  // the clsact qdisc, shared by both directions
  if (e && e != -EEXIST) return err("cannot add clsact qdisc on " + ifname + ": " + strerror(-e));
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE, .handle = kTcHandle,
              .priority = kTcPriority);
  e = bpf_tc_attach(&hook, &opts);
  if (e)
    return err("cannot attach " + program_name(prog_fd) + " to " + where(ifname, point) + ": " + strerror(-e) +
               take_libbpf_messages());
  return {};
}

// Whether our filter on the hook runs exactly the program behind prog_fd.
Status tc_check(int ifindex, const std::string& ifname, bpf_tc_attach_point point, int prog_fd) {
  struct bpf_prog_info info {};
  __u32 len = sizeof info;
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) return err("cannot read the pinned program's id");
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
  LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
  if (int e = bpf_tc_query(&hook, &opts); e != 0)
    return err(std::string(info.name) + " is not attached to " + where(ifname, point) + " (" + strerror(-e) + ")");
  if (opts.prog_id != info.id)
    return err(where(ifname, point) + " runs program id " + std::to_string(opts.prog_id) + ", not " + info.name +
               " (id " + std::to_string(info.id) + ")");
  return {};
}

Status tc_detach(int ifindex, const std::string& ifname, bpf_tc_attach_point point) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
  LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
  int e = bpf_tc_detach(&hook, &opts);
  if (e && e != -ENOENT && e != -EINVAL) return err("cannot detach from " + where(ifname, point) + ": " + strerror(-e));
  return {};
}

// Removes the interface's XDP program if it is ours; another one is left alone.
Status xdp_detach_ours(int ifindex, const std::string& ifname) {
  __u32 prog_id = 0;
  if (bpf_xdp_query_id(ifindex, 0, &prog_id) != 0 || prog_id == 0) return {};
  int fd = bpf_prog_get_fd_by_id(prog_id);
  if (fd < 0) return {};
  struct bpf_prog_info info {};
  __u32 len = sizeof info;
  bool ours = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && std::string(info.name) == "xdp_uplink";
  close(fd);
  if (!ours) return {};
  if (int e = bpf_xdp_detach(ifindex, 0, nullptr); e != 0)
    return err("cannot detach XDP from " + ifname + ": " + strerror(-e));
  return {};
}

std::vector<__be32> ipv4_addresses(const std::string& ifname) {
  std::vector<__be32> out;
  struct ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (auto* a = list; a; a = a->ifa_next)
    if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET && ifname == a->ifa_name)
      out.push_back(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr);
  freeifaddrs(list);
  return out;
}

Status set_node_addresses(const LbObject& object, int ifindex, const std::string& ifname, bool add) {
  const struct bpf_map* map = object.skel()->maps.lb4_node_addrs;
  auto current = dump_map<__be32, __u32>(map);
  if (!current) return current.error();
  std::vector<__be32> stale;
  for (const auto& [addr, idx] : *current)
    if (static_cast<int>(idx) == ifindex) stale.push_back(addr);
  if (auto ok = delete_batch(map, stale, "forget node addresses of " + ifname); !ok) return ok;
  if (!add) return {};
  auto addrs = ipv4_addresses(ifname);
  if (addrs.empty()) return err("uplink " + ifname + " has no IPv4 address to serve NodePorts on");
  std::vector<__u32> owners(addrs.size(), static_cast<__u32>(ifindex));
  return update_batch(map, addrs, owners, "record node addresses of " + ifname);
}

}  // namespace

Status attach(const LbObject& object, const AttachOptions& o) {
  take_libbpf_messages();  // only what this attach provokes belongs in its errors
  auto ifindex = ifindex_of(o.interface);
  if (!ifindex) return ifindex.error();
  const auto& progs = object.skel()->progs;
  if (o.hook == Hook::kPod) {
    if (o.xdp) return err("--xdp applies to --uplink-iface only: pod veths use tc in both directions");
    auto programs = PodPrograms::from_object(object);
    if (!programs) return programs.error();
    return attach_pod(*programs, *ifindex, o.interface);
  }
  if (auto ok = set_node_addresses(object, *ifindex, o.interface, true); !ok) return ok;
  if (auto ok = tc_attach(*ifindex, o.interface, BPF_TC_EGRESS, bpf_program__fd(progs.to_uplink)); !ok) return ok;
  if (!o.xdp) {
    if (auto ok = tc_attach(*ifindex, o.interface, BPF_TC_INGRESS, bpf_program__fd(progs.from_uplink)); !ok) return ok;
    return xdp_detach_ours(*ifindex, o.interface);  // moving back from XDP to tc
  }
  if (int e = bpf_xdp_attach(*ifindex, bpf_program__fd(progs.xdp_uplink), 0, nullptr); e != 0)
    return err("cannot attach XDP to " + o.interface + ": " + strerror(-e) +
               " (without --xdp the same path runs in tc)" + take_libbpf_messages());
  return tc_detach(*ifindex, o.interface, BPF_TC_INGRESS);
}

Status attach_pod(const PodPrograms& programs, int ifindex, const std::string& ifname) {
  take_libbpf_messages();
  if (auto ok = tc_attach(ifindex, ifname, BPF_TC_INGRESS, programs.from_pod()); !ok) return ok;
  return tc_attach(ifindex, ifname, BPF_TC_EGRESS, programs.to_pod());
}

Status check_pod_attached(const PodPrograms& programs, int ifindex, const std::string& ifname) {
  take_libbpf_messages();
  if (auto ok = tc_check(ifindex, ifname, BPF_TC_INGRESS, programs.from_pod()); !ok) return ok;
  return tc_check(ifindex, ifname, BPF_TC_EGRESS, programs.to_pod());
}

Status detach(const LbObject& object, const AttachOptions& o) {
  auto ifindex = ifindex_of(o.interface);
  if (!ifindex) return ifindex.error();
  if (auto ok = tc_detach(*ifindex, o.interface, BPF_TC_INGRESS); !ok) return ok;
  if (auto ok = tc_detach(*ifindex, o.interface, BPF_TC_EGRESS); !ok) return ok;
  if (o.hook == Hook::kPod) return {};
  if (auto ok = xdp_detach_ours(*ifindex, o.interface); !ok) return ok;
  return set_node_addresses(object, *ifindex, o.interface, false);
}

}  // namespace xebec::dataplane
