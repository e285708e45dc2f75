// xebec-cni against the CNI spec, run as a runtime runs it, in real namespaces: ADD, CHECK,
// DEL and their corner cases, rollback, versions, error codes, IPAM choices, GC and STATUS.
#include <catch2/catch.hpp>

#include "tests/cni/cni_fixture.h"
#include "tests/support/eventually.h"

namespace xebec::testing {
namespace {

using nlohmann::json;

std::string pod_addresses(const std::string& pod) {
  return run_command({"ip", "-4", "-o", "addr", "show", "dev", "eth0"}, pod).output;
}

// The configuration CHECK and DEL get: the ADD's result as prevResult.
json with_prev(json config, const json& result) {
  config["prevResult"] = result;
  return config;
}

TEST_CASE("ADD, CHECK and DEL: a pod gets an address, is checked, and is removed", "[cni][spec]") {
  CniFixture f("cnispec1");
  auto pod = f.add_pod_namespace();
  auto conf = f.config();

  auto add = f.cni("ADD", "c1", pod, conf);
  REQUIRE(add.exit_code == 0);
  auto result = add.json();
  INFO(add.output);
  CHECK(result["cniVersion"] == "1.1.0");
  REQUIRE(result["interfaces"].size() == 2);
  CHECK(result["interfaces"][0]["name"].get<std::string>().starts_with("xeb"));
  CHECK(result["interfaces"][0]["mac"] == "ee:ee:ee:ee:ee:ee");
  CHECK(result["interfaces"][1]["name"] == "eth0");
  CHECK(result["interfaces"][1]["sandbox"] == "/run/netns/" + pod);
  CHECK(result["ips"][0]["interface"] == 1);
  CHECK(result["ips"][0]["gateway"] == "169.254.1.1");
  CHECK(result["routes"][0]["dst"] == "0.0.0.0/0");
  auto ip = pod_ip(result);
  CHECK(ip == "10.244.1.2");  // .0 is the network, .1 the gateway
  CHECK_THAT(pod_addresses(pod), Catch::Contains(ip + "/32"));
  CHECK(f.reserved() == std::vector<std::string>{ip});

  auto check = f.cni("CHECK", "c1", pod, with_prev(conf, result));
  CHECK(check.exit_code == 0);
  CHECK(check.output.empty());

  auto del = f.cni("DEL", "c1", pod, with_prev(conf, result));
  CHECK(del.exit_code == 0);
  CHECK(del.output.empty());
  CHECK(f.reserved().empty());
  eventually("the veth is gone", [&] { return f.host_links().empty(); });
  CHECK_THAT(pod_addresses(pod), !Catch::Contains(ip));

  auto check_after = f.cni("CHECK", "c1", pod, with_prev(conf, result));
  CHECK(check_after.exit_code == 1);
  CHECK(check_after.json()["code"] == 3);  // IPAM holds nothing for it: the container is unknown
}

TEST_CASE("DEL is idempotent: twice, without ADD, with the netns gone or not given", "[cni][spec]") {
  CniFixture f("cnispec2");
  auto conf = f.config();
  auto pod = f.add_pod_namespace();
  REQUIRE(f.cni("ADD", "c1", pod, conf).exit_code == 0);
  CHECK(f.cni("DEL", "c1", pod, conf).exit_code == 0);
  CHECK(f.cni("DEL", "c1", pod, conf).exit_code == 0);     // twice
  CHECK(f.cni("DEL", "never", pod, conf).exit_code == 0);  // no ADD
  CHECK(f.cni("DEL", "never", "", conf).exit_code == 0);   // no CNI_NETNS

  auto gone = f.add_pod_namespace();
  REQUIRE(f.cni("ADD", "c2", gone, conf).exit_code == 0);
  REQUIRE(f.reserved().size() == 1);
  f.remove_pod_namespace(gone);  // the sandbox went first: the kernel took the veth with it
  auto del = f.cni("DEL", "c2", gone, conf);
  CHECK(del.exit_code == 0);
  INFO(del.output);
  CHECK(f.reserved().empty());  // the address is released all the same
}

TEST_CASE("ADD twice for one container and interface is refused, and the first stays", "[cni][spec]") {
  CniFixture f("cnispec3");
  auto conf = f.config();
  auto pod = f.add_pod_namespace();
  auto first = f.cni("ADD", "c1", pod, conf);
  REQUIRE(first.exit_code == 0);
  auto again = f.cni("ADD", "c1", pod, conf);
  CHECK(again.exit_code == 1);
  CHECK(again.json()["code"] == 101);
  CHECK_THAT(again.json()["msg"].get<std::string>(), Catch::Contains("container c1 interface eth0 already has"));
  CHECK(f.reserved().size() == 1);
  CHECK(f.cni("CHECK", "c1", pod, with_prev(conf, first.json())).exit_code == 0);
}

TEST_CASE("an ADD after a DEL takes over a host side still waiting for its deletion", "[cni][spec]") {
  CniFixture f("cnispec12");
  auto conf = f.config();
  auto pod = f.add_pod_namespace();
  auto first = f.cni("ADD", "c1", pod, conf);
  REQUIRE(first.exit_code == 0);
  auto host = first.json()["interfaces"][0]["name"].get<std::string>();
  REQUIRE(f.cni("DEL", "c1", pod, conf).exit_code == 0);
  eventually("the veth is gone", [&] { return f.host_links().empty(); });
  // What a DEL leaves while its background deletion has not run yet: the host side, down.
  run_checked({"ip", "-n", f.node(), "link", "add", host, "type", "veth", "peer", "name", "xebec-left"});
  auto again = f.cni("ADD", "c1", pod, conf);
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK(f.cni("CHECK", "c1", pod, with_prev(conf, again.json())).exit_code == 0);
  CHECK(f.host_links() == std::vector<std::string>{host});
}

TEST_CASE("a failed ADD rolls back everything it did", "[cni][spec]") {
  CniFixture f("cnispec4");
  auto conf = f.config();
  auto pod = f.add_pod_namespace();
  REQUIRE(f.cni("ADD", "keep", pod, conf).exit_code == 0);
  auto before = f.reserved();
  auto links_before = f.host_links();

  SECTION("the pod already has an interface of that name: fails after IPAM") {
    auto pod2 = f.add_pod_namespace();
    run_checked({"ip", "-n", pod2, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0peer"});
    auto add = f.cni("ADD", "c2", pod2, conf);
    CHECK(add.exit_code == 1);
    CHECK_THAT(add.json()["msg"].get<std::string>(), Catch::Contains("eth0"));
  }
  SECTION("the dataplane cannot be reached: fails after the veth is made") {
    auto pod2 = f.add_pod_namespace();
    auto add = f.cni("ADD", "c2", pod2, f.config("1.1.0", "10.244.1.0/24", {{"bpfRoot", "/tmp/not-bpffs"}}));
    CHECK(add.exit_code == 1);
    CHECK_THAT(add.json()["msg"].get<std::string>(), Catch::Contains("not on a BPF filesystem"));
    CHECK(run_command({"ip", "link", "show", "eth0"}, pod2).exit_code != 0);  // the pod side went too
  }
  CHECK(f.reserved() == before);
  CHECK(f.host_links() == links_before);
}

TEST_CASE("results come in the version the configuration asks for", "[cni][spec]") {
  CniFixture f("cnispec5");
  for (const char* version : {"0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
    INFO(version);
    auto pod = f.add_pod_namespace();
    auto conf = f.config(version);
    auto add = f.cni("ADD", std::string("c-") + version, pod, conf);
    REQUIRE(add.exit_code == 0);
    auto r = add.json();
    CHECK(r["cniVersion"] == version);
    CHECK(r["ips"][0].contains("version") == (std::string(version) < "1.0.0"));
    CHECK(r["interfaces"][1].contains("mtu") == (std::string(version) == "1.1.0"));
    if (std::string(version) != "0.3.1")
      CHECK(f.cni("CHECK", std::string("c-") + version, pod, with_prev(conf, r)).exit_code == 0);
    CHECK(f.cni("DEL", std::string("c-") + version, pod, conf).exit_code == 0);
  }
  auto version = f.cni("VERSION", "", "", json{{"cniVersion", "1.0.0"}});  // no name: fine
  CHECK(version.exit_code == 0);
  CHECK(version.json()["supportedVersions"] == json::parse(R"(["0.3.1","0.4.0","1.0.0","1.1.0"])"));
  auto old = f.cni("ADD", "c9", f.add_pod_namespace(), f.config("0.2.0"));
  CHECK(old.json()["code"] == 1);
}

TEST_CASE("bad environments, bad JSON and bad configurations get the spec's codes", "[cni][spec]") {
  CniFixture f("cnispec6");
  auto pod = f.add_pod_namespace();
  struct Row {
    const char* what;
    std::string config;
    std::map<std::string, std::string> env;
    int code;
    std::string message;
  };
  auto with_ipam = [&](json ipam) {
    auto c = f.config();
    c["ipam"] = ipam;
    return c.dump();
  };
  std::vector<Row> rows = {
      {"no container id", f.config().dump(), {{"CNI_CONTAINERID", "<unset>"}}, 4, "CNI_CONTAINERID is not set"},
      {"unknown command", f.config().dump(), {{"CNI_COMMAND", "ATTACH"}}, 4, "unknown command 'ATTACH'"},
      {"bad JSON", "{\"cniVersion\": ", {}, 6, "not JSON"},
      {"no ranges", with_ipam({{"type", "xebec-ipam"}}), {}, 7, "ipam.ranges"},
      {"bad subnet",
       with_ipam({{"type", "xebec-ipam"}, {"ranges", {{{{"subnet", "10.244.1.0/33"}}}}}}),
       {},
       7,
       "ipam.ranges[0][0].subnet"},
      {"range of the wrong type",
       with_ipam({{"type", "xebec-ipam"}, {"ranges", "10.244.1.0/24"}}),
       {},
       7,
       "ipam.ranges: expected a list"},
      {"no such netns",
       f.config().dump(),
       {{"CNI_NETNS", "/run/netns/xebec-no-such-pod"}},
       3,
       "/run/netns/xebec-no-such-pod"},
      {"unknown IPAM plugin", with_ipam({{"type", "no-such-ipam"}}), {}, 7, "'no-such-ipam' not found in CNI_PATH"},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    std::map<std::string, std::string> env = {{"CNI_COMMAND", "ADD"},
                                              {"CNI_CONTAINERID", "c1"},
                                              {"CNI_NETNS", "/run/netns/" + pod},
                                              {"CNI_IFNAME", "eth0"},
                                              {"CNI_PATH", "/usr/lib/cni"}};
    for (const auto& [k, v] : row.env) env[k] = v;
    std::erase_if(env, [](const auto& kv) { return kv.second == "<unset>"; });
    auto run = run_plugin(XEBEC_CNI_BIN, f.node(), env, row.config);
    INFO(run.output);
    CHECK(run.exit_code == 1);
    CHECK(run.json()["code"] == row.code);
    CHECK_THAT(run.json()["msg"].get<std::string>(), Catch::Contains(row.message));
  }
  CHECK(f.reserved().empty());
  CHECK(f.host_links().empty());
}

TEST_CASE("an exhausted range is an error that says so, and STATUS reports it", "[cni][spec]") {
  CniFixture f("cnispec7");
  auto conf = f.config("1.1.0", "10.244.9.0/30");  // .1 is the gateway: .2 is the only address
  REQUIRE(f.cni("ADD", "c1", f.add_pod_namespace(), conf).exit_code == 0);
  auto full = f.cni("ADD", "c2", f.add_pod_namespace(), conf);
  CHECK(full.exit_code == 1);
  CHECK(full.json()["code"] == 102);
  CHECK_THAT(full.json()["msg"].get<std::string>(), Catch::Contains("no free address"));
  auto status = f.cni("STATUS", "", "", conf);
  CHECK(status.json()["code"] == 51);
  REQUIRE(f.cni("DEL", "c1", "", conf).exit_code == 0);
  CHECK(f.cni("STATUS", "", "", conf).exit_code == 0);
  auto no_bpf = f.cni("STATUS", "", "", f.config("1.1.0", "10.244.9.0/30", {{"bpfRoot", "/tmp/not-bpffs"}}));
  CHECK(no_bpf.json()["code"] == 50);
}

TEST_CASE("IP= in CNI_ARGS asks for an address", "[cni][spec]") {
  CniFixture f("cnispec8");
  auto conf = f.config();
  auto add = f.cni("ADD", "c1", f.add_pod_namespace(), conf,
                   {{"CNI_ARGS", "IgnoreUnknown=1;IP=10.244.1.77;K8S_POD_NAME=web"}});
  REQUIRE(add.exit_code == 0);
  CHECK(pod_ip(add.json()) == "10.244.1.77");
  auto taken = f.cni("ADD", "c2", f.add_pod_namespace(), conf, {{"CNI_ARGS", "IP=10.244.1.77"}});
  CHECK(taken.exit_code == 1);
  CHECK_THAT(taken.json()["msg"].get<std::string>(), Catch::Contains("10.244.1.77"));
  auto gateway = f.cni("ADD", "c3", f.add_pod_namespace(), conf, {{"CNI_ARGS", "IP=10.244.1.1"}});
  CHECK(gateway.exit_code == 1);
  CHECK(f.reserved() == std::vector<std::string>{"10.244.1.77"});
}

TEST_CASE("a chained ADD passes the previous result through, and reference plugins take ours", "[cni][spec]") {
  CniFixture f("cnispec9");
  auto pod = f.add_pod_namespace();
  json prev = json::parse(R"({"cniVersion":"1.0.0","interfaces":[{"name":"dummy0"}],
                              "ips":[{"address":"192.168.7.2/24","interface":0}],"dns":{"nameservers":["192.168.7.1"]}})");
  auto add = f.cni("ADD", "c1", pod, f.config("1.0.0", "10.244.1.0/24", {{"prevResult", prev}}));
  REQUIRE(add.exit_code == 0);
  auto r = add.json();
  REQUIRE(r["interfaces"].size() == 3);
  CHECK(r["interfaces"][0]["name"] == "dummy0");
  CHECK(r["ips"][0]["address"] == "192.168.7.2/24");
  CHECK(r["ips"][1]["interface"] == 2);  // ours, renumbered past the previous interfaces
  CHECK(r["dns"]["nameservers"][0] == "192.168.7.1");

  // The reference tuning plugin, next in a chain, accepts our result as its prevResult.
  json tuning = {{"cniVersion", "1.0.0"},
                 {"name", "pods"},
                 {"type", "tuning"},
                 {"prevResult", r},
                 {"sysctl", {{"net.ipv4.conf.eth0.accept_local", "1"}}}};
  auto tuned = run_plugin("/usr/lib/cni/tuning", f.node(),
                          {{"CNI_COMMAND", "ADD"},
                           {"CNI_CONTAINERID", "c1"},
                           {"CNI_NETNS", "/run/netns/" + pod},
                           {"CNI_IFNAME", "eth0"},
                           {"CNI_PATH", "/usr/lib/cni"}},
                          tuning.dump());
  INFO(tuned.output);
  CHECK(tuned.exit_code == 0);
  CHECK(run_command({"sysctl", "-n", "net.ipv4.conf.eth0.accept_local"}, pod).output == "1\n");
}

TEST_CASE("another IPAM plugin is run from CNI_PATH: the reference host-local", "[cni][spec]") {
  CniFixture f("cnispec10");
  auto pod = f.add_pod_namespace();
  auto conf = f.config("1.0.0");  // Debian's host-local speaks up to 1.0.0
  conf["ipam"] = {{"type", "host-local"}, {"dataDir", f.data_dir()}, {"ranges", {{{{"subnet", "10.244.4.0/24"}}}}}};
  auto add = f.cni("ADD", "c1", pod, conf);
  INFO(add.output);
  REQUIRE(add.exit_code == 0);
  CHECK(pod_ip(add.json()) == "10.244.4.2");
  CHECK(f.reserved() == std::vector<std::string>{"10.244.4.2"});
  CHECK(f.cni("CHECK", "c1", pod, with_prev(conf, add.json())).exit_code == 0);
  CHECK(f.cni("DEL", "c1", pod, conf).exit_code == 0);
  CHECK(f.reserved().empty());
  // This host-local predates CNI 1.1: STATUS and GC do not ask it (as libcni would not).
  auto v11 = conf;
  v11["cniVersion"] = "1.1.0";
  v11["cni.dev/valid-attachments"] = json::array();
  CHECK(f.cni("STATUS", "", "", v11).exit_code == 0);
  CHECK(f.cni("GC", "", "", v11).exit_code == 0);
}

TEST_CASE("GC releases every attachment but the valid ones", "[cni][spec]") {
  CniFixture f("cnispec11");
  auto conf = f.config();
  std::vector<std::string> pods;
  for (const char* id : {"a", "b", "c"}) {
    pods.push_back(f.add_pod_namespace());
    REQUIRE(f.cni("ADD", id, pods.back(), conf).exit_code == 0);
  }
  REQUIRE(f.reserved().size() == 3);
  auto gc_conf = conf;
  gc_conf["cni.dev/valid-attachments"] = json::parse(R"([{"containerID":"b","ifname":"eth0"}])");
  auto gc = f.cni("GC", "", "", gc_conf);
  INFO(gc.output);
  CHECK(gc.exit_code == 0);
  CHECK(f.reserved() == std::vector<std::string>{"10.244.1.3"});
  CHECK(f.host_links().size() == 1);
  auto b = f.cni("ADD", "b", pods[1], conf);  // still attached
  CHECK(b.json()["code"] == 101);
}

}  // namespace
}  // namespace xebec::testing
