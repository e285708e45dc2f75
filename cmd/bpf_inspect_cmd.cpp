// `xebec bpf backend|ct|affinity list`, `maglev get`, `stats`: read-only views of the pinned
// maps, usable while another process owns the programs.
#include <arpa/inet.h>
#include <time.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "bpf/api/lb.h"
#include "cmd/bpf_cmd.h"
#include "cmd/table.h"
#include "dataplane/bpf_load_balancer.h"
#include "dataplane/map_io.h"
#include "dataplane/stats.h"
#include "lb.skel.h"

namespace xebec::cli {

namespace {

using dataplane::format_endpoint;
using dataplane::format_ipv4;
using dataplane::LbObject;
using nlohmann::json;

// The instance's maps and its services, by id, for the views to name services.
struct View {
  std::unique_ptr<LbObject> object;
  std::vector<dataplane::ServiceRecord> services;
  std::map<std::uint32_t, std::string> frontend_by_id;

  const auto& maps() const { return object->skel()->maps; }
  std::string frontend(std::uint32_t id) const {
    auto it = frontend_by_id.find(id);
    return it == frontend_by_id.end() ? "(deleted " + std::to_string(id) + ")" : it->second;
  }
};

Result<View> open_view(const BpfOptions& o) {
  auto object = LbObject::open(o.bpf_root, LbObject::Mode::kPinnedMaps);
  if (!object) return object.error();
  View v{std::move(*object), {}, {}};
  dataplane::BpfLoadBalancer lb(*v.object);
  auto services = lb.services();
  if (!services) return services.error();
  v.services = std::move(*services);
  for (const auto& s : v.services) v.frontend_by_id[s.id] = dataplane::format_frontend(s.spec.frontend);
  return v;
}

// Seconds of the monotonic clock the datapath stamps entries with (its coarse variant).
std::uint32_t now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return xebec_mono_seconds(static_cast<__u64>(ts.tv_sec) * 1'000'000'000 + static_cast<__u64>(ts.tv_nsec));
}

std::string proto_name(__u8 p) { return p == 6 ? "tcp" : p == 17 ? "udp" : std::to_string(p); }

std::string ep(__be32 addr, __be16 port) { return format_endpoint({addr, port}); }

Status backend_list(const BpfOptions& o) {
  auto v = open_view(o);
  if (!v) return v.error();
  json list = json::array();
  Table t({"ID", "BACKEND", "PROTO", "SERVICE"});
  for (const auto& s : v->services)
    for (std::size_t i = 0; i < s.backend_ids.size(); ++i) {
      auto addr = format_endpoint(s.spec.backends[i]);
      auto proto = dataplane::format_protocol(s.spec.frontend.protocol);
      list.push_back({{"id", s.backend_ids[i]}, {"address", addr}, {"protocol", proto}, {"service", v->frontend(s.id)}});
      t.add({std::to_string(s.backend_ids[i]), addr, proto, v->frontend(s.id)});
    }
  if (o.json())
    std::cout << list.dump(2) << '\n';
  else
    t.print(std::cout);
  return {};
}

Status ct_list(const BpfOptions& o) {
  auto v = open_view(o);
  if (!v) return v.error();
  auto entries = dataplane::dump_map<ct4_key, ct4_entry>(v->maps().lb4_ct);
  if (!entries) return entries.error();
  const auto now = now_seconds();
  json list = json::array();
  Table t({"PROTO", "SOURCE", "DESTINATION", "DIRECTION", "NAT", "SERVICE", "BACKEND ID", "AGE", "IDLE"});
  for (const auto& [k, e] : *entries) {
    const bool reply = e.direction == CT_REPLY;
    std::string dir = reply ? "reply" : "forward";
    std::string nat = (reply ? "src=" : "dst=") + ep(e.nat_address, e.nat_port);
    list.push_back({{"protocol", proto_name(k.proto)}, {"source", ep(k.saddr, k.sport)},
                    {"destination", ep(k.daddr, k.dport)}, {"direction", dir},
                    {"nat", ep(e.nat_address, e.nat_port)}, {"service", v->frontend(e.service_id)},
                    {"serviceId", e.service_id}, {"backendId", e.backend_id},
                    {"ageSeconds", now - e.created}, {"idleSeconds", now - e.last_seen}});
    t.add({proto_name(k.proto), ep(k.saddr, k.sport), ep(k.daddr, k.dport), dir, nat, v->frontend(e.service_id),
           std::to_string(e.backend_id), std::to_string(now - e.created) + "s", std::to_string(now - e.last_seen) + "s"});
  }
  if (o.json())
    std::cout << list.dump(2) << '\n';
  else
    t.print(std::cout);
  return {};
}

Status affinity_list(const BpfOptions& o) {
  auto v = open_view(o);
  if (!v) return v.error();
  auto entries = dataplane::dump_map<affinity4_key, affinity4_entry>(v->maps().lb4_affinity);
  if (!entries) return entries.error();
  std::map<std::uint32_t, std::string> backend_addr;
  std::map<std::uint32_t, std::uint32_t> timeout;
  for (const auto& s : v->services) {
    timeout[s.id] = s.spec.affinity_timeout;
    for (std::size_t i = 0; i < s.backend_ids.size(); ++i) backend_addr[s.backend_ids[i]] = format_endpoint(s.spec.backends[i]);
  }

  const auto now = now_seconds();
  json list = json::array();
  Table t({"SERVICE", "CLIENT", "BACKEND", "LAST USED", "EXPIRES IN"});
  for (const auto& [k, e] : *entries) {
    auto b = backend_addr.contains(e.backend_id) ? backend_addr[e.backend_id] : "(removed " + std::to_string(e.backend_id) + ")";
    long long idle = now - e.last_used;
    long long left = static_cast<long long>(timeout[k.service_id]) - idle;
    std::string expires = left > 0 ? std::to_string(left) + "s" : "expired";
    list.push_back({{"service", v->frontend(k.service_id)}, {"serviceId", k.service_id}, {"client", format_ipv4(k.client)},
                    {"backend", b}, {"backendId", e.backend_id}, {"idleSeconds", idle}, {"expiresInSeconds", std::max(0LL, left)}});
    t.add({v->frontend(k.service_id), format_ipv4(k.client), b, std::to_string(idle) + "s ago", expires});
  }
  if (o.json())
    std::cout << list.dump(2) << '\n';
  else
    t.print(std::cout);
  return {};
}

Status maglev_get(const BpfOptions& o, const std::string& frontend_text) {
  auto frontend = dataplane::parse_frontend(frontend_text);
  if (!frontend) return frontend.error();
  auto v = open_view(o);
  if (!v) return v.error();
  const dataplane::ServiceRecord* svc = nullptr;
  for (const auto& s : v->services)
    if (s.spec.frontend == *frontend) svc = &s;
  if (!svc) return err("service " + frontend_text + " not found (`xebec bpf lb list` shows the services)");
  if (svc->spec.algorithm != dataplane::Algorithm::kMaglev)
    return err("service " + frontend_text + " uses random selection, not Maglev (lb update --algorithm maglev)");
  auto table = dataplane::BpfLoadBalancer(*v->object).maglev_table(svc->id);
  if (!table) return table.error();
  const auto m = table->size();
  const std::vector<std::uint32_t>& slots = *table;
  std::map<std::uint32_t, std::size_t> owned;
  for (auto id : slots) owned[id]++;

  if (o.json()) {
    json backends = json::array();
    for (std::size_t i = 0; i < svc->backend_ids.size(); ++i)
      backends.push_back({{"id", svc->backend_ids[i]}, {"address", format_endpoint(svc->spec.backends[i])},
                          {"slots", owned[svc->backend_ids[i]]}});
    std::cout << json{{"frontend", frontend_text}, {"id", svc->id}, {"tableSize", m}, {"backends", backends}, {"table", slots}}.dump(2)
              << '\n';
    return {};
  }
  std::cout << "service " << frontend_text << " (id " << svc->id << "), Maglev table of " << m << " slots\n";
  Table t({"BACKEND ID", "BACKEND", "SLOTS", "SHARE"});
  for (std::size_t i = 0; i < svc->backend_ids.size(); ++i) {
    auto c = owned[svc->backend_ids[i]];
    char share[16];
    snprintf(share, sizeof share, "%.2f%%", m ? 100.0 * c / m : 0.0);
    t.add({std::to_string(svc->backend_ids[i]), format_endpoint(svc->spec.backends[i]), std::to_string(c), share});
  }
  t.print(std::cout);
  std::cout << "table (backend id per slot):";
  for (std::size_t i = 0; i < slots.size(); ++i) std::cout << (i % 20 ? " " : "\n  ") << slots[i];
  std::cout << '\n';
  return {};
}

Status stats(const BpfOptions& o) {
  auto v = open_view(o);
  if (!v) return v.error();
  std::vector<std::uint32_t> ids;
  for (const auto& s : v->services) ids.push_back(s.id);
  auto c = dataplane::read_counters(*v->object, ids);
  if (!c) return c.error();
  if (o.json()) {
    json global = json::object();
    for (int i = 0; i < XEBEC_CNT_MAX; ++i) global[dataplane::counter_name(i)] = c->global[i];
    json services = json::array();
    for (const auto& [id, s] : c->per_service)
      services.push_back({{"frontend", v->frontend(id)}, {"id", id}, {"packets", s.packets}, {"bytes", s.bytes},
                          {"newFlows", s.new_flows}, {"drops", s.drops}});
    std::cout << json{{"global", global}, {"services", services}}.dump(2) << '\n';
    return {};
  }
  Table g({"COUNTER", "PACKETS"});
  for (int i = 0; i < XEBEC_CNT_MAX; ++i) g.add({dataplane::counter_name(i), std::to_string(c->global[i])});
  g.print(std::cout);
  std::cout << '\n';
  Table t({"SERVICE", "ID", "PACKETS", "BYTES", "NEW FLOWS", "DROPS"});
  for (const auto& [id, s] : c->per_service)
    t.add({v->frontend(id), std::to_string(id), std::to_string(s.packets), std::to_string(s.bytes),
           std::to_string(s.new_flows), std::to_string(s.drops)});
  t.print(std::cout);
  return {};
}

// Adds `NAME list` under bpf.
void add_list(CLI::App& bpf, BpfOptions& o, const Run& run, const std::string& name, const std::string& help,
              Status (*action)(const BpfOptions&)) {
  auto* group = bpf.add_subcommand(name, help);
  group->require_subcommand(1);
  group->fallthrough();
  auto* list = group->add_subcommand("list", help);
  add_output_option(*list, o);
  list->callback([&o, run, action] { run([&o, action] { return action(o); }); });
}

}  // namespace

void add_inspect_commands(CLI::App& bpf, BpfOptions& o, const Run& run) {
  add_list(bpf, o, run, "backend", "Backends of all services", backend_list);
  add_list(bpf, o, run, "ct", "Tracked flows, both directions", ct_list);
  add_list(bpf, o, run, "affinity", "ClientIP session-affinity entries", affinity_list);

  auto* maglev = bpf.add_subcommand("maglev", "Maglev lookup tables");
  maglev->require_subcommand(1);
  maglev->fallthrough();
  auto frontend = std::make_shared<std::string>();
  auto* get = maglev->add_subcommand("get", "Show a service's Maglev table");
  get->add_option("frontend", *frontend, "VIP:PORT/PROTO")->required();
  add_output_option(*get, o);
  get->callback([&o, frontend, run] { run([&o, frontend] { return maglev_get(o, *frontend); }); });

  auto* st = bpf.add_subcommand("stats", "Packet counters, global and per service");
  add_output_option(*st, o);
  st->callback([&o, run] { run([&o] { return stats(o); }); });
}

}  // namespace xebec::cli
