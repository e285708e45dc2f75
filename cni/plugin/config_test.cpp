// xebec-cni's configuration fields: defaults, and errors naming the field.
#include "cni/plugin/config.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "cni/ipam/config.h"

namespace xebec::cni {
namespace {

Result<PluginConfig> parse(const std::string& extra) {
  auto conf = parse_netconf(R"({"cniVersion":"1.1.0","name":"pods","type":"xebec-cni")" + extra + "}", Command::kAdd);
  REQUIRE(conf);
  return parse_plugin_config(*conf);
}

TEST_CASE("the plugin's fields have defaults", "[cni][config]") {
  auto c = parse(R"(,"ipam":{"type":"xebec-ipam","subnet":"10.244.1.0/24"})");
  REQUIRE(c);
  CHECK(c->mtu == 1500);
  CHECK(c->bpf_root == "/sys/fs/bpf/xebec/default");
  CHECK(c->ipam_type == "xebec-ipam");
  CHECK(c->ipam["subnet"] == "10.244.1.0/24");
  auto set = parse(R"(,"mtu":1400,"bpfRoot":"/sys/fs/bpf/xebec/n1","ipam":{"type":"host-local"})");
  REQUIRE(set);
  CHECK(set->mtu == 1400);
  CHECK(set->bpf_root == "/sys/fs/bpf/xebec/n1");
}

TEST_CASE("bad plugin fields are named", "[cni][config]") {
  struct Row {
    const char* extra;
    const char* message;
  };
  std::vector<Row> rows = {
      {"", "ipam: required"},
      {R"(,"ipam":{})", "ipam.type: required"},
      {R"(,"ipam":{"type":7})", "ipam.type: expected a string, got 7"},
      {R"(,"ipam":{"type":"../bin/sh"})", "ipam.type: '../bin/sh' is a plugin name, not a path"},
      {R"(,"ipam":{"type":"xebec-ipam"},"mtu":"1500")", "mtu: expected an integer, got \"1500\""},
      {R"(,"ipam":{"type":"xebec-ipam"},"mtu":70000)", "mtu: 70000 is out of range [68, 65535]"},
      {R"(,"ipam":{"type":"xebec-ipam"},"bpfRoot":"bpf")", "bpfRoot: 'bpf' is not an absolute path"},
      {R"(,"ipam":{"type":"xebec-ipam"},"bpfRoot":false)", "bpfRoot: expected a string, got false"},
  };
  for (const auto& row : rows) {
    auto c = parse(row.extra);
    INFO(row.extra);
    REQUIRE_FALSE(c);
    CHECK(c.error().code == ErrorCode::kInvalid);
    CHECK_THAT(c.error().message, Catch::Contains(row.message));
  }
}

TEST_CASE("the example network in manifests/cni is a valid xebec-cni configuration", "[cni][config]") {
  std::ifstream in(XEBEC_SOURCE_DIR "/manifests/cni/10-xebec.conflist");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto list = nlohmann::json::parse(text.str());
  // A runtime gives each plugin the list's name and version (the spec's rule for lists).
  auto plugin = list["plugins"][0];
  plugin["cniVersion"] = list["cniVersion"];
  plugin["name"] = list["name"];
  auto conf = parse_netconf(plugin.dump(), Command::kAdd);
  REQUIRE(conf);
  auto c = parse_plugin_config(*conf);
  INFO((c ? "" : c.error().message));
  REQUIRE(c);
  CHECK(plugin["type"] == "xebec-cni");
  CHECK(c->ipam_type == "xebec-ipam");
  auto ipam = ipam::parse_ipam_config(c->ipam);
  INFO((ipam ? "" : ipam.error().message));
  CHECK(ipam);
}

}  // namespace
}  // namespace xebec::cni
