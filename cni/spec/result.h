// A CNI result (what ADD prints and what later plugins get as prevResult), read from any
// supported version and written in the version the configuration asked for.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cni/spec/version.h"
#include "common/result.h"

namespace xebec::cni {

struct Interface {
  std::string name;
  std::string mac;
  std::optional<int> mtu;   // 1.1.0
  std::string sandbox;      // the netns path, for interfaces inside the container
  std::string socket_path;  // 1.1.0
  std::string pci_id;       // 1.1.0
};

struct IpConfig {
  std::string address;           // CIDR: "10.244.1.5/32"
  std::string gateway;           // may be empty
  std::optional<int> interface;  // index into interfaces
  bool ipv6() const { return address.find(':') != std::string::npos; }
};

struct Route {
  std::string dst;                                         // CIDR
  std::string gw;                                          // may be empty
  std::optional<int> mtu, advmss, priority, table, scope;  // 1.1.0
};

struct Dns {
  std::vector<std::string> nameservers;
  std::string domain;
  std::vector<std::string> search, options;
  bool empty() const { return nameservers.empty() && domain.empty() && search.empty() && options.empty(); }
};

struct CniResult {
  std::vector<Interface> interfaces;
  std::vector<IpConfig> ips;
  std::vector<Route> routes;
  Dns dns;
};

// Reads a result of any supported version (0.3.x and 0.4.0 carry "version" in ips, 1.x do
// not). `path` names it in errors ("prevResult"); errors are kInvalid.
Result<CniResult> parse_result(const nlohmann::json& json, const std::string& path);

// Writes `result` as version `v` shapes it: fields newer than `v` are left out.
nlohmann::json encode_result(const CniResult& result, const Version& v);

// Reads a "dns" object (of a configuration or a result).
Result<Dns> parse_dns(const nlohmann::json& json, const std::string& path);
nlohmann::json encode_dns(const Dns& dns);

}  // namespace xebec::cni
