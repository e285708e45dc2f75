// Reading services back from the maps, and writing an apply plan to them in the order that
// keeps every packet's view consistent: backends, then backend lists and Maglev tables, then
// frontends (which publish them); deletions in reverse.
#include "dataplane/bpf_load_balancer.h"

#include <arpa/inet.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <set>

#include "dataplane/maglev.h"
#include "dataplane/map_io.h"
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

  // Fails with `full` when every id is taken.
  Result<std::uint32_t> take(const std::string& full) {
    if (next_ < limit_) return static_cast<std::uint32_t>(next_++);
    if (taken_.empty()) taken_.insert(used_.begin(), used_.end());
    for (; gap_ < start_; ++gap_)
      if (taken_.insert(static_cast<std::uint32_t>(gap_)).second) return static_cast<std::uint32_t>(gap_++);
    return err(full);
  }

 private:
  std::vector<std::uint32_t> used_;
  std::uint64_t limit_;
  std::uint64_t start_ = 1;  // one above the highest id in use
  std::uint64_t next_ = 1;
  std::uint64_t gap_ = 1;
  std::set<std::uint32_t> taken_;  // built on the first wrap-around only
};

// Hands out ranges of lb4_slots that no frontend points to: after the last range in use
// while there is room, then the first gap that fits. Ranges freed by this apply stay taken
// until it ends, since packets may still read them.
class SlotAllocator {
 public:
  SlotAllocator(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& used, std::uint64_t capacity)
      : capacity_(capacity) {
    for (auto [offset, count] : used) {
      if (count == 0) continue;
      used_[offset] = count;
      tail_ = std::max<std::uint64_t>(tail_, std::uint64_t{offset} + count);
    }
  }

  Result<std::uint32_t> take(std::uint32_t count, const std::string& full) {
    if (count == 0) return 0u;
    std::uint64_t at = tail_;
    if (at + count > capacity_) {  // the end is full: first fit from the start
      at = 0;
      for (auto [offset, len] : used_) {
        if (offset >= at + count) break;
        at = std::max<std::uint64_t>(at, std::uint64_t{offset} + len);
      }
      if (at + count > capacity_) return err(full);
    }
    used_[static_cast<std::uint32_t>(at)] = count;
    tail_ = std::max(tail_, at + count);
    return static_cast<std::uint32_t>(at);
  }

 private:
  std::map<std::uint32_t, std::uint32_t> used_;  // offset -> count
  std::uint64_t capacity_;
  std::uint64_t tail_ = 0;
};

// Closes Maglev-table fds once the outer map holds them (or the apply failed).
struct FdList {
  std::vector<int> fds;
  ~FdList() {
    for (int fd : fds) close(fd);
  }
};

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

// A Maglev table to build and swap in.
struct MaglevWrite {
  std::uint32_t service_id;
  const ServiceSpec* spec;
  std::vector<std::uint32_t> backend_ids;  // parallel to spec->backends
};

std::vector<std::uint32_t> build_maglev(const MaglevWrite& w) {
  std::vector<std::string> names;
  names.reserve(w.spec->backends.size());
  for (const auto& b : w.spec->backends) names.push_back(format_endpoint(b));
  std::vector<std::uint32_t> table{w.spec->maglev_table_size};
  for (auto idx : maglev_table(names, w.spec->maglev_table_size)) table.push_back(w.backend_ids[idx]);
  return table;
}

Result<int> create_table(const std::vector<std::uint32_t>& table) {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
  int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "lb4_maglev_tbl", sizeof(__u32), sizeof(__u32), table.size(), &opts);
  if (fd < 0) return err(std::string("cannot create a Maglev table: ") + strerror(errno));
  std::vector<__u32> keys(table.size());
  for (__u32 i = 0; i < keys.size(); ++i) keys[i] = i;
  __u32 count = keys.size();
  if (bpf_map_update_batch(fd, keys.data(), table.data(), &count, nullptr) < 0) {
    int e = errno;
    close(fd);
    return err(std::string("cannot fill a Maglev table: ") + strerror(e));
  }
  return fd;
}

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

