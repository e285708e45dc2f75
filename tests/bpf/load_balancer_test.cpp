// BpfLoadBalancer against the kernel: what an apply leaves in the pinned maps, that it agrees
// with FakeLoadBalancer on every scenario, and that it fails whole on a full map.
#include <bpf/bpf.h>

#include <catch2/catch.hpp>
#include <set>

#include "bpf/api/lb.h"
#include "dataplane/fake_load_balancer.h"
#include "dataplane/map_io.h"
#include "lb.skel.h"
#include "tests/support/bpf_instance.h"

using namespace xebec::dataplane;
using xebec::testing::BpfInstance;

namespace {

ServiceSpec svc(const char* frontend, std::vector<const char*> backends, std::uint16_t node_port = 0,
                Algorithm algorithm = Algorithm::kRandom) {
  ServiceSpec s;
  s.frontend = *parse_frontend(frontend);
  for (auto b : backends) s.backends.push_back(*parse_endpoint(b));
  s.node_port = node_port;
  s.algorithm = algorithm;
  return s;
}

const ServiceRecord& find(const std::vector<ServiceRecord>& records, const char* frontend) {
  for (const auto& r : records)
    if (format_frontend(r.spec.frontend) == frontend) return r;
  FAIL("service " << frontend << " not found");
  throw std::logic_error("unreachable");
}

// One step of a scenario: an apply (or a delete when `remove` is set) and what it reports.
struct Step {
  std::vector<ServiceSpec> desired;
  bool prune = false;
  const char* remove = nullptr;
};

// Runs the steps on `lb`, returning per step the outcome and the served specs afterwards.
std::vector<std::string> run(LoadBalancer& lb, const std::vector<Step>& steps) {
  std::vector<std::string> trace;
  for (const auto& step : steps) {
    std::string outcome;
    if (step.remove) {
      auto r = lb.remove(*parse_frontend(step.remove));
      outcome = r.ok() ? "removed" : "error: " + r.error().message;
    } else {
      auto r = lb.apply(step.desired, step.prune);
      outcome = r.ok() ? std::to_string(r->created) + "/" + std::to_string(r->updated) + "/" +
                             std::to_string(r->unchanged) + "/" + std::to_string(r->deleted)
                       : "error: " + r.error().message;
    }
    auto served = lb.services();
    REQUIRE(served.ok());
    std::set<std::string> lines;
    for (const auto& r : *served) {
      std::string line = format_frontend(r.spec.frontend) + " np=" + std::to_string(r.spec.node_port) + " alg=" +
                         format_algorithm(r.spec.algorithm) + " aff=" + std::to_string(r.spec.affinity_timeout);
      std::set<std::string> bs;
      for (const auto& b : r.spec.backends) bs.insert(format_endpoint(b));
      for (const auto& b : bs) line += " " + b;
      lines.insert(line);
    }
    for (const auto& l : lines) outcome += "\n  " + l;
    trace.push_back(outcome);
  }
  return trace;
}

}  // namespace

TEST_CASE("the BPF load-balancer and its fake agree on every step of a scenario") {
  auto a = svc("10.96.0.1:80/tcp", {"10.244.1.1:80", "10.244.1.2:80"}, 30080);
  auto b = svc("10.96.0.2:53/udp", {"10.244.1.3:53"}, 0, Algorithm::kMaglev);
  auto a2 = svc("10.96.0.1:80/tcp", {"10.244.1.2:80", "10.244.1.4:80"}, 30081);
  a2.affinity_timeout = 10800;
  auto c = svc("10.96.0.3:80/tcp", {}, 30080);
  auto clash = svc("10.96.0.4:80/tcp", {}, 30081);
  const std::vector<Step> steps = {
      {{a, b}},          {{a, b}},           {{a2}},          {{c}},     {{clash}},
      {{c}, true},       {{}, false, "10.96.0.9:80/tcp"}, {{}, false, "10.96.0.3:80/tcp"},
  };
  FakeLoadBalancer fake;
  BpfInstance inst;
  auto expected = run(fake, steps);
  auto actual = run(inst.lb(), steps);
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    INFO("step " << i);
    CHECK(actual[i] == expected[i]);
  }
  CHECK_THAT(expected[4], Catch::Contains("node port 30081/tcp"));  // the scenario does exercise errors
}

