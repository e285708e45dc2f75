// xebec-ipam as other plugins use it: run directly, and as the IPAM of the reference ptp
// plugin, which finds it in CNI_PATH.
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/cni/cni_fixture.h"

namespace xebec::testing {
namespace {

using nlohmann::json;

std::map<std::string, std::string> env_for(const std::string& command, const std::string& id, const std::string& pod) {
  return {{"CNI_COMMAND", command},
          {"CNI_CONTAINERID", id},
          {"CNI_NETNS", pod.empty() ? "" : "/run/netns/" + pod},
          {"CNI_IFNAME", "eth0"},
          {"CNI_PATH", std::filesystem::path(XEBEC_IPAM_BIN).parent_path().string() + ":/usr/lib/cni"}};
}

TEST_CASE("xebec-ipam on its own: host-local's results and files", "[cni][ipam]") {
  CniFixture f("cniipam1");
  json conf = {{"cniVersion", "1.0.0"},
               {"name", "pods"},
               {"type", "ptp"},
               {"ipam",
                {{"type", "xebec-ipam"},
                 {"dataDir", f.data_dir()},
                 {"ranges", {{{{"subnet", "10.244.3.0/24"}, {"rangeStart", "10.244.3.10"}}}}},
                 {"routes", {{{"dst", "0.0.0.0/0"}}}}}}};
  auto add = run_plugin(XEBEC_IPAM_BIN, f.node(), env_for("ADD", "c1", "x"), conf.dump());
  INFO(add.output);
  REQUIRE(add.exit_code == 0);
  auto r = add.json();
  CHECK(r["cniVersion"] == "1.0.0");
  CHECK(r["ips"][0]["address"] == "10.244.3.10/24");
  CHECK(r["ips"][0]["gateway"] == "10.244.3.1");
  CHECK(r["routes"][0]["dst"] == "0.0.0.0/0");
  CHECK(f.reserved() == std::vector<std::string>{"10.244.3.10"});

  auto again = run_plugin(XEBEC_IPAM_BIN, f.node(), env_for("ADD", "c1", "x"), conf.dump());
  CHECK(again.json()["code"] == 101);
  conf["prevResult"] = r;
  CHECK(run_plugin(XEBEC_IPAM_BIN, f.node(), env_for("CHECK", "c1", "x"), conf.dump()).exit_code == 0);
  CHECK(run_plugin(XEBEC_IPAM_BIN, f.node(), env_for("DEL", "c1", ""), conf.dump()).exit_code == 0);
  CHECK(run_plugin(XEBEC_IPAM_BIN, f.node(), env_for("DEL", "c1", ""), conf.dump()).exit_code == 0);
  CHECK(f.reserved().empty());
  auto check = run_plugin(XEBEC_IPAM_BIN, f.node(), env_for("CHECK", "c1", "x"), conf.dump());
  CHECK(check.json()["code"] == 3);
}

TEST_CASE("the reference ptp plugin delegates its IPAM to xebec-ipam", "[cni][ipam]") {
  CniFixture f("cniipam2");
  auto pod = f.add_pod_namespace();
  json conf = {{"cniVersion", "0.4.0"},
               {"name", "pods"},
               {"type", "ptp"},
               {"ipam", {{"type", "xebec-ipam"}, {"dataDir", f.data_dir()}, {"subnet", "10.244.5.0/24"}}}};
  auto add = run_plugin("/usr/lib/cni/ptp", f.node(), env_for("ADD", "c1", pod), conf.dump());
  INFO(add.output);
  REQUIRE(add.exit_code == 0);
  CHECK_THAT(run_command({"ip", "-4", "-o", "addr", "show", "dev", "eth0"}, pod).output,
             Catch::Contains("10.244.5.2/24"));
  CHECK(f.reserved() == std::vector<std::string>{"10.244.5.2"});
  conf["prevResult"] = add.json();
  CHECK(run_plugin("/usr/lib/cni/ptp", f.node(), env_for("CHECK", "c1", pod), conf.dump()).exit_code == 0);
  CHECK(run_plugin("/usr/lib/cni/ptp", f.node(), env_for("DEL", "c1", pod), conf.dump()).exit_code == 0);
  CHECK(f.reserved().empty());
}

}  // namespace
}  // namespace xebec::testing
