// Decoding of the services file. YAML is first turned into the same JSON document model
// that JSON input parses to, so there is one schema decoder for both.
#include "dataplane/service_file.h"

#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/document.h"

namespace xebec::dataplane {

namespace {

using nlohmann::json;

// Where a value sits in the file, spelled out only when there is an error to report.
struct Path {
  const std::string& service;  // "services[3]"
  std::string_view field;      // "backends"
  long index = -1;             // position in a list field, or -1
  std::string str() const {
    std::string s = service + "." + std::string(field);
    return index < 0 ? s : s + "[" + std::to_string(index) + "]";
  }
};

Result<std::uint64_t> unsigned_field(const json& v, const Path& at, std::uint64_t max) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::uint64_t>() > max)
    return err(at.str() + ": expected a whole number from 0 to " + std::to_string(max) + ", got " + v.dump());
  return v.get<std::uint64_t>();
}

Result<std::string_view> string_field(const json& v, const Path& at) {
  if (!v.is_string()) return err(at.str() + ": expected a string, got " + v.dump());
  return std::string_view(v.get_ref<const std::string&>());
}

Result<ServiceSpec> decode_service(const json& item, const std::string& where) {
  static const std::set<std::string, std::less<>> known = {"frontend", "backends", "algorithm",
                                                           "affinityTimeout", "nodePort", "maglevTableSize"};
  if (!item.is_object()) return err(where + ": expected a mapping with frontend and backends");
  for (const auto& [key, _] : item.items())
    if (!known.contains(key))
      return err(where + ": unknown field '" + key +
                 "' (known: frontend, backends, algorithm, affinityTimeout, nodePort, maglevTableSize)");
  if (!item.contains("frontend")) return err(where + ": missing 'frontend' (VIP:PORT/PROTO)");

  ServiceSpec spec;
  const Path frontend_at{where, "frontend"};
  auto text = string_field(item["frontend"], frontend_at);
  if (!text) return text.error();
  auto frontend = parse_frontend(*text);
  if (!frontend) return err(frontend_at.str() + ": " + frontend.error().message);
  spec.frontend = *frontend;

  if (item.contains("backends")) {
    const json& list = item["backends"];
    if (!list.is_array()) return err(where + ".backends: expected a list of IP:PORT");
    spec.backends.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Path at{where, "backends", static_cast<long>(i)};
      auto b = string_field(list[i], at);
      if (!b) return b.error();
      auto endpoint = parse_endpoint(*b);
      if (!endpoint) return err(at.str() + ": " + endpoint.error().message);
      spec.backends.push_back(*endpoint);
    }
  }
  if (item.contains("algorithm")) {
    const Path at{where, "algorithm"};
    auto a = string_field(item["algorithm"], at);
    if (!a) return a.error();
    auto alg = parse_algorithm(std::string(*a));
    if (!alg) return err(at.str() + ": " + alg.error().message);
    spec.algorithm = *alg;
  }
  if (item.contains("affinityTimeout") && !item["affinityTimeout"].is_null()) {
    auto t = unsigned_field(item["affinityTimeout"], Path{where, "affinityTimeout"}, kMaxAffinityTimeout);
    if (!t) return t.error();
    spec.affinity_timeout = static_cast<std::uint32_t>(*t);
  }
  if (item.contains("nodePort") && !item["nodePort"].is_null()) {
    auto p = unsigned_field(item["nodePort"], Path{where, "nodePort"}, 65535);
    if (!p) return p.error();
    spec.node_port = static_cast<std::uint16_t>(*p);
  }
  if (item.contains("maglevTableSize")) {
    auto m = unsigned_field(item["maglevTableSize"], Path{where, "maglevTableSize"}, UINT32_MAX);
    if (!m) return m.error();
    spec.maglev_table_size = static_cast<std::uint32_t>(*m);
  }
  if (auto ok = validate(spec); !ok) return err(where + ": " + ok.error().message);
  return spec;
}

}  // namespace

Result<std::vector<ServiceSpec>> parse_service_file(const std::string& content) {
  auto doc = parse_document(content);
  if (!doc) return doc.error();
  if (!doc->is_object() || !doc->contains("services"))
    return err("expected a top-level 'services:' list");
  const json& list = (*doc)["services"];
  if (list.is_null()) return std::vector<ServiceSpec>{};
  if (!list.is_array()) return err("'services' must be a list");

  std::vector<ServiceSpec> specs;
  specs.reserve(list.size());
  std::set<Frontend> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string where = "services[" + std::to_string(i) + "]";
    auto spec = decode_service(list[i], where);
    if (!spec) return spec.error();
    if (!seen.insert(spec->frontend).second)
      return err(where + ": frontend " + format_frontend(spec->frontend) + " is listed twice");
    specs.push_back(std::move(*spec));
  }
  return specs;
}

Result<std::vector<ServiceSpec>> load_service_file(const std::string& path) {
  std::stringstream content;
  if (path == "-") {
    content << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) return err("cannot read " + path + ": " + std::strerror(errno));
    content << in.rdbuf();
  }
  auto specs = parse_service_file(content.str());
  if (!specs) return err((path == "-" ? std::string("stdin") : path) + ": " + specs.error().message);
  return specs;
}

}  // namespace xebec::dataplane
