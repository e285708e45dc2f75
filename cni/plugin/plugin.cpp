// ADD, DEL, CHECK, STATUS and GC of xebec-cni.
#include "cni/plugin/plugin.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <functional>
#include <set>

#include "cni/net/netns.h"
#include "cni/net/pod_link.h"
#include "cni/plugin/address_source.h"
#include "cni/plugin/background_delete.h"
#include "cni/plugin/config.h"
#include "cni/plugin/host_ifname.h"
#include "dataplane/attach.h"
#include "dataplane/pod_programs.h"

namespace xebec::cni {

namespace {

// Undo steps of a half-done ADD, run newest first unless the ADD completes.
class Rollback {
 public:
  ~Rollback() {
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) (*it)();
  }
  void add(std::function<void()> step) { steps_.push_back(std::move(step)); }
  void commit() { steps_.clear(); }

 private:
  std::vector<std::function<void()>> steps_;
};

std::string ip_text(in_addr ip) {
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &ip, buf, sizeof buf);
}

// Our part of the result: host side, pod side, the pod's /32 and its default route.
CniResult own_result(const Invocation& inv, const PodLink& link, in_addr ip, const Dns& dns) {
  CniResult r;
  r.interfaces = {{host_ifname(inv.container_id, inv.ifname), link.host_mac, static_cast<int>(link.mtu), "", "", ""},
                  {inv.ifname, link.pod_mac, static_cast<int>(link.mtu), inv.netns, "", ""}};
  r.ips = {{ip_text(ip) + "/32", kPodGateway, 1}};
  r.routes = {{"0.0.0.0/0", kPodGateway, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt}};
  r.dns = dns;
  return r;
}

// A chained ADD passes the previous plugins' result through, with ours appended.
CniResult chained(const std::optional<CniResult>& prev, CniResult own) {
  if (!prev) return own;
  CniResult out = *prev;
  int offset = static_cast<int>(out.interfaces.size());
  for (auto& ip : own.ips)
    if (ip.interface) *ip.interface += offset;
  out.interfaces.insert(out.interfaces.end(), own.interfaces.begin(), own.interfaces.end());
  out.ips.insert(out.ips.end(), own.ips.begin(), own.ips.end());
  out.routes.insert(out.routes.end(), own.routes.begin(), own.routes.end());
  if (out.dns.empty()) out.dns = own.dns;
  return out;
}

Dns merged(const Dns& network, const Dns& ipam) {
  Dns out = network;
  if (out.nameservers.empty()) out.nameservers = ipam.nameservers;
  if (out.domain.empty()) out.domain = ipam.domain;
  if (out.search.empty()) out.search = ipam.search;
  if (out.options.empty()) out.options = ipam.options;
  return out;
}

struct Setup {
  PluginConfig config;
  std::unique_ptr<AddressSource> addresses;
};

Result<Setup> setup(const NetConf& conf) {
  auto config = parse_plugin_config(conf);
  if (!config) return config.error();
  auto addresses = make_address_source(*config, conf);
  if (!addresses) return addresses.error();
  return Setup{std::move(*config), std::move(*addresses)};
}

// The pod's address as the previous ADD reported it: the IPv4 address on CNI_IFNAME.
Result<in_addr> address_in(const CniResult& prev, const Invocation& inv) {
  for (const auto& ip : prev.ips) {
    if (!ip.interface || *ip.interface < 0 || *ip.interface >= static_cast<int>(prev.interfaces.size())) continue;
    const auto& itf = prev.interfaces[*ip.interface];
    if (itf.name != inv.ifname || itf.sandbox != inv.netns || ip.ipv6()) continue;
    in_addr addr{};
    if (inet_pton(AF_INET, ip.address.substr(0, ip.address.find('/')).c_str(), &addr) != 1)
      return err("prevResult: '" + ip.address + "' is not an IPv4 address", ErrorCode::kInvalid);
    return addr;
  }
  return err("prevResult: no IPv4 address on interface " + inv.ifname + " in " + inv.netns +
                 ": it is not the result of this plugin's ADD",
             ErrorCode::kInvalid);
}

}  // namespace

