// plan_apply semantics, checked on the FakeLoadBalancer that shares them with the real one
// (tests/bpf/load_balancer_test.cpp runs the real one against the kernel).
#include "dataplane/apply_plan.h"

#include <catch2/catch.hpp>

#include "dataplane/fake_load_balancer.h"

using namespace xebec::dataplane;

namespace {
ServiceSpec svc(const char* frontend, std::vector<const char*> backends, std::uint16_t node_port = 0) {
  ServiceSpec s;
  s.frontend = *parse_frontend(frontend);
  for (auto b : backends) s.backends.push_back(*parse_endpoint(b));
  s.node_port = node_port;
  return s;
}
}  // namespace

TEST_CASE("apply creates, updates, leaves unchanged and prunes") {
  FakeLoadBalancer lb;
  auto a = svc("10.96.0.1:80/tcp", {"10.244.1.1:80"});
  auto b = svc("10.96.0.2:80/tcp", {"10.244.1.2:80", "10.244.1.3:80"});
  auto r = lb.apply({a, b}, false);
  REQUIRE(r.ok());
  CHECK(r->created == 2);

  auto b_reordered = svc("10.96.0.2:80/tcp", {"10.244.1.3:80", "10.244.1.2:80"});
  r = lb.apply({b_reordered}, false);
  REQUIRE(r.ok());
  CHECK(r->unchanged == 1);
  CHECK(lb.services()->size() == 2);  // no prune: a stays

  auto b2 = svc("10.96.0.2:80/tcp", {"10.244.1.3:80"});
  r = lb.apply({b2}, true);
  REQUIRE(r.ok());
  CHECK(r->updated == 1);
  CHECK(r->deleted == 1);
  auto now = lb.services();
  REQUIRE(now->size() == 1);
  CHECK(now->front().spec.backends.size() == 1);
}

TEST_CASE("a NodePort belongs to one service, a failed apply changes nothing") {
  FakeLoadBalancer lb;
  REQUIRE(lb.apply({svc("10.96.0.1:80/tcp", {}, 30080)}, false).ok());
  auto clash = lb.apply({svc("10.96.0.2:80/tcp", {"10.244.1.1:80"}), svc("10.96.0.3:80/tcp", {}, 30080)}, false);
  REQUIRE_FALSE(clash.ok());
  CHECK_THAT(clash.error().message, Catch::Contains("node port 30080/tcp"));
  CHECK(lb.services()->size() == 1);
  // The same port on the other protocol is another NodePort.
  CHECK(lb.apply({svc("10.96.0.3:80/udp", {}, 30080)}, false).ok());
  // With --prune the old owner goes away, so the port is free to take.
  CHECK(lb.apply({svc("10.96.0.3:80/tcp", {}, 30080)}, true).ok());
}

TEST_CASE("invalid specs are refused before anything is written") {
  FakeLoadBalancer lb;
  auto dup = svc("10.96.0.1:80/tcp", {"10.244.1.1:80", "10.244.1.1:80"});
  auto r = lb.apply({dup}, false);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("listed twice"));

  auto maglev = svc("10.96.0.1:80/tcp", {"10.244.1.1:80"});
  maglev.algorithm = Algorithm::kMaglev;
  maglev.maglev_table_size = 16380;
  r = lb.apply({maglev}, false);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("not prime"));
  CHECK(lb.services()->empty());
}

TEST_CASE("deleting an unknown service says so") {
  FakeLoadBalancer lb;
  auto s = lb.remove(*parse_frontend("10.96.0.9:80/tcp"));
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.error().message, Catch::Contains("10.96.0.9:80/tcp not found"));
}
