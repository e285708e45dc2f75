// Reading services back from the maps, and writing an apply plan to them in the order that
// keeps every packet's view consistent: backends, then selection tables, then frontends;
// deletions in reverse.
#include "dataplane/bpf_load_balancer.h"

#include <arpa/inet.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "bpf/api/lb.h"
#include "dataplane/map_io.h"
#include "dataplane/maglev.h"
#include "lb.skel.h"

namespace xebec::dataplane {

std::vector<ServiceSpec> specs_of(const std::vector<ServiceRecord>& records) {
  std::vector<ServiceSpec> specs;
  specs.reserve(records.size());
  for (const auto& r : records) specs.push_back(r.spec);
  return specs;
}

namespace {

// Hands out unused ids in [1, limit): above the highest one in use while there is room
// (no set needed), then the gaps below it.
class IdAllocator {
 public:
  IdAllocator(std::vector<std::uint32_t> used, std::uint64_t limit) : used_(std::move(used)), limit_(limit) {
    for (auto id : used_) start_ = std::max<std::uint64_t>(start_, std::uint64_t{id} + 1);
    next_ = start_;
  }

  Result<std::uint32_t> take(const std::string& what) {
    if (next_ < limit_) return static_cast<std::uint32_t>(next_++);
    if (taken_.empty()) taken_.insert(used_.begin(), used_.end());
    for (; gap_ < start_; ++gap_)
      if (taken_.insert(static_cast<std::uint32_t>(gap_)).second) return static_cast<std::uint32_t>(gap_++);
    return err("no free " + what + " id left (" + std::to_string(limit_ - 1) + " in use)");
  }

 private:
  std::vector<std::uint32_t> used_;
  std::uint64_t limit_;
  std::uint64_t start_ = 1;  // one above the highest id in use
  std::uint64_t next_ = 1;
  std::uint64_t gap_ = 1;
  std::set<std::uint32_t> taken_;  // built on the first wrap-around only
};

// Closes selection-table fds once the outer map holds them (or the apply failed).
struct FdList {
  std::vector<int> fds;
  ~FdList() {
    for (int fd : fds) close(fd);
  }
};

// A selection table to build and swap in.
struct TableWrite {
  std::uint32_t service_id;
  const ServiceSpec* spec;
  std::vector<std::uint32_t> backend_ids;
};

// Tables per outer-map batch: each batch costs one RCU grace period in the kernel (~10 ms)
// and holds one fd per table open until it is written, so as many as the fd limit allows.
std::size_t tables_per_batch() {
  struct rlimit lim {};
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < lim.rlim_max) {  // a soft limit below the hard one is only a default
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  constexpr rlim_t kReserve = 256;  // for everything else the process has open
  return lim.rlim_cur > 2 * kReserve ? lim.rlim_cur - kReserve : kReserve;
}

lb4_key cluster_key(const Frontend& f) {
  return lb4_key{f.endpoint.address_be, f.endpoint.port_be, static_cast<__u8>(f.protocol),
                 XEBEC_SCOPE_CLUSTER_IP};
}

lb4_key node_port_key(std::uint16_t node_port, Protocol p) {
  return lb4_key{0, htons(node_port), static_cast<__u8>(p), XEBEC_SCOPE_NODE_PORT};
}

// lb4_key is 8 bytes without padding: its bits identify it.
std::uint64_t key_bits(const lb4_key& k) {
  std::uint64_t bits;
  std::memcpy(&bits, &k, sizeof bits);
  return bits;
}

std::vector<std::uint32_t> build_table(const ServiceSpec& s, const std::vector<std::uint32_t>& ids) {
  const auto n = static_cast<std::uint32_t>(ids.size());
  const std::uint32_t m = s.algorithm == Algorithm::kMaglev && n > 0 ? s.maglev_table_size : 0;
  std::vector<std::uint32_t> table{n, m};
  table.insert(table.end(), ids.begin(), ids.end());
  if (m) {
    std::vector<std::string> names;
    for (const auto& b : s.backends) names.push_back(format_endpoint(b));
    for (auto idx : maglev_table(names, m)) table.push_back(ids[idx]);
  }
  return table;
}

Result<int> create_table(const std::vector<std::uint32_t>& table) {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
  int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "lb4_sel_table", sizeof(__u32), sizeof(__u32),
                          table.size(), &opts);
  if (fd < 0) return err(std::string("cannot create a selection table: ") + strerror(errno));
  std::vector<__u32> keys(table.size());
  for (__u32 i = 0; i < keys.size(); ++i) keys[i] = i;
  __u32 count = keys.size();
  if (bpf_map_update_batch(fd, keys.data(), table.data(), &count, nullptr) < 0) {
    int e = errno;
    close(fd);
    return err(std::string("cannot fill a selection table: ") + strerror(e));
  }
  return fd;
}

Status check_capacity(const struct bpf_map* map, std::size_t wanted, const std::string& what) {
  if (wanted <= map_capacity(map)) return {};
  return err("map " + map_name(map) + " is full: " + what + " need " + std::to_string(wanted) +
             " entries, it holds " + std::to_string(map_capacity(map)));
}

// Builds the tables and swaps them in, a batch at a time. On failure, `swapped` says how many
// made it in.
Status swap_in_tables(const struct bpf_map* outer, const std::vector<TableWrite>& tables, std::size_t& swapped) {
  const std::size_t batch = tables_per_batch();
  for (swapped = 0; swapped < tables.size();) {
    const std::size_t end = std::min(tables.size(), swapped + batch);
    FdList fds;
    std::vector<__u32> keys;
    for (std::size_t i = swapped; i < end; ++i) {
      auto fd = create_table(build_table(*tables[i].spec, tables[i].backend_ids));
      if (!fd) return fd.error();
      fds.fds.push_back(*fd);
      keys.push_back(tables[i].service_id);
    }
    if (auto ok = update_batch(outer, keys, fds.fds, "swap in selection tables"); !ok) return ok;
    swapped = end;
  }
  return {};
}

}  // namespace