TEST_CASE("an apply leaves frontends, a backend list and backends that describe each other") {
  BpfInstance inst;
  const auto& maps = inst.object().skel()->maps;
  REQUIRE(inst.lb().apply({svc("10.96.0.1:80/tcp", {"10.244.1.1:80", "10.244.1.2:80", "10.244.1.3:80"}, 30080)}, false).ok());
  auto records = inst.lb().services();
  REQUIRE(records.ok());
  const auto& r = find(*records, "10.96.0.1:80/tcp");

  auto frontends = dump_map<lb4_key, lb4_service>(maps.lb4_services);
  REQUIRE(frontends.ok());
  REQUIRE(frontends->size() == 2);  // the ClusterIP and the NodePort, alike
  const lb4_service value = frontends->front().second;
  for (const auto& [k, v] : *frontends) {
    CHECK(v.service_id == r.id);
    CHECK(v.slots_offset == value.slots_offset);
    CHECK(v.backend_count == 3);
  }
  std::set<std::uint32_t> listed;
  for (__u32 i = 0; i < 3; ++i) {
    __u32 slot = value.slots_offset + i, id = 0;
    REQUIRE(bpf_map_lookup_elem(map_fd(maps.lb4_slots), &slot, &id) == 0);
    listed.insert(id);
    lb4_backend b{};
    REQUIRE(bpf_map_lookup_elem(map_fd(maps.lb4_backends), &id, &b) == 0);
    CHECK(b.service_id == r.id);
    CHECK(b.proto == 6);
  }
  CHECK(listed == std::set<std::uint32_t>(r.backend_ids.begin(), r.backend_ids.end()));
  __u32 any = 0;
  CHECK(bpf_map_lookup_elem(map_fd(maps.lb4_maglev), &r.id, &any) != 0);  // random: no Maglev table
}

TEST_CASE("an update writes a new backend list, keeps the ids of kept backends and frees removed ones") {
  BpfInstance inst;
  const auto& maps = inst.object().skel()->maps;
  REQUIRE(inst.lb().apply({svc("10.96.0.1:80/tcp", {"10.244.1.1:80", "10.244.1.2:80"})}, false).ok());
  auto before = find(*inst.lb().services(), "10.96.0.1:80/tcp");
  auto frontend = [&] {
    auto all = dump_map<lb4_key, lb4_service>(maps.lb4_services);
    REQUIRE(all.ok());
    REQUIRE(all->size() == 1);
    return all->front().second;
  };
  const auto offset_before = frontend().slots_offset;

  REQUIRE(inst.lb().apply({svc("10.96.0.1:80/tcp", {"10.244.1.2:80", "10.244.1.5:80"})}, false).ok());
  auto after = find(*inst.lb().services(), "10.96.0.1:80/tcp");
  CHECK(after.id == before.id);
  // The new list went to slots no packet was reading; the frontend switched to it at once.
  CHECK(frontend().slots_offset != offset_before);

  auto id_of = [](const ServiceRecord& r, const char* ep) {
    for (std::size_t i = 0; i < r.backend_ids.size(); ++i)
      if (format_endpoint(r.spec.backends[i]) == ep) return r.backend_ids[i];
    return 0u;
  };
  CHECK(id_of(after, "10.244.1.2:80") == id_of(before, "10.244.1.2:80"));
  lb4_backend gone{};
  __u32 removed = id_of(before, "10.244.1.1:80");
  REQUIRE(bpf_map_lookup_elem(map_fd(maps.lb4_backends), &removed, &gone) == 0);
  CHECK(gone.service_id == 0);  // free: the datapath treats it as gone
}

TEST_CASE("a Maglev table only names the service's backends, each about equally") {
  BpfInstance inst;
  auto spec = svc("10.96.0.1:80/tcp", {"10.244.1.1:80", "10.244.1.2:80", "10.244.1.3:80"}, 0, Algorithm::kMaglev);
  spec.maglev_table_size = 251;
  REQUIRE(inst.lb().apply({spec}, false).ok());
  auto r = find(*inst.lb().services(), "10.96.0.1:80/tcp");
  CHECK(r.spec.maglev_table_size == 251);
  auto table = inst.lb().maglev_table(r.id);
  REQUIRE(table.ok());
  REQUIRE(table->size() == 251);
  std::map<std::uint32_t, int> owned;
  for (auto id : *table) owned[id]++;
  REQUIRE(owned.size() == 3);
  for (auto id : r.backend_ids) {
    CHECK(owned[id] >= 83);
    CHECK(owned[id] <= 84);
  }
  // Back to random: the table goes.
  spec.algorithm = Algorithm::kRandom;
  REQUIRE(inst.lb().apply({spec}, false).ok());
  CHECK_FALSE(inst.lb().maglev_table(r.id).ok());
}

