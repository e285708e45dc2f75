// Creating and removing a pod's routed veth (pod_link.h): one netlink socket in the node's
// namespace, one opened inside the pod's, and no read-backs beyond the two interface indexes.
#include "cni/net/pod_link.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/route/link/veth.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>

#include "cni/net/netlink.h"
#include "cni/net/netns.h"
#include "cni/net/sysctl.h"
#include "cni/net/wiring.h"

namespace xebec::cni {

namespace {

Result<Mac> random_pod_mac() {
  Mac mac;
  if (getrandom(mac.data(), mac.size(), 0) != static_cast<ssize_t>(mac.size()))
    return err(std::string("cannot draw a random MAC for the pod: ") + std::strerror(errno));
  mac[0] = (mac[0] & 0xfe) | 0x02;  // unicast, locally administered
  return mac;
}

// The index of interface `name` in the calling thread's namespace.
Result<int> ifindex_of(const std::string& name, const std::string& where) {
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) {
    int e = errno;
    return err("cannot find " + name + " " + where + ": " + std::strerror(e),
               e == ENODEV ? ErrorCode::kNotFound : ErrorCode::kUnknown);
  }
  return static_cast<int>(index);
}

LinkPtr link_named(const std::string& name) {
  LinkPtr link(allocated(rtnl_link_alloc()));
  rtnl_link_set_name(link.get(), name.c_str());
  return link;
}

// Sets `link` (named by index or by name) up or down.
std::optional<NetlinkFailure> set_link_state(RouteSocket& sock, rtnl_link* link, bool up) {
  up ? rtnl_link_set_flags(link, IFF_UP) : rtnl_link_unset_flags(link, IFF_UP);
  return sock.request([&](nl_sock* s) { return rtnl_link_change(s, link, link, 0); });
}

std::optional<NetlinkFailure> bring_up(RouteSocket& sock, int ifindex) {
  LinkPtr link(allocated(rtnl_link_alloc()));
  rtnl_link_set_ifindex(link.get(), ifindex);
  return set_link_state(sock, link.get(), true);
}

// Deletes link `name`; one that is not there is no failure.
std::optional<NetlinkFailure> delete_link(RouteSocket& sock, const std::string& name) {
  LinkPtr link = link_named(name);
  auto failed = sock.request([&](nl_sock* s) { return rtnl_link_delete(s, link.get()); });
  if (failed && failed->errnum == ENODEV) return std::nullopt;
  return failed;
}

// A main-table IPv4 route to dst/prefixlen out of `ifindex`: via `gateway` when there is
// one, else directly (scope link).
RoutePtr ipv4_route(in_addr dst, unsigned prefixlen, int ifindex, const std::optional<in_addr>& gateway) {
  RoutePtr route(allocated(rtnl_route_alloc()));
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_dst(route.get(), ipv4_address(dst, prefixlen).get());
  rtnl_route_set_scope(route.get(), gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  rtnl_nexthop* nh = allocated(rtnl_route_nh_alloc());
  rtnl_route_nh_set_ifindex(nh, ifindex);
  if (gateway) rtnl_route_nh_set_gateway(nh, ipv4_address(*gateway, 32).get());
  rtnl_route_add_nexthop(route.get(), nh);  // the route owns it from here
  return route;
}

// IPv6 duplicate address detection would hold the interface's addresses back for a second;
// nothing else uses them. Without IPv6 the setting is not there and there is nothing to do.
Status disable_dad(const std::string& ifname, const std::string& where) {
  auto ok = write_sysctl(accept_dad_sysctl(ifname), "0");
  if (!ok && ok.error().code != ErrorCode::kNotFound)
    return err("cannot turn off IPv6 DAD on " + ifname + " " + where + ": " + ok.error().message);
  return {};
}

// The veth, the pod end made directly in the pod's namespace (moving it there afterwards
// would cost an RCU grace period); both ends down, with their MACs and the MTU.
Status add_veth(RouteSocket& node, const PodLinkSpec& spec, const NetnsHandle& pod_ns, std::uint32_t mtu,
                const Mac& pod_mac) {
  LinkPtr host(allocated(rtnl_link_veth_alloc()));
  rtnl_link_set_name(host.get(), spec.host_ifname.c_str());
  rtnl_link_set_mtu(host.get(), mtu);
  rtnl_link_set_addr(host.get(), mac_address(kHostMacBytes).get());
  LinkPtr peer(rtnl_link_veth_get_peer(host.get()));
  rtnl_link_set_name(peer.get(), spec.pod_ifname.c_str());
  rtnl_link_set_mtu(peer.get(), mtu);
  rtnl_link_set_addr(peer.get(), mac_address(pod_mac).get());
  rtnl_link_set_ns_fd(peer.get(), pod_ns.fd());
  auto failed = node.request([&](nl_sock* s) { return rtnl_link_add(s, host.get(), NLM_F_CREATE | NLM_F_EXCL); });
  if (!failed) return {};
  std::string message = "cannot create veth " + spec.host_ifname + "/" + spec.pod_ifname + ": " + failed->reason;
  if (failed->errnum != EEXIST) return err(message);
  if (if_nametoindex(spec.host_ifname.c_str()) != 0)
    return err(message + " (an interface named " + spec.host_ifname + " already exists in this namespace)",
               ErrorCode::kAlreadyExists);
  return err(message + " (an interface named " + spec.pod_ifname + " already exists " + in_pod(spec) + ")",
             ErrorCode::kAlreadyExists);
}

// The pod's side as create_pod_link reaches it: a socket in its namespace, its interface.
struct PodSide {
  RouteSocket sock;
  int ifindex;
};

// Enters the pod's namespace just long enough to open a socket there, find the new interface
// and turn DAD off on it (the setting belongs to the namespace the thread is in).
Result<PodSide> reach_pod_side(const PodLinkSpec& spec, const NetnsHandle& pod_ns) {
  auto inside = NetnsScope::enter(pod_ns);
  if (!inside) return inside.error();
  auto sock = RouteSocket::open();
  if (!sock) return err(sock.error().message + " " + in_pod(spec));
  auto ifindex = ifindex_of(spec.pod_ifname, in_pod(spec));
  if (!ifindex) return ifindex.error();
  if (auto ok = disable_dad(spec.pod_ifname, in_pod(spec)); !ok) return ok.error();
  return PodSide{std::move(*sock), *ifindex};
}

// Address, gateway route, default route and the gateway's permanent neighbour entry.
Status configure_pod_side(PodSide& pod, const PodLinkSpec& spec) {
  const std::string dev = spec.pod_ifname + " " + in_pod(spec);
  const in_addr gateway = gateway_ip();
  if (auto failed = bring_up(pod.sock, pod.ifindex)) return err("cannot set " + dev + " up: " + failed->reason);

  AddrPtr addr(allocated(rtnl_addr_alloc()));
  rtnl_addr_set_family(addr.get(), AF_INET);
  rtnl_addr_set_ifindex(addr.get(), pod.ifindex);
  rtnl_addr_set_local(addr.get(), ipv4_address(spec.pod_ip, 32).get());
  rtnl_addr_set_prefixlen(addr.get(), 32);
  if (auto failed = pod.sock.request([&](nl_sock* s) { return rtnl_addr_add(s, addr.get(), NLM_F_EXCL); }))
    return err("cannot add address " + to_string(spec.pod_ip) + "/32 to " + dev + ": " + failed->reason);

  RoutePtr link_route = ipv4_route(gateway, 32, pod.ifindex, std::nullopt);
  if (auto failed = pod.sock.request([&](nl_sock* s) { return rtnl_route_add(s, link_route.get(), NLM_F_EXCL); }))
    return err(std::string("cannot add route ") + kPodGateway + " dev " + dev + ": " + failed->reason);

  RoutePtr default_route = ipv4_route(in_addr{}, 0, pod.ifindex, gateway);
  if (auto failed = pod.sock.request([&](nl_sock* s) { return rtnl_route_add(s, default_route.get(), NLM_F_EXCL); }))
    return err(std::string("cannot add default route via ") + kPodGateway + " dev " + dev + ": " + failed->reason);

  NeighPtr neigh(allocated(rtnl_neigh_alloc()));
  rtnl_neigh_set_family(neigh.get(), AF_INET);
  rtnl_neigh_set_ifindex(neigh.get(), pod.ifindex);
  rtnl_neigh_set_dst(neigh.get(), ipv4_address(gateway, 32).get());
  rtnl_neigh_set_lladdr(neigh.get(), mac_address(kHostMacBytes).get());
  rtnl_neigh_set_state(neigh.get(), NUD_PERMANENT);
  if (auto failed =
          pod.sock.request([&](nl_sock* s) { return rtnl_neigh_add(s, neigh.get(), NLM_F_CREATE | NLM_F_REPLACE); }))
    return err(std::string("cannot add neighbour ") + kPodGateway + " lladdr " + kHostMac + " dev " + dev + ": " +
               failed->reason);
  return {};
}

// Up, and the pod's /32 through it, replacing a route left for the same address.
Status configure_host_side(RouteSocket& node, const PodLinkSpec& spec, int host_ifindex) {
  const std::string dev = spec.host_ifname + " " + kInNode;
  if (auto failed = bring_up(node, host_ifindex)) return err("cannot set " + dev + " up: " + failed->reason);
  RoutePtr route = ipv4_route(spec.pod_ip, 32, host_ifindex, std::nullopt);
  if (auto failed = node.request([&](nl_sock* s) { return rtnl_route_add(s, route.get(), NLM_F_REPLACE); }))
    return err("cannot add route " + to_string(spec.pod_ip) + "/32 dev " + dev + ": " + failed->reason);
  return {};
}

// Written only when off, as the reference ptp plugin does.
Status enable_forwarding() {
  auto value = read_sysctl(kIpForwardSysctl);
  if (value && *value != "0") return {};
  auto ok = value ? write_sysctl(kIpForwardSysctl, "1") : Status(value.error());
  if (!ok) return err(std::string("cannot turn IPv4 forwarding on ") + kInNode + ": " + ok.error().message);
  return {};
}

// Everything after the veth exists; returns the host side's index.
Result<int> wire_up(RouteSocket& node, const PodLinkSpec& spec, const NetnsHandle& pod_ns) {
  auto pod = reach_pod_side(spec, pod_ns);
  if (!pod) return pod.error();
  auto host_ifindex = ifindex_of(spec.host_ifname, kInNode);
  if (!host_ifindex) return host_ifindex.error();
  if (auto ok = disable_dad(spec.host_ifname, kInNode); !ok) return ok.error();
  if (auto ok = configure_pod_side(*pod, spec); !ok) return ok.error();
  if (auto ok = configure_host_side(node, spec, *host_ifindex); !ok) return ok.error();
  if (auto ok = enable_forwarding(); !ok) return ok.error();
  return *host_ifindex;
}

}  // namespace

Result<PodLink> create_pod_link(const PodLinkSpec& spec) {
  if (auto ok = validate(spec); !ok) return ok.error();
  auto pod_ns = NetnsHandle::open(spec.netns_path);
  if (!pod_ns) return pod_ns.error();
  auto node = RouteSocket::open();
  if (!node) return node.error();
  auto pod_mac = random_pod_mac();
  if (!pod_mac) return pod_mac.error();
  const std::uint32_t mtu = effective_mtu(spec);
  if (auto ok = add_veth(*node, spec, *pod_ns, mtu, *pod_mac); !ok) return ok.error();
  auto host_ifindex = wire_up(*node, spec, *pod_ns);
  if (!host_ifindex) {
    Error e = host_ifindex.error();
    if (auto failed = delete_link(*node, spec.host_ifname))
      e.message += "; removing " + spec.host_ifname + " failed too: " + failed->reason;
    return e;
  }
  return PodLink{*host_ifindex, kHostMac, to_string(*pod_mac), mtu};
}

Status delete_host_link(const std::string& host_ifname) {
  if (auto ok = validate_ifname(host_ifname); !ok) return ok;
  auto node = RouteSocket::open();
  if (!node) return node.error();
  if (auto failed = delete_link(*node, host_ifname))
    return err("cannot delete " + host_ifname + " " + kInNode + ": " + failed->reason);
  return {};
}

Status disconnect_host_link(const std::string& host_ifname) {
  if (auto ok = validate_ifname(host_ifname); !ok) return ok;
  auto node = RouteSocket::open();
  if (!node) return node.error();
  LinkPtr link = link_named(host_ifname);
  auto failed = set_link_state(*node, link.get(), false);
  if (failed && failed->errnum != ENODEV)
    return err("cannot set " + host_ifname + " " + kInNode + " down: " + failed->reason);
  return {};
}

Result<HostLinkState> host_link_state(const std::string& host_ifname) {
  if (auto ok = validate_ifname(host_ifname); !ok) return ok.error();
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);  // any socket of this namespace answers
  if (fd < 0) return err(std::string("cannot open a socket ") + kInNode + ": " + std::strerror(errno));
  ifreq req{};
  std::strncpy(req.ifr_name, host_ifname.c_str(), IFNAMSIZ - 1);
  int rc = ioctl(fd, SIOCGIFFLAGS, &req), e = errno;
  close(fd);
  if (rc == 0) return (req.ifr_flags & IFF_UP) ? HostLinkState::kUp : HostLinkState::kDown;
  if (e == ENODEV) return HostLinkState::kAbsent;
  return err("cannot read the state of " + host_ifname + " " + kInNode + ": " + std::strerror(e));
}

Result<std::vector<std::string>> host_links_with_prefix(const std::string& prefix) {
  auto node = RouteSocket::open();
  if (!node) return node.error();
  nl_cache* raw = nullptr;
  if (auto failed = node->request([&](nl_sock* s) { return rtnl_link_alloc_cache(s, AF_UNSPEC, &raw); }))
    return err(std::string("cannot list the links ") + kInNode + ": " + failed->reason);
  NlCachePtr links(raw);
  std::vector<std::string> names;
  for (nl_object* o = nl_cache_get_first(links.get()); o; o = nl_cache_get_next(o)) {
    const char* name = rtnl_link_get_name(reinterpret_cast<rtnl_link*>(o));
    if (name && std::string_view(name).starts_with(prefix)) names.emplace_back(name);
  }
  return names;
}

}  // namespace xebec::cni
