// Summing per-CPU counter values.
#include "dataplane/stats.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane/map_io.h"
#include "lb.skel.h"

namespace xebec::dataplane {

std::string counter_name(int counter) {
  static const char* const names[XEBEC_CNT_MAX] = {
      "pass",          "dnat_new",        "dnat_established", "reverse_nat",  "malformed_pass",
      "fragment_pass", "drop_no_backend", "drop_no_table",    "drop_rewrite",
  };
  return counter >= 0 && counter < XEBEC_CNT_MAX ? names[counter] : "unknown";
}

Result<Counters> read_counters(const LbObject& object, const std::vector<std::uint32_t>& service_ids) {
  const auto& maps = object.skel()->maps;
  const int cpus = libbpf_num_possible_cpus();
  Counters out;

  std::vector<__u64> per_cpu(cpus);
  for (__u32 c = 0; c < XEBEC_CNT_MAX; ++c) {
    if (bpf_map_lookup_elem(map_fd(maps.lb_stats), &c, per_cpu.data()) < 0)
      return map_error(maps.lb_stats, "read counter " + counter_name(c), errno);
    for (auto v : per_cpu) out.global[c] += v;
  }
  std::vector<service_stats> svc(cpus);
  for (__u32 id : service_ids) {
    if (bpf_map_lookup_elem(map_fd(maps.lb4_svc_stats), &id, svc.data()) < 0)
      return map_error(maps.lb4_svc_stats, "read counters of service " + std::to_string(id), errno);
    service_stats sum{};
    for (const auto& s : svc) {
      sum.packets += s.packets;
      sum.bytes += s.bytes;
      sum.new_flows += s.new_flows;
      sum.drops += s.drops;
    }
    out.per_service[id] = sum;
  }
  return out;
}

}  // namespace xebec::dataplane
