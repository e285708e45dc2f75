// `xebec bpf lb update|delete|apply|list`: the service table.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cmd/bpf_cmd.h"
#include "cmd/table.h"
#include "dataplane/bpf_load_balancer.h"
#include "dataplane/instance_lock.h"
#include "dataplane/service_file.h"

namespace xebec::cli {

namespace {

using dataplane::BpfLoadBalancer;
using dataplane::LbObject;

// Opens the instance for writing (creating its maps if needed) and takes its lock.
template <typename F>
Status with_writer(const BpfOptions& o, F&& body) {
  auto object = LbObject::open(o.bpf_root, LbObject::Mode::kCreateMaps, o.sizes);
  if (!object) return object.error();
  auto lock = dataplane::InstanceLock::acquire(o.bpf_root);
  if (!lock) return lock.error();
  BpfLoadBalancer lb(**object);
  return body(lb);
}

void print_report(const dataplane::ApplyReport& r) {
  std::cout << r.created << " created, " << r.updated << " updated, " << r.unchanged << " unchanged, "
            << r.deleted << " deleted\n";
}

std::string flags_of(const dataplane::ServiceSpec& s, bool node_port_row) {
  std::string f = node_port_row ? "NodePort" : "ClusterIP";
  f += ", " + dataplane::format_algorithm(s.algorithm);
  if (s.algorithm == dataplane::Algorithm::kMaglev) f += " (" + std::to_string(s.maglev_table_size) + ")";
  if (s.affinity_timeout) f += ", affinity " + std::to_string(s.affinity_timeout) + "s";
  if (s.backends.empty()) f += ", no backends";
  return f;
}

nlohmann::json service_json(const dataplane::ServiceRecord& r) {
  nlohmann::json backends = nlohmann::json::array();
  for (std::size_t i = 0; i < r.backend_ids.size(); ++i)
    backends.push_back({{"slot", i + 1}, {"id", r.backend_ids[i]}, {"address", dataplane::format_endpoint(r.spec.backends[i])}});
  nlohmann::json j = {{"frontend", dataplane::format_frontend(r.spec.frontend)},
                      {"id", r.id},
                      {"algorithm", dataplane::format_algorithm(r.spec.algorithm)},
                      {"affinityTimeout", r.spec.affinity_timeout},
                      {"backends", backends}};
  if (r.spec.node_port) j["nodePort"] = r.spec.node_port;
  if (r.spec.algorithm == dataplane::Algorithm::kMaglev) j["maglevTableSize"] = r.spec.maglev_table_size;
  return j;
}

void print_services(const std::vector<dataplane::ServiceRecord>& records, bool json) {
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : records) list.push_back(service_json(r));
    std::cout << list.dump(2) << '\n';
    return;
  }
  Table t({"FRONTEND", "ID", "SLOT", "BACKEND", "BACKEND ID", "FLAGS"});
  for (const auto& r : records) {
    auto rows = [&](const std::string& frontend, bool node_port_row) {
      t.add({frontend, std::to_string(r.id), "0", "(" + std::to_string(r.backend_ids.size()) + " backends)", "",
             flags_of(r.spec, node_port_row)});
      for (std::size_t i = 0; i < r.backend_ids.size(); ++i)
        t.add({"", "", std::to_string(i + 1), dataplane::format_endpoint(r.spec.backends[i]),
               std::to_string(r.backend_ids[i]), ""});
    };
    rows(dataplane::format_frontend(r.spec.frontend), false);
    if (r.spec.node_port)
      rows("*:" + std::to_string(r.spec.node_port) + "/" + dataplane::format_protocol(r.spec.frontend.protocol), true);
  }
  t.print(std::cout);
}

}  // namespace