TEST_CASE("a full map fails the whole apply, names the map and its size, and keeps what was stored") {
  BpfInstance inst("full", MapSizes{.services = 4, .backends = 8});
  REQUIRE(inst.lb().apply({svc("10.96.0.1:80/tcp", {"10.244.1.1:80"})}, false).ok());
  std::vector<ServiceSpec> many;
  for (int i = 2; i <= 6; ++i) {
    auto vip = "10.96.0." + std::to_string(i) + ":80/tcp";
    many.push_back(svc(vip.c_str(), {"10.244.1.1:80"}));
  }
  auto r = inst.lb().apply(many, false);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("lb4_services is full") && Catch::Contains("holds 4"));
  CHECK(inst.lb().services()->size() == 1);

  std::vector<const char*> nine = {"10.244.2.1:80", "10.244.2.2:80", "10.244.2.3:80", "10.244.2.4:80", "10.244.2.5:80",
                                   "10.244.2.6:80", "10.244.2.7:80", "10.244.2.8:80", "10.244.2.9:80"};
  r = inst.lb().apply({svc("10.96.0.2:80/tcp", nine)}, false);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("lb4_backends is full (8 entries)"));
  CHECK(inst.lb().services()->size() == 1);
}

TEST_CASE("a new process finds the services an earlier one programmed") {
  BpfInstance inst;
  REQUIRE(inst.lb().apply({svc("10.96.0.1:80/tcp", {"10.244.1.1:80"}, 30080)}, false).ok());
  auto again = LbObject::open(inst.root(), LbObject::Mode::kPinnedMaps);
  REQUIRE(again.ok());
  BpfLoadBalancer second(**again);
  auto records = second.services();
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  CHECK(records->front().spec.same_datapath(svc("10.96.0.1:80/tcp", {"10.244.1.1:80"}, 30080)));
}

TEST_CASE("an instance that does not exist is reported, not created, by readers") {
  auto missing = LbObject::open("/sys/fs/bpf/xebec/does-not-exist", LbObject::Mode::kPinnedMaps);
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("no Xebec dataplane at /sys/fs/bpf/xebec/does-not-exist"));
  auto not_bpffs = LbObject::open("/tmp/xebec-not-bpffs", LbObject::Mode::kCreateMaps);
  REQUIRE_FALSE(not_bpffs.ok());
  CHECK_THAT(not_bpffs.error().message, Catch::Contains("not on a BPF filesystem"));
}

TEST_CASE("backend lists reuse freed slots once the end of lb4_slots is reached") {
  BpfInstance inst("slots", MapSizes{.services = 4, .backends = 8});  // 16 slots
  const auto& maps = inst.object().skel()->maps;
  std::vector<std::uint32_t> offsets;
  for (int round = 0; round < 4; ++round) {
    // Five backends, one of them new each round: each apply writes a fresh list of five.
    const std::string changing = "10.244.9." + std::to_string(round + 1) + ":80";
    auto spec = svc("10.96.0.1:80/tcp", {"10.244.1.1:80", "10.244.1.2:80", "10.244.1.3:80", "10.244.1.4:80",
                                         changing.c_str()});
    auto r = inst.lb().apply({spec}, false);
    REQUIRE(r.ok());
    auto served = inst.lb().services();
    REQUIRE(served->size() == 1);
    CHECK(served->front().spec.same_datapath(spec));
    auto frontends = dump_map<lb4_key, lb4_service>(maps.lb4_services);
    REQUIRE(frontends->size() == 1);
    offsets.push_back(frontends->front().second.slots_offset);
  }
  CHECK(offsets == std::vector<std::uint32_t>{0, 5, 10, 0});  // the fourth list no longer fits after 15
}
