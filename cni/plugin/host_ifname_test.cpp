// Host-side veth names: valid interface names, stable, distinct per attachment.
#include "cni/plugin/host_ifname.h"

#include <catch2/catch.hpp>
#include <set>

#include "cni/spec/invocation.h"

namespace xebec::cni {
namespace {

TEST_CASE("host-side names are valid, stable and distinct", "[cni][host_ifname]") {
  auto name = host_ifname("3f2a9c", "eth0");
  CHECK(name.size() == 15);
  CHECK(name.starts_with("xeb"));
  CHECK(validate_ifname(name));
  CHECK(host_ifname("3f2a9c", "eth0") == name);
  CHECK(host_ifname("3f2a9c", "eth1") != name);
  CHECK(host_ifname("3f2a9", "ceth0") != name);  // the separator keeps the two fields apart
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(host_ifname("container-" + std::to_string(i), "eth0"));
  CHECK(seen.size() == 10000);
}

}  // namespace
}  // namespace xebec::cni