void add_lb_commands(CLI::App& bpf, BpfOptions& o, const Run& run) {
  auto* lb = bpf.add_subcommand("lb", "Service frontends and their backends");
  lb->require_subcommand(1);
  lb->fallthrough();

  struct UpdateFlags {
    std::string frontend;
    std::vector<std::string> backends;
    std::string algorithm = "random";
    std::uint32_t affinity_timeout = 0;
    std::uint16_t node_port = 0;
    std::uint32_t maglev_size = dataplane::kMaglevDefaultTableSize;
  };
  auto uf = std::make_shared<UpdateFlags>();
  auto* update = lb->add_subcommand("update", "Create or replace one service");
  update->add_option("frontend", uf->frontend, "VIP:PORT/PROTO, e.g. 10.96.0.10:80/tcp")->required();
  update->add_option("--backend", uf->backends, "Backend IP:PORT (repeat, or comma-separate)")->delimiter(',');
  update->add_option("--algorithm", uf->algorithm, "Backend selection")->check(CLI::IsMember({"random", "maglev"}))->capture_default_str();
  update->add_option("--affinity-timeout", uf->affinity_timeout, "ClientIP session affinity in seconds (0 = none; Kubernetes uses 10800)")
      ->capture_default_str();
  update->add_option("--node-port", uf->node_port, "Also serve the service on the node addresses at this port");
  update->add_option("--maglev-table-size", uf->maglev_size, "Maglev lookup table size (prime)")->capture_default_str();
  update->callback([&o, uf, run] {
    run([&o, uf]() -> Status {
      dataplane::ServiceSpec spec;
      auto frontend = dataplane::parse_frontend(uf->frontend);
      if (!frontend) return frontend.error();
      spec.frontend = *frontend;
      for (const auto& b : uf->backends) {
        auto e = dataplane::parse_endpoint(b);
        if (!e) return err("--backend: " + e.error().message);
        spec.backends.push_back(*e);
      }
      spec.algorithm = *dataplane::parse_algorithm(uf->algorithm);
      spec.affinity_timeout = uf->affinity_timeout;
      spec.node_port = uf->node_port;
      spec.maglev_table_size = uf->maglev_size;
      return with_writer(o, [&](BpfLoadBalancer& lb) -> Status {
        auto report = lb.apply({spec}, false);
        if (!report) return report.error();
        std::cout << "service " << uf->frontend << (report->created ? " created" : report->updated ? " updated" : " unchanged")
                  << " (" << spec.backends.size() << " backends)\n";
        return {};
      });
    });
  });

  auto delete_frontend = std::make_shared<std::string>();
  auto* del = lb->add_subcommand("delete", "Delete one service");
  del->add_option("frontend", *delete_frontend, "VIP:PORT/PROTO")->required();
  del->callback([&o, delete_frontend, run] {
    run([&o, delete_frontend]() -> Status {
      auto frontend = dataplane::parse_frontend(*delete_frontend);
      if (!frontend) return frontend.error();
      if (!dataplane::instance_exists(o.bpf_root))
        return err("service " + *delete_frontend + " not found: no Xebec dataplane at " + o.bpf_root);
      return with_writer(o, [&](BpfLoadBalancer& lb) -> Status {
        if (auto ok = lb.remove(*frontend); !ok) return ok;
        std::cout << "service " << *delete_frontend << " deleted\n";
        return {};
      });
    });
  });

  struct ApplyFlags {
    std::string file;
    bool prune = false;
  };
  auto af = std::make_shared<ApplyFlags>();
  auto* apply = lb->add_subcommand("apply", "Serve the services of a YAML or JSON file, in one step");
  apply->add_option("-f,--filename", af->file, "Services file ('-' for stdin)")->required();
  apply->add_flag("--prune", af->prune, "Delete services that are not in the file");
  apply->callback([&o, af, run] {
    run([&o, af]() -> Status {
      auto specs = dataplane::load_service_file(af->file);
      if (!specs) return specs.error();
      return with_writer(o, [&](BpfLoadBalancer& lb) -> Status {
        auto report = lb.apply(*specs, af->prune);
        if (!report) return report.error();
        print_report(*report);
        return {};
      });
    });
  });

  auto* list = lb->add_subcommand("list", "List services with their backends and slots");
  add_output_option(*list, o);
  list->callback([&o, run] {
    run([&o]() -> Status {
      auto object = LbObject::open(o.bpf_root, LbObject::Mode::kPinnedMaps);
      if (!object) return object.error();
      BpfLoadBalancer lb(**object);
      auto records = lb.services();
      if (!records) return records.error();
      print_services(*records, o.json());
      return {};
    });
  });
}

}  // namespace xebec::cli