// Builds the Maglev tables and swaps them in, a batch at a time.
Status swap_in_maglev(const struct bpf_map* outer, const std::vector<MaglevWrite>& tables) {
  const std::size_t batch = tables_per_batch();
  for (std::size_t start = 0; start < tables.size(); start += batch) {
    const std::size_t end = std::min(tables.size(), start + batch);
    FdList fds;
    std::vector<__u32> keys;
    for (std::size_t i = start; i < end; ++i) {
      auto fd = create_table(build_maglev(tables[i]));
      if (!fd) return fd.error();
      fds.fds.push_back(*fd);
      keys.push_back(tables[i].service_id);
    }
    if (auto ok = update_batch(outer, keys, fds.fds, "swap in Maglev tables"); !ok) return ok;
  }
  return {};
}

Status check_capacity(const struct bpf_map* map, std::size_t wanted, const std::string& what) {
  if (wanted <= map_capacity(map)) return {};
  return err("map " + map_name(map) + " is full: " + what + " need " + std::to_string(wanted) +
             " entries, it holds " + std::to_string(map_capacity(map)));
}

std::string full_message(const struct bpf_map* map, const std::string& what) {
  return "map " + map_name(map) + " is full (" + std::to_string(map_capacity(map)) + " entries): no room for " + what;
}

}  // namespace

Status BpfLoadBalancer::map_arrays() {
  const auto& maps = object_.skel()->maps;
  if (!backends_) {
    auto m = MappedArray<lb4_backend>::map(maps.lb4_backends);
    if (!m) return m.error();
    backends_.emplace(std::move(*m));
  }
  if (!slots_) {
    auto m = MappedArray<__u32>::map(maps.lb4_slots);
    if (!m) return m.error();
    slots_.emplace(std::move(*m));
  }
  return {};
}

Result<std::vector<std::uint32_t>> BpfLoadBalancer::maglev_table(std::uint32_t service_id) const {
  __u32 inner_id = 0;
  if (bpf_map_lookup_elem(map_fd(object_.skel()->maps.lb4_maglev), &service_id, &inner_id) < 0)
    return err("service id " + std::to_string(service_id) + " has no Maglev table");
  int fd = bpf_map_get_fd_by_id(inner_id);
  if (fd < 0) return err(std::string("cannot open a Maglev table: ") + strerror(errno));
  __u32 key = XEBEC_MAGLEV_SIZE, size = 0;
  std::vector<std::uint32_t> table;
  if (bpf_map_lookup_elem(fd, &key, &size) == 0) {
    std::vector<__u32> keys(size + 1), values(size + 1);
    __u32 count = size + 1, token = 0;
    int r = bpf_map_lookup_batch(fd, nullptr, &token, keys.data(), values.data(), &count, nullptr);
    if ((r == 0 || errno == ENOENT) && count > XEBEC_MAGLEV_TABLE)
      table.assign(values.begin() + XEBEC_MAGLEV_TABLE, values.begin() + count);
  }
  close(fd);
  return table;
}

