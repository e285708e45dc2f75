// xebec-ipam's ADD, DEL, CHECK, STATUS and GC over the Ipam library.
#include "cni/ipam/command.h"

#include "cni/ipam/ipam.h"

namespace xebec::cni::ipam {

namespace {

Result<Ipam> open_network(const NetConf& conf) {
  if (!conf.raw.contains("ipam") || !conf.raw["ipam"].is_object())
    return err("ipam: required (host-local's shape: {\"type\": \"xebec-ipam\", \"ranges\": [[{\"subnet\": ...}]]})",
               ErrorCode::kInvalid);
  auto config = parse_ipam_config(conf.raw["ipam"]);
  if (!config) return config.error();
  return Ipam::open(std::move(*config), conf.name);
}

CniResult to_result(const IpamResult& r) {
  CniResult out;
  for (const auto& a : r.ips) out.ips.push_back({a.address.str(), a.gateway ? a.gateway->str() : "", std::nullopt});
  for (const auto& route : r.routes)
    out.routes.push_back({route.dst.str(), route.gw ? route.gw->str() : "", {}, {}, {}, {}, {}});
  return out;
}

}  // namespace

Result<std::vector<Ipv4Address>> requested_addresses(const Invocation& inv) {
  std::vector<Ipv4Address> out;
  auto text = inv.arg("IP");
  if (!text) return out;
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto one = rest.substr(0, comma);
    auto ip = Ipv4Address::parse(one.substr(0, one.find('/')));
    if (!ip) return err("CNI_ARGS IP=" + *text + ": " + ip.error().message, ErrorCode::kInvalid);
    out.push_back(*ip);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return out;
}

Result<CniResult> IpamPlugin::add(const Invocation& inv, const NetConf& conf) {
  auto ipam = open_network(conf);
  if (!ipam) return ipam.error();
  auto requested = requested_addresses(inv);
  if (!requested) return requested.error();
  auto r = ipam->add({inv.container_id, inv.ifname}, *requested);
  if (!r) return r.error();
  auto out = to_result(*r);
  out.dns = conf.dns;
  return out;
}

Status IpamPlugin::del(const Invocation& inv, const NetConf& conf) {
  auto ipam = open_network(conf);
  if (!ipam) return ipam.error();
  return ipam->del({inv.container_id, inv.ifname});
}

// The attachment holds its addresses, and every IPv4 address of prevResult inside our ranges
// is one of them.
Status IpamPlugin::check(const Invocation& inv, const NetConf& conf) {
  auto ipam = open_network(conf);
  if (!ipam) return ipam.error();
  auto held = ipam->check({inv.container_id, inv.ifname});
  if (!held) return held.error();
  if (!conf.prev_result) return {};
  for (const auto& ip : conf.prev_result->ips) {
    auto prefix = Ipv4Prefix::parse(ip.address);
    if (!prefix) continue;  // IPv6, or another IPAM's business
    bool ours = false, held_here = false;
    for (const auto& a : held->ips) {
      ours = ours || Ipv4Prefix{a.address.network(), a.address.length}.contains(prefix->address);
      held_here = held_here || a.address.address == prefix->address;
    }
    if (ours && !held_here)
      return err("prevResult has " + prefix->address.str() + ", which IPAM does not hold for container " +
                 inv.container_id + " interface " + inv.ifname);
  }
  return {};
}

Status IpamPlugin::status(const Invocation&, const NetConf& conf) {
  auto ipam = open_network(conf);
  if (!ipam) return ipam.error();
  return ipam->free_address_available();
}

Status IpamPlugin::gc(const Invocation&, const NetConf& conf) {
  auto ipam = open_network(conf);
  if (!ipam) return ipam.error();
  auto freed = ipam->gc(conf.valid_attachments);
  if (!freed) return freed.error();
  return {};
}

}  // namespace xebec::cni::ipam
