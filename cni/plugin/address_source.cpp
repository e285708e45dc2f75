// The two address sources: xebec-ipam's library in this process, or an IPAM plugin run from
// CNI_PATH with this invocation's environment.
#include "cni/plugin/address_source.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>
#include <set>

#include "cni/ipam/command.h"
#include "cni/ipam/ipam.h"
#include "cni/plugin/delegate.h"

namespace xebec::cni {

namespace {

in_addr to_in_addr(ipam::Ipv4Address a) { return in_addr{htonl(a.value)}; }

Attachment attachment_of(const Invocation& inv) { return {inv.container_id, inv.ifname}; }

class InProcessIpam final : public AddressSource {
 public:
  explicit InProcessIpam(ipam::Ipam ipam) : ipam_(std::move(ipam)) {}

  Result<PodAddress> allocate(const Invocation& inv) override {
    auto requested = ipam::requested_addresses(inv);
    if (!requested) return requested.error();
    auto result = ipam_.add(attachment_of(inv), *requested);
    if (!result) return result.error();
    return PodAddress{to_in_addr(result->ips.front().address.address), {}};
  }

  Status release(const Invocation& inv) override { return ipam_.del(attachment_of(inv)); }

  Status check(const Invocation& inv, in_addr ip) override {
    auto held = ipam_.check(attachment_of(inv));
    if (!held) return held.error();
    auto mine = held->ips.front().address.address;
    if (to_in_addr(mine).s_addr != ip.s_addr)
      return err("IPAM holds " + mine.str() + " for container " + inv.container_id + " interface " + inv.ifname +
                 ", not the address of prevResult");
    return {};
  }

  Result<std::vector<Attachment>> gc(const Invocation&, const std::vector<Attachment>& valid) override {
    auto freed = ipam_.gc(valid);
    if (!freed) return freed.error();
    std::set<Attachment> released;
    for (const auto& [ip, a] : *freed) released.insert(a);
    return std::vector<Attachment>(released.begin(), released.end());
  }

  Status ready(const Invocation&) override { return ipam_.free_address_available(); }

 private:
  ipam::Ipam ipam_;
};

// An IPAM plugin from CNI_PATH, given the whole configuration as the runtime gave it to us.
class DelegatedIpam final : public AddressSource {
 public:
  DelegatedIpam(std::string type, std::string config) : type_(std::move(type)), config_(std::move(config)) {}

  Result<PodAddress> allocate(const Invocation& inv) override {
    auto result = delegate_add(type_, inv, config_);
    if (!result) return result.error();
    for (const auto& ip : result->ips) {
      in_addr addr{};
      if (!ip.ipv6() && inet_pton(AF_INET, ip.address.substr(0, ip.address.find('/')).c_str(), &addr) == 1)
        return PodAddress{addr, result->dns};
    }
    (void)run_delegate(type_, Command::kDel, inv, config_);
    return err("IPAM plugin " + type_ + " gave no IPv4 address; xebec-cni wires IPv4 pods");
  }

  Status release(const Invocation& inv) override {
    auto out = run_delegate(type_, Command::kDel, inv, config_);
    if (!out) return out.error();
    return {};
  }

  Status check(const Invocation& inv, in_addr) override {
    auto out = run_delegate(type_, Command::kCheck, inv, config_);
    if (!out) return out.error();
    return {};
  }

  // The delegate releases what it holds beyond `valid` itself; which attachments those were
  // it does not say. One older than CNI 1.1 has no GC: like libcni, we do not ask it.
  Result<std::vector<Attachment>> gc(const Invocation& inv, const std::vector<Attachment>&) override {
    auto speaks = speaks_v110(inv);
    if (!speaks) return speaks.error();
    if (*speaks)
      if (auto out = run_delegate(type_, Command::kGc, inv, config_); !out) return out.error();
    return std::vector<Attachment>{};
  }

  // A delegate older than CNI 1.1 has no STATUS: it is ready when it is there.
  Status ready(const Invocation& inv) override {
    auto speaks = speaks_v110(inv);
    if (!speaks) return speaks.error();
    if (*speaks)
      if (auto out = run_delegate(type_, Command::kStatus, inv, config_); !out) return out.error();
    return {};
  }

 private:
  // Whether the delegate's VERSION lists 1.1.0 (which brought GC and STATUS).
  Result<bool> speaks_v110(const Invocation& inv) {
    auto out = run_delegate(type_, Command::kVersion, inv, R"({"cniVersion":"1.1.0"})");
    if (!out) return out.error();
    auto info = nlohmann::json::parse(*out, nullptr, false);
    if (!info.is_object() || !info.contains("supportedVersions") || !info["supportedVersions"].is_array())
      return err("IPAM plugin " + type_ + " answered VERSION without supportedVersions: " + *out);
    for (const auto& v : info["supportedVersions"])
      if (v == kV110.str()) return true;
    return false;
  }

  std::string type_;
  std::string config_;
};

}  // namespace

Result<std::unique_ptr<AddressSource>> make_address_source(const PluginConfig& config, const NetConf& conf) {
  if (config.ipam_type != kInProcessIpam)
    return std::unique_ptr<AddressSource>(std::make_unique<DelegatedIpam>(config.ipam_type, conf.raw.dump()));
  auto parsed = ipam::parse_ipam_config(config.ipam);
  if (!parsed) return parsed.error();
  if (parsed->range_sets.size() != 1)
    return err("ipam.ranges: xebec-cni gives a pod one IPv4 address, so it takes one range set, not " +
                   std::to_string(parsed->range_sets.size()),
               ErrorCode::kInvalid);
  auto opened = ipam::Ipam::open(std::move(*parsed), conf.name);
  if (!opened) return opened.error();
  return std::unique_ptr<AddressSource>(std::make_unique<InProcessIpam>(std::move(*opened)));
}

}  // namespace xebec::cni
