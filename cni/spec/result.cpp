// Results: one model, read from and written to each supported version's shape.
#include "cni/spec/result.h"

#include "cni/spec/fields.h"

namespace xebec::cni {

namespace {

constexpr int kMaxInt = 1 << 30;

std::optional<int> small_int(FieldReader& r, std::string_view key) {
  auto v = r.integer(key, 0, kMaxInt);
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

}  // namespace

Result<Dns> parse_dns(const nlohmann::json& json, const std::string& path) {
  FieldReader r(json, path);
  Dns d;
  d.nameservers = r.strings("nameservers").value_or(std::vector<std::string>{});
  d.domain = r.string("domain").value_or("");
  d.search = r.strings("search").value_or(std::vector<std::string>{});
  d.options = r.strings("options").value_or(std::vector<std::string>{});
  if (r.error()) return *r.error();
  return d;
}

nlohmann::json encode_dns(const Dns& d) {
  auto out = nlohmann::json::object();
  if (!d.nameservers.empty()) out["nameservers"] = d.nameservers;
  if (!d.domain.empty()) out["domain"] = d.domain;
  if (!d.search.empty()) out["search"] = d.search;
  if (!d.options.empty()) out["options"] = d.options;
  return out;
}

Result<CniResult> parse_result(const nlohmann::json& json, const std::string& path) {
  FieldReader top(json, path);
  CniResult result;
  std::optional<Error> inner;  // the first error inside a list element, with its own path
  auto visit = [&](std::string_view key, auto each) {
    const auto* list = top.array(key);
    if (!list) return;
    for (std::size_t i = 0; i < list->size() && !inner; ++i) {
      FieldReader r((*list)[i], FieldReader::element(top.path_of(key), i));
      each(r);
      if (r.error()) inner = r.error();
    }
  };
  visit("interfaces", [&](FieldReader& r) {
    Interface itf;
    itf.name = r.string("name").value_or("");
    itf.mac = r.string("mac").value_or("");
    itf.mtu = small_int(r, "mtu");
    itf.sandbox = r.string("sandbox").value_or("");
    itf.socket_path = r.string("socketPath").value_or("");
    itf.pci_id = r.string("pciID").value_or("");
    result.interfaces.push_back(std::move(itf));
  });
  visit("ips", [&](FieldReader& r) {
    IpConfig ip;
    ip.address = r.string("address").value_or("");
    if (ip.address.empty() && !r.error()) r.fail("address", "required");
    ip.gateway = r.string("gateway").value_or("");
    ip.interface = small_int(r, "interface");
    if (ip.interface && *ip.interface >= static_cast<int>(json.value("interfaces", nlohmann::json::array()).size()))
      r.fail("interface", std::to_string(*ip.interface) + " is not an index into " + top.path_of("interfaces"));
    result.ips.push_back(std::move(ip));
  });
  visit("routes", [&](FieldReader& r) {
    Route rt;
    rt.dst = r.string("dst").value_or("");
    if (rt.dst.empty() && !r.error()) r.fail("dst", "required");
    rt.gw = r.string("gw").value_or("");
    rt.mtu = small_int(r, "mtu");
    rt.advmss = small_int(r, "advmss");
    rt.priority = small_int(r, "priority");
    rt.table = small_int(r, "table");
    rt.scope = small_int(r, "scope");
    result.routes.push_back(std::move(rt));
  });
  if (const auto* dns = top.object("dns")) {
    auto d = parse_dns(*dns, top.path_of("dns"));
    if (!d) return d.error();
    result.dns = std::move(*d);
  }
  if (top.error()) return *top.error();
  if (inner) return *inner;
  return result;
}

nlohmann::json encode_result(const CniResult& result, const Version& v) {
  const bool v11 = v >= kV110, legacy = v < kV100;
  nlohmann::json out = {{"cniVersion", v.str()}};
  if (!result.interfaces.empty()) {
    auto& list = out["interfaces"] = nlohmann::json::array();
    for (const auto& i : result.interfaces) {
      nlohmann::json j = {{"name", i.name}};
      if (!i.mac.empty()) j["mac"] = i.mac;
      if (v11 && i.mtu) j["mtu"] = *i.mtu;
      if (!i.sandbox.empty()) j["sandbox"] = i.sandbox;
      if (v11 && !i.socket_path.empty()) j["socketPath"] = i.socket_path;
      if (v11 && !i.pci_id.empty()) j["pciID"] = i.pci_id;
      list.push_back(std::move(j));
    }
  }
  if (!result.ips.empty()) {
    auto& list = out["ips"] = nlohmann::json::array();
    for (const auto& ip : result.ips) {
      nlohmann::json j = nlohmann::json::object();
      if (legacy) j["version"] = ip.ipv6() ? "6" : "4";
      j["address"] = ip.address;
      if (!ip.gateway.empty()) j["gateway"] = ip.gateway;
      if (ip.interface) j["interface"] = *ip.interface;
      list.push_back(std::move(j));
    }
  }
  if (!result.routes.empty()) {
    auto& list = out["routes"] = nlohmann::json::array();
    for (const auto& r : result.routes) {
      nlohmann::json j = {{"dst", r.dst}};
      if (!r.gw.empty()) j["gw"] = r.gw;
      if (v11) {
        if (r.mtu) j["mtu"] = *r.mtu;
        if (r.advmss) j["advmss"] = *r.advmss;
        if (r.priority) j["priority"] = *r.priority;
        if (r.table) j["table"] = *r.table;
        if (r.scope) j["scope"] = *r.scope;
      }
      list.push_back(std::move(j));
    }
  }
  out["dns"] = encode_dns(result.dns);
  return out;
}

}  // namespace xebec::cni
