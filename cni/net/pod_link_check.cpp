// Checking a pod's routed veth (check_pod_link in pod_link.h): every property create_pod_link
// sets, read back from the kernel on both sides; the first one missing is named.
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cstring>
#include <optional>

#include "cni/net/netlink.h"
#include "cni/net/netns.h"
#include "cni/net/pod_link.h"
#include "cni/net/sysctl.h"
#include "cni/net/wiring.h"

namespace xebec::cni {

namespace {

// A veth, up, with this MTU and, when given, this MAC.
Status check_link(rtnl_link* link, const std::string& dev, std::uint32_t mtu, const Mac* mac) {
  const char* type = rtnl_link_get_type(link);
  if (!type || std::strcmp(type, "veth") != 0) return err(dev + " is not a veth");
  if (!(rtnl_link_get_flags(link) & IFF_UP)) return err(dev + " is down");
  if (rtnl_link_get_mtu(link) != mtu)
    return err(dev + " has MTU " + std::to_string(rtnl_link_get_mtu(link)) + ", expected " + std::to_string(mtu));
  if (mac && !is_mac_address(rtnl_link_get_addr(link), *mac)) return err(dev + " does not have MAC " + to_string(*mac));
  return {};
}

// Dumps one kind of object (links, addresses, routes, neighbours) with `alloc_cache`.
template <typename AllocCache>
Result<NlCachePtr> dump(RouteSocket& sock, const std::string& what, const std::string& where, AllocCache alloc_cache) {
  nl_cache* raw = nullptr;
  if (auto failed = sock.request([&](nl_sock* s) { return alloc_cache(s, &raw); }))
    return err("cannot list the " + what + " " + where + ": " + failed->reason);
  return NlCachePtr(raw);
}

// The link named `name`, from a dump of the links: a missing link is then no error of the
// request, and a real failure keeps the kernel's reason.
Result<LinkPtr> get_link(RouteSocket& sock, const std::string& name, const std::string& where) {
  auto links =
      dump(sock, "links", where, [](nl_sock* s, nl_cache** c) { return rtnl_link_alloc_cache(s, AF_UNSPEC, c); });
  if (!links) return links.error();
  if (rtnl_link* link = rtnl_link_get_by_name(links->get(), name.c_str())) return LinkPtr(link);
  return err("no interface " + name + " " + where, ErrorCode::kNotFound);
}

template <typename T, typename Pred>
bool any_of(nl_cache* cache, Pred pred) {
  for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
    if (pred(reinterpret_cast<T*>(o))) return true;
  return false;
}

bool same_ipv4(const nl_addr* a, in_addr ip) { return is_ipv4_address(a, ip, 32); }

// Whether `r` is the main-table route to dst/prefixlen out of `ifindex` alone: via `gateway`
// when there is one, else directly (scope link).
bool is_route(rtnl_route* r, in_addr dst, unsigned prefixlen, int ifindex, const std::optional<in_addr>& gateway) {
  if (rtnl_route_get_family(r) != AF_INET || rtnl_route_get_table(r) != RT_TABLE_MAIN ||
      rtnl_route_get_nnexthops(r) != 1)
    return false;
  nl_addr* d = rtnl_route_get_dst(r);
  if (nl_addr_get_prefixlen(d) != prefixlen || (prefixlen > 0 && !is_ipv4_address(d, dst, prefixlen))) return false;
  rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
  if (rtnl_route_nh_get_ifindex(nh) != ifindex) return false;
  nl_addr* via = rtnl_route_nh_get_gateway(nh);
  if (gateway) return via && same_ipv4(via, *gateway);
  return !via && rtnl_route_get_scope(r) == RT_SCOPE_LINK;
}

Status check_dad_off(const std::string& ifname, const std::string& where) {
  auto value = read_sysctl(accept_dad_sysctl(ifname));
  if (!value && value.error().code == ErrorCode::kNotFound) return {};  // no IPv6
  if (!value) return value.error();
  if (*value != "0") return err("IPv6 DAD is on for " + ifname + " " + where + " (accept_dad is " + *value + ")");
  return {};
}

// Returns the host side's index.
Result<int> check_host_side(const PodLinkSpec& spec) {
  auto node = RouteSocket::open();
  if (!node) return node.error();
  auto link = get_link(*node, spec.host_ifname, kInNode);
  if (!link) return link.error();
  const std::string dev = spec.host_ifname + " " + kInNode;
  if (auto ok = check_link(link->get(), dev, effective_mtu(spec), &kHostMacBytes); !ok) return ok.error();
  const int host_ifindex = rtnl_link_get_ifindex(link->get());

  auto routes =
      dump(*node, "routes", kInNode, [](nl_sock* s, nl_cache** c) { return rtnl_route_alloc_cache(s, AF_INET, 0, c); });
  if (!routes) return routes.error();
  if (!any_of<rtnl_route>(routes->get(),
                          [&](rtnl_route* r) { return is_route(r, spec.pod_ip, 32, host_ifindex, std::nullopt); }))
    return err("no route " + to_string(spec.pod_ip) + "/32 dev " + dev);

  if (auto ok = check_dad_off(spec.host_ifname, kInNode); !ok) return ok.error();
  auto forwarding = read_sysctl(kIpForwardSysctl);
  if (!forwarding) return forwarding.error();
  if (*forwarding != "1") return err(std::string("IPv4 forwarding is off ") + kInNode);
  return host_ifindex;
}

// Opens a socket in the pod's namespace and checks there what only the thread can see there.
Result<RouteSocket> enter_pod_side(const PodLinkSpec& spec) {
  auto pod_ns = NetnsHandle::open(spec.netns_path);
  if (!pod_ns) return pod_ns.error();
  auto inside = NetnsScope::enter(*pod_ns);
  if (!inside) return inside.error();
  auto sock = RouteSocket::open();
  if (!sock) return err(sock.error().message + " " + in_pod(spec));
  if (auto ok = check_dad_off(spec.pod_ifname, in_pod(spec)); !ok) return ok.error();
  return sock;
}

Status check_pod_side(const PodLinkSpec& spec, int host_ifindex) {
  auto pod = enter_pod_side(spec);
  if (!pod) return pod.error();
  const std::string dev = spec.pod_ifname + " " + in_pod(spec);
  auto link = get_link(*pod, spec.pod_ifname, in_pod(spec));
  if (!link) return link.error();
  if (auto ok = check_link(link->get(), dev, effective_mtu(spec), nullptr); !ok) return ok;
  if (rtnl_link_get_link(link->get()) != host_ifindex) return err(dev + " is not the peer of " + spec.host_ifname);
  const int ifindex = rtnl_link_get_ifindex(link->get());
  const in_addr gateway = gateway_ip();

  auto addrs = dump(*pod, "addresses", in_pod(spec), &rtnl_addr_alloc_cache);
  if (!addrs) return addrs.error();
  if (!any_of<rtnl_addr>(addrs->get(), [&](rtnl_addr* a) {
        return rtnl_addr_get_ifindex(a) == ifindex && rtnl_addr_get_prefixlen(a) == 32 &&
               same_ipv4(rtnl_addr_get_local(a), spec.pod_ip);
      }))
    return err(dev + " has no address " + to_string(spec.pod_ip) + "/32");

  auto routes = dump(*pod, "routes", in_pod(spec),
                     [](nl_sock* s, nl_cache** c) { return rtnl_route_alloc_cache(s, AF_INET, 0, c); });
  if (!routes) return routes.error();
  if (!any_of<rtnl_route>(routes->get(),
                          [&](rtnl_route* r) { return is_route(r, gateway, 32, ifindex, std::nullopt); }))
    return err(std::string("no route ") + kPodGateway + " scope link dev " + dev);
  if (!any_of<rtnl_route>(routes->get(), [&](rtnl_route* r) { return is_route(r, in_addr{}, 0, ifindex, gateway); }))
    return err(std::string("no default route via ") + kPodGateway + " dev " + dev);

  auto neighbours = dump(*pod, "neighbours", in_pod(spec), &rtnl_neigh_alloc_cache);
  if (!neighbours) return neighbours.error();
  if (!any_of<rtnl_neigh>(neighbours->get(), [&](rtnl_neigh* n) {
        return rtnl_neigh_get_ifindex(n) == ifindex && (rtnl_neigh_get_state(n) & NUD_PERMANENT) &&
               same_ipv4(rtnl_neigh_get_dst(n), gateway) && is_mac_address(rtnl_neigh_get_lladdr(n), kHostMacBytes);
      }))
    return err(std::string("no permanent neighbour ") + kPodGateway + " lladdr " + kHostMac + " on " + dev);
  return {};
}

}  // namespace

Status check_pod_link(const PodLinkSpec& spec) {
  if (auto ok = validate(spec); !ok) return ok;
  auto host_ifindex = check_host_side(spec);
  if (!host_ifindex) return host_ifindex.error();
  return check_pod_side(spec, *host_ifindex);
}

}  // namespace xebec::cni