Result<CniResult> XebecCni::add(const Invocation& inv, const NetConf& conf) {
  auto s = setup(conf);
  if (!s) return s.error();
  auto netns = NetnsHandle::open(inv.netns);
  if (!netns) return err("CNI_NETNS " + inv.netns + ": " + netns.error().message, netns.error().code);

  // IPAM first: it refuses an attachment that holds an address, before anything is touched.
  Rollback rollback;
  auto address = s->addresses->allocate(inv);
  if (!address) return address.error();
  rollback.add([&] { (void)s->addresses->release(inv); });

  // A host side that is up belongs to a live attachment; one that is down is what a DEL left
  // for its background deletion (its address is already free), and goes now.
  const std::string host = host_ifname(inv.container_id, inv.ifname);
  auto state = host_link_state(host);
  if (!state) return state.error();
  if (*state == HostLinkState::kUp)
    return err("container " + inv.container_id + " interface " + inv.ifname + " is already attached (host side " +
                   host + "); DEL it first",
               ErrorCode::kAlreadyExists);
  if (*state == HostLinkState::kDown)
    if (auto ok = delete_host_link(host); !ok) return ok.error();

  PodLinkSpec spec{host, inv.netns, inv.ifname, s->config.mtu, address->ip};
  auto link = create_pod_link(spec);
  if (!link)
    return err(link.error().message,
               link.error().code == ErrorCode::kAlreadyExists ? ErrorCode::kUnknown : link.error().code);
  rollback.add([&] { (void)delete_host_link(host); });

  auto programs = dataplane::PodPrograms::open(s->config.bpf_root);
  if (!programs) return err("dataplane at " + s->config.bpf_root + ": " + programs.error().message);
  if (auto ok = dataplane::attach_pod(*programs, link->host_ifindex, host); !ok) return ok.error();

  rollback.commit();
  return chained(conf.prev_result, own_result(inv, *link, address->ip, merged(conf.dns, address->dns)));
}

Status XebecCni::del(const Invocation& inv, const NetConf& conf) {
  auto s = setup(conf);
  if (!s) return s.error();
  // Cut the pod off now (down: the kernel drops its routes); the veth's deletion waits some
  // 20 ms for the kernel, so it happens in the background. The address is free at once.
  const std::string host = host_ifname(inv.container_id, inv.ifname);
  auto cut = disconnect_host_link(host);
  auto released = s->addresses->release(inv);
  if (cut) delete_in_background(host);
  if (!cut) return cut;
  return released;
}

Status XebecCni::check(const Invocation& inv, const NetConf& conf) {
  auto s = setup(conf);
  if (!s) return s.error();
  if (!conf.prev_result) return err("prevResult: required for CHECK (the result of the ADD)", ErrorCode::kInvalid);
  auto ip = address_in(*conf.prev_result, inv);
  if (!ip) return ip.error();
  if (auto ok = s->addresses->check(inv, *ip); !ok) return ok;

  const std::string host = host_ifname(inv.container_id, inv.ifname);
  if (auto ok = check_pod_link({host, inv.netns, inv.ifname, s->config.mtu, *ip}); !ok) return ok;
  if (!dataplane::pod_programs_pinned(s->config.bpf_root))
    return err("no pod programs pinned under " + s->config.bpf_root + ": the dataplane instance is gone");
  auto programs = dataplane::PodPrograms::open(s->config.bpf_root);
  if (!programs) return programs.error();
  return dataplane::check_pod_attached(*programs, static_cast<int>(if_nametoindex(host.c_str())), host);
}

Status XebecCni::status(const Invocation& inv, const NetConf& conf) {
  auto s = setup(conf);
  if (!s) return s.error();
  if (auto ok = dataplane::check_bpf_root(s->config.bpf_root); !ok) return ok;
  return s->addresses->ready(inv);
}

Status XebecCni::gc(const Invocation& inv, const NetConf& conf) {
  auto s = setup(conf);
  if (!s) return s.error();
  auto released = s->addresses->gc(inv, conf.valid_attachments);
  if (!released) return released.error();

  // Host sides of released attachments, and those an interrupted DEL left down; never the
  // host side of a valid attachment.
  std::set<std::string> keep, stale;
  for (const auto& a : conf.valid_attachments) keep.insert(host_ifname(a.container_id, a.ifname));
  for (const auto& a : *released) stale.insert(host_ifname(a.container_id, a.ifname));
  auto links = host_links_with_prefix(std::string(kHostIfPrefix));
  if (!links) return links.error();
  for (const auto& name : *links) {
    if (keep.contains(name)) continue;
    auto state = host_link_state(name);
    if (stale.contains(name) || (state && *state == HostLinkState::kDown))
      if (auto ok = delete_host_link(name); !ok) return ok;
  }
  return {};
}

}  // namespace xebec::cni
