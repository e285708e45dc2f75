// Reading the per-CPU counters: global ones by reason, and per service, summed over CPUs.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bpf/api/lb.h"
#include "dataplane/lb_object.h"
#include "common/result.h"

namespace xebec::dataplane {

struct Counters {
  std::array<std::uint64_t, XEBEC_CNT_MAX> global{};
  std::map<std::uint32_t, service_stats> per_service;  // by service id
};

// Name of a global counter as printed by `xebec bpf stats` ("dnat_new", "drop_no_backend").
std::string counter_name(int counter);

Result<Counters> read_counters(const LbObject& object, const std::vector<std::uint32_t>& service_ids);

}  // namespace xebec::dataplane