Result<std::vector<BpfLoadBalancer::Served>> BpfLoadBalancer::read() {
  if (auto ok = map_arrays(); !ok) return ok.error();
  auto frontends = dump_map<lb4_key, lb4_service>(object_.skel()->maps.lb4_services);
  if (!frontends) return frontends.error();

  std::map<std::uint32_t, Served> by_id;
  for (const auto& [key, value] : *frontends) {
    auto& s = by_id[value.service_id];
    s.record.id = value.service_id;
    if (key.scope == XEBEC_SCOPE_NODE_PORT) {
      s.record.spec.node_port = ntohs(key.port);
      continue;
    }
    s.record.spec.frontend = Frontend{{key.address, key.port}, static_cast<Protocol>(key.proto)};
    s.record.spec.algorithm = static_cast<Algorithm>(value.algorithm);
    s.record.spec.affinity_timeout = value.affinity_timeout;
    s.slots_offset = value.slots_offset;
    for (std::uint32_t i = 0; i < value.backend_count && value.slots_offset + i < slots_->size(); ++i) {
      std::uint32_t id = (*slots_)[value.slots_offset + i];
      if (id >= backends_->size()) continue;
      const lb4_backend& b = (*backends_)[id];
      s.record.spec.backends.push_back(Endpoint{b.address, b.port});
      s.record.backend_ids.push_back(id);
    }
  }
  std::vector<Served> out;
  out.reserve(by_id.size());
  for (auto& [id, s] : by_id) {
    if (s.record.spec.algorithm == Algorithm::kMaglev && !s.record.backend_ids.empty()) {
      auto table = maglev_table(id);
      if (table) s.record.spec.maglev_table_size = static_cast<std::uint32_t>(table->size());
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<ServiceRecord>> BpfLoadBalancer::services() {
  auto served = read();
  if (!served) return served.error();
  std::vector<ServiceRecord> out;
  out.reserve(served->size());
  for (auto& s : *served) out.push_back(std::move(s.record));
  return out;
}

Result<ApplyReport> BpfLoadBalancer::apply(const std::vector<ServiceSpec>& desired, bool prune) {
  auto current = read();
  if (!current) return current.error();
  std::vector<ServiceSpec> specs;
  specs.reserve(current->size());
  for (const auto& s : *current) specs.push_back(s.record.spec);
  auto plan = plan_apply(specs, desired, prune);
  if (!plan) return plan.error();
  return execute(*current, *plan);
}

Status BpfLoadBalancer::remove(const Frontend& frontend) {
  auto current = read();
  if (!current) return current.error();
  std::vector<ServiceSpec> specs;
  for (const auto& s : *current) specs.push_back(s.record.spec);
  auto plan = plan_delete(specs, frontend);
  if (!plan) return plan.error();
  auto done = execute(*current, *plan);
  if (!done) return done.error();
  return {};
}

Result<ApplyReport> BpfLoadBalancer::execute(const std::vector<Served>& current, const ApplyPlan& plan) {
  const auto& maps = object_.skel()->maps;
  std::map<Frontend, const Served*> by_frontend;
  std::vector<std::uint32_t> service_ids, backend_ids;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
  for (const auto& s : current) {
    const auto& r = s.record;
    by_frontend[r.spec.frontend] = &s;
    service_ids.push_back(r.id);
    backend_ids.insert(backend_ids.end(), r.backend_ids.begin(), r.backend_ids.end());
    ranges.emplace_back(s.slots_offset, static_cast<std::uint32_t>(r.backend_ids.size()));
  }

  // Everything that can fail for lack of room is decided before anything is written.
  auto keys_of = [](const ServiceSpec& s) -> std::size_t { return s.node_port ? 2 : 1; };
  std::size_t frontends_after = 0;
  for (const auto& s : current) frontends_after += keys_of(s.record.spec);
  for (const auto& s : plan.upserts) {
    if (auto it = by_frontend.find(s.frontend); it != by_frontend.end()) frontends_after -= keys_of(it->second->record.spec);
    frontends_after += keys_of(s);
  }
  for (const auto& f : plan.deletes) frontends_after -= keys_of(by_frontend.at(f)->record.spec);
  if (auto ok = check_capacity(maps.lb4_services, frontends_after, "the services"); !ok) return ok.error();

  IdAllocator service_alloc(std::move(service_ids), std::min(map_capacity(maps.lb4_svc_stats), map_capacity(maps.lb4_maglev)));
  IdAllocator backend_alloc(std::move(backend_ids), map_capacity(maps.lb4_backends));
  SlotAllocator slot_alloc(ranges, map_capacity(maps.lb4_slots));
  const std::string services_full = full_message(maps.lb4_svc_stats, "another service");
  const std::string backends_full = full_message(maps.lb4_backends, "the backends");
  const std::string slots_full = full_message(maps.lb4_slots, "the backend lists");

  struct BackendWrite {
    std::uint32_t id;
    lb4_backend value;
  };
  struct ListWrite {
    std::uint32_t offset;
    std::vector<std::uint32_t> ids;
  };
  std::vector<BackendWrite> backend_writes;
  std::vector<ListWrite> list_writes;
  std::vector<MaglevWrite> maglev_writes;
  std::vector<__u32> new_service_ids, backend_dels, maglev_dels;
  std::vector<lb4_key> frontend_keys, frontend_dels;
  std::vector<lb4_service> frontend_values;

  for (const auto& s : plan.upserts) {
    auto it = by_frontend.find(s.frontend);
    const Served* old = it == by_frontend.end() ? nullptr : it->second;
    std::uint32_t id;
    if (old) {
      id = old->record.id;
    } else {
      auto fresh = service_alloc.take(services_full);
      if (!fresh) return fresh.error();
      id = *fresh;
      new_service_ids.push_back(id);
    }
    std::map<Endpoint, std::uint32_t> old_ids;
    if (old)
      for (std::size_t i = 0; i < old->record.backend_ids.size(); ++i)
        old_ids[old->record.spec.backends[i]] = old->record.backend_ids[i];
    std::vector<std::uint32_t> ids;
    ids.reserve(s.backends.size());
    for (const auto& b : s.backends) {
      if (auto kept = old_ids.find(b); kept != old_ids.end()) {
        ids.push_back(kept->second);
        old_ids.erase(kept);
        continue;
      }
      auto fresh = backend_alloc.take(backends_full);
      if (!fresh) return fresh.error();
      ids.push_back(*fresh);
      backend_writes.push_back({*fresh, lb4_backend{b.address_be, b.port_be, static_cast<__u8>(s.frontend.protocol), 0, id}});
    }
    for (const auto& [_, gone] : old_ids) backend_dels.push_back(gone);

    auto offset = slot_alloc.take(static_cast<std::uint32_t>(ids.size()), slots_full);
    if (!offset) return offset.error();
    const bool maglev = s.algorithm == Algorithm::kMaglev && !ids.empty();
    if (maglev) maglev_writes.push_back({id, &s, ids});
    else if (old && old->record.spec.algorithm == Algorithm::kMaglev) maglev_dels.push_back(id);

    lb4_service value{id, s.affinity_timeout, *offset, static_cast<__u16>(ids.size()),
                      static_cast<__u8>(s.algorithm), 0};
    list_writes.push_back({*offset, std::move(ids)});
    frontend_keys.push_back(cluster_key(s.frontend));
    frontend_values.push_back(value);
    if (s.node_port) {
      frontend_keys.push_back(node_port_key(s.node_port, s.frontend.protocol));
      frontend_values.push_back(value);
    }
    if (old && old->record.spec.node_port && old->record.spec.node_port != s.node_port)
      frontend_dels.push_back(node_port_key(old->record.spec.node_port, s.frontend.protocol));
  }
  for (const auto& f : plan.deletes) {
    const auto& old = by_frontend.at(f)->record;
    frontend_dels.push_back(cluster_key(f));
    if (old.spec.node_port) frontend_dels.push_back(node_port_key(old.spec.node_port, f.protocol));
    if (old.spec.algorithm == Algorithm::kMaglev) maglev_dels.push_back(old.id);
    backend_dels.insert(backend_dels.end(), old.backend_ids.begin(), old.backend_ids.end());
  }
  // A NodePort another service takes over in this same apply is not deleted after it.
  std::set<std::uint64_t> written;
  for (const auto& k : frontend_keys) written.insert(key_bits(k));
  std::erase_if(frontend_dels, [&](const lb4_key& k) { return written.contains(key_bits(k)); });

  // 1. Backends and backend lists, into entries no frontend points to yet.
  if (auto ok = map_arrays(); !ok) return ok.error();
  for (const auto& w : backend_writes) (*backends_)[w.id] = w.value;
  for (const auto& w : list_writes)
    for (std::size_t i = 0; i < w.ids.size(); ++i) (*slots_)[w.offset + i] = w.ids[i];
  std::atomic_thread_fence(std::memory_order_seq_cst);  // visible before any map update publishes them

  // 2. Maglev tables and fresh counters, then 3. the frontends that publish it all.
  if (auto ok = swap_in_maglev(maps.lb4_maglev, maglev_writes); !ok) return ok.error();
  if (!new_service_ids.empty()) {
    std::vector<service_stats> zeros(new_service_ids.size() * libbpf_num_possible_cpus());
    __u32 count = new_service_ids.size();
    if (bpf_map_update_batch(map_fd(maps.lb4_svc_stats), new_service_ids.data(), zeros.data(), &count, nullptr) < 0)
      return map_error(maps.lb4_svc_stats, "reset counters", errno);
  }
  if (auto ok = update_batch(maps.lb4_services, frontend_keys, frontend_values, "add frontends"); !ok)
    return ok.error();

  // 4. What nothing points to any more, in reverse.
  if (auto ok = delete_batch(maps.lb4_services, frontend_dels, "delete frontends"); !ok) return ok.error();
  if (auto ok = delete_batch(maps.lb4_maglev, maglev_dels, "delete Maglev tables"); !ok) return ok.error();
  for (auto id : backend_dels) (*backends_)[id] = lb4_backend{};
  return plan.report;
}

}  // namespace xebec::dataplane