Result<std::vector<std::uint32_t>> BpfLoadBalancer::selection_table(std::uint32_t service_id) const {
  __u32 inner_id = 0;
  if (bpf_map_lookup_elem(map_fd(object_.skel()->maps.lb4_selection), &service_id, &inner_id) < 0)
    return err("service id " + std::to_string(service_id) + " has no selection table");
  int fd = bpf_map_get_fd_by_id(inner_id);
  if (fd < 0) return err(std::string("cannot open selection table: ") + strerror(errno));
  struct bpf_map_info info {};
  __u32 len = sizeof info;
  std::vector<std::uint32_t> table;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
    table.resize(info.max_entries);
    for (__u32 i = 0; i < info.max_entries; ++i) bpf_map_lookup_elem(fd, &i, &table[i]);
  }
  close(fd);
  return table;
}

Result<std::vector<ServiceRecord>> BpfLoadBalancer::services() {
  const auto& maps = object_.skel()->maps;
  auto frontends = dump_map<lb4_key, lb4_service>(maps.lb4_services);
  if (!frontends) return frontends.error();
  auto backends = dump_map<__u32, lb4_backend>(maps.lb4_backends);
  if (!backends) return backends.error();

  std::map<std::uint32_t, ServiceRecord> by_id;
  for (const auto& [key, value] : *frontends) {
    auto& r = by_id[value.service_id];
    r.id = value.service_id;
    if (key.scope == XEBEC_SCOPE_NODE_PORT) {
      r.spec.node_port = ntohs(key.port);
      continue;
    }
    r.spec.frontend = Frontend{{key.address, key.port}, static_cast<Protocol>(key.proto)};
    r.spec.algorithm = static_cast<Algorithm>(value.algorithm);
    r.spec.affinity_timeout = value.affinity_timeout;
  }
  std::sort(backends->begin(), backends->end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (const auto& [id, b] : *backends) {
    auto it = by_id.find(b.service_id);
    if (it == by_id.end()) continue;  // an apply in progress, or a deleted service's leftovers
    it->second.spec.backends.push_back(Endpoint{b.address, b.port});
    it->second.backend_ids.push_back(id);
  }
  std::vector<ServiceRecord> out;
  for (auto& [id, r] : by_id) {
    if (r.spec.algorithm == Algorithm::kMaglev && !r.backend_ids.empty()) {
      auto table = selection_table(id);
      if (table && table->size() > XEBEC_SEL_MAGLEV_SIZE) r.spec.maglev_table_size = (*table)[XEBEC_SEL_MAGLEV_SIZE];
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<ApplyReport> BpfLoadBalancer::apply(const std::vector<ServiceSpec>& desired, bool prune) {
  auto current = services();
  if (!current) return current.error();
  auto plan = plan_apply(specs_of(*current), desired, prune);
  if (!plan) return plan.error();
  return execute(*current, *plan);
}

Status BpfLoadBalancer::remove(const Frontend& frontend) {
  auto current = services();
  if (!current) return current.error();
  auto plan = plan_delete(specs_of(*current), frontend);
  if (!plan) return plan.error();
  auto done = execute(*current, *plan);
  if (!done) return done.error();
  return {};
}

Result<ApplyReport> BpfLoadBalancer::execute(const std::vector<ServiceRecord>& current, const ApplyPlan& plan) {
  const auto& maps = object_.skel()->maps;
  std::map<Frontend, const ServiceRecord*> by_frontend;
  std::vector<std::uint32_t> service_ids, backend_ids;
  std::size_t frontend_count = 0, backend_count = 0;
  for (const auto& r : current) {
    by_frontend[r.spec.frontend] = &r;
    service_ids.push_back(r.id);
    backend_ids.insert(backend_ids.end(), r.backend_ids.begin(), r.backend_ids.end());
    frontend_count += r.spec.node_port ? 2 : 1;
    backend_count += r.backend_ids.size();
  }

  // Capacity first, so a plan that cannot fit writes nothing.
  std::size_t frontends_after = frontend_count, backends_after = backend_count;
  for (const auto& s : plan.upserts) {
    frontends_after += s.node_port ? 2 : 1;
    backends_after += s.backends.size();
  }
  for (const auto& f : plan.deletes) {
    frontends_after -= by_frontend.at(f)->spec.node_port ? 2 : 1;
    backends_after -= by_frontend.at(f)->backend_ids.size();
  }
  if (auto ok = check_capacity(maps.lb4_services, frontends_after, "the services"); !ok) return ok.error();
  if (auto ok = check_capacity(maps.lb4_backends, backends_after, "the backends"); !ok) return ok.error();

  IdAllocator service_alloc(std::move(service_ids), std::min(map_capacity(maps.lb4_svc_stats), map_capacity(maps.lb4_selection)));
  IdAllocator backend_alloc(std::move(backend_ids), UINT32_MAX);

  std::vector<__u32> backend_keys, new_service_ids, backend_dels, table_dels;
  std::vector<lb4_backend> backend_values;
  std::vector<TableWrite> tables;
  std::vector<lb4_key> frontend_keys, frontend_dels;
  std::vector<lb4_service> frontend_values;

  for (const auto& s : plan.upserts) {
    auto it = by_frontend.find(s.frontend);
    const ServiceRecord* old = it == by_frontend.end() ? nullptr : it->second;
    std::uint32_t id;
    if (old) {
      id = old->id;
    } else {
      auto fresh = service_alloc.take("service");
      if (!fresh) return fresh.error();
      id = *fresh;
      new_service_ids.push_back(id);
    }
    std::map<Endpoint, std::uint32_t> old_ids;
    if (old)
      for (std::size_t i = 0; i < old->backend_ids.size(); ++i) old_ids[old->spec.backends[i]] = old->backend_ids[i];
    std::vector<std::uint32_t> ids;
    for (const auto& b : s.backends) {
      if (auto kept = old_ids.find(b); kept != old_ids.end()) {
        ids.push_back(kept->second);
        old_ids.erase(kept);
        continue;
      }
      auto fresh = backend_alloc.take("backend");
      if (!fresh) return fresh.error();
      ids.push_back(*fresh);
      backend_keys.push_back(*fresh);
      backend_values.push_back(lb4_backend{b.address_be, b.port_be, static_cast<__u8>(s.frontend.protocol), 0, id});
    }
    for (const auto& [_, gone] : old_ids) backend_dels.push_back(gone);

    tables.push_back({id, &s, std::move(ids)});

    lb4_service value{id, s.affinity_timeout, static_cast<__u8>(s.algorithm), {}};
    frontend_keys.push_back(cluster_key(s.frontend));
    frontend_values.push_back(value);
    if (s.node_port) {
      frontend_keys.push_back(node_port_key(s.node_port, s.frontend.protocol));
      frontend_values.push_back(value);
    }
    if (old && old->spec.node_port && old->spec.node_port != s.node_port)
      frontend_dels.push_back(node_port_key(old->spec.node_port, s.frontend.protocol));
  }
  for (const auto& f : plan.deletes) {
    const ServiceRecord* old = by_frontend.at(f);
    frontend_dels.push_back(cluster_key(f));
    if (old->spec.node_port) frontend_dels.push_back(node_port_key(old->spec.node_port, f.protocol));
    table_dels.push_back(old->id);
    backend_dels.insert(backend_dels.end(), old->backend_ids.begin(), old->backend_ids.end());
  }
  // A NodePort another service takes over in this same apply is not deleted after it.
  std::set<std::uint64_t> written;
  for (const auto& k : frontend_keys) written.insert(key_bits(k));
  std::erase_if(frontend_dels, [&](const lb4_key& k) { return written.contains(key_bits(k)); });

  if (auto ok = update_batch(maps.lb4_backends, backend_keys, backend_values, "add backends"); !ok) return ok.error();
  std::size_t swapped = 0;
  if (auto ok = swap_in_tables(maps.lb4_selection, tables, swapped); !ok) {
    if (swapped == 0) {  // nothing refers to the new backends yet: take them back out
      (void)delete_batch(maps.lb4_backends, backend_keys, "remove the backends of a failed apply");
      return ok.error();
    }
    return err(ok.error().message + " (" + std::to_string(swapped) + " of " + std::to_string(tables.size()) +
               " services already switched to their new backends; apply again once the cause is fixed)");
  }
  if (!new_service_ids.empty()) {
    std::vector<service_stats> zeros(new_service_ids.size() * libbpf_num_possible_cpus());
    __u32 count = new_service_ids.size();
    if (bpf_map_update_batch(map_fd(maps.lb4_svc_stats), new_service_ids.data(), zeros.data(), &count, nullptr) < 0)
      return map_error(maps.lb4_svc_stats, "reset counters", errno);
  }
  if (auto ok = update_batch(maps.lb4_services, frontend_keys, frontend_values, "add frontends"); !ok)
    return ok.error();
  if (auto ok = delete_batch(maps.lb4_services, frontend_dels, "delete frontends"); !ok) return ok.error();
  if (auto ok = delete_batch(maps.lb4_selection, table_dels, "delete selection tables"); !ok) return ok.error();
  if (auto ok = delete_batch(maps.lb4_backends, backend_dels, "delete backends"); !ok) return ok.error();
  return plan.report;
}

}  // namespace xebec::dataplane
