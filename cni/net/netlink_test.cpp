// Tests of RouteSocket on a real network namespace (as root): it stays bound to the namespace it
// was opened in, and a refused request keeps the kernel's errno and explanation.
#include "cni/net/netlink.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "cni/net/netns.h"
#include "tests/support/eventually.h"
#include "tests/support/netns.h"

namespace {

using namespace xebec;
using namespace xebec::cni;
using testing::must;

TEST_CASE("RouteSocket: a refused request keeps the kernel's errno and explanation, until the next request") {
  REQUIRE(geteuid() == 0);
  testing::Namespace ns("xebec-cninet" + std::to_string(getpid()) + "-sock");
  ns.ip({"link", "add", "v0", "type", "veth", "peer", "name", "v1"});  // down
  const int v0 = nlohmann::json::parse(testing::run_checked({"ip", "-j", "link", "show", "dev", "v0"}, ns.name()))
                     .at(0)
                     .at("ifindex");

  // Opened inside, used from outside: the requests still act in the namespace.
  auto handle = must(NetnsHandle::open("/run/netns/" + ns.name()));
  auto sock = [&] {
    auto inside = must(NetnsScope::enter(handle));
    return must(RouteSocket::open());
  }();

  in_addr dst{};
  REQUIRE(inet_pton(AF_INET, "10.9.0.0", &dst) == 1);
  RoutePtr route(allocated(rtnl_route_alloc()));
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_dst(route.get(), ipv4_address(dst, 16).get());
  rtnl_nexthop* nh = allocated(rtnl_route_nh_alloc());
  rtnl_route_nh_set_ifindex(nh, v0);
  rtnl_route_add_nexthop(route.get(), nh);
  auto add = [&](nl_sock* s) { return rtnl_route_add(s, route.get(), NLM_F_EXCL); };

  auto failed = sock.request(add);
  REQUIRE(failed.has_value());
  CHECK(failed->errnum == ENETDOWN);
  CHECK(failed->reason == std::string(std::strerror(ENETDOWN)) + ": Device for nexthop is not up");

  ns.ip({"link", "set", "v0", "up"});
  CHECK_FALSE(sock.request(add).has_value());
  CHECK(testing::run_checked({"ip", "-4", "route", "show", "10.9.0.0/16"}, ns.name()).find("dev v0") !=
        std::string::npos);
}

}  // namespace
