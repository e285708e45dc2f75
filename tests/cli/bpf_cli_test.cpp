// The `xebec bpf` command line as a user runs it: the real executable against real pinned maps,
// its text and `-o json` output, and its errors for bad input (which must leave what was
// stored untouched). No traffic: the netns tests send packets through what these commands set.
#include <arpa/inet.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/support/netns.h"
#include "tests/support/packet.h"

namespace {

using namespace xebec::testing;
using nlohmann::json;

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
  return s;
}

// One instance's --bpf-root and a scratch directory for service files, both removed (pins
// and all) when the test ends, pass or fail.
class Cli {
 public:
  Cli() {
    if (geteuid() != 0) FAIL("these tests create BPF maps: run them as root (CI does)");
    static int counter = 0;
    const std::string id = std::to_string(getpid()) + "-" + std::to_string(++counter);
    root_ = "/sys/fs/bpf/xebec/clitest-" + id;
    files_ = std::filesystem::temp_directory_path() / ("xebec-clitest-" + id);
    std::filesystem::create_directories(files_);
  }
  ~Cli() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
    std::filesystem::remove_all(files_, ec);
  }
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  const std::string& root() const { return root_; }

  // `xebec bpf --bpf-root ROOT args...`; stdout and stderr together.
  CommandResult run(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {XEBEC_BIN, "bpf", "--bpf-root", root_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }
  std::string ok(const std::vector<std::string>& args) const {
    auto r = run(args);
    INFO("xebec bpf " << join(args) << "\n" << r.output);
    REQUIRE(r.exit_code == 0);
    return r.output;
  }
  json json_of(std::vector<std::string> args) const {
    args.insert(args.end(), {"-o", "json"});
    const auto out = ok(args);
    INFO(out);
    REQUIRE(json::accept(out));
    return json::parse(out);
  }
  // Runs a command that must fail, and returns its message.
  std::string fails(const std::vector<std::string>& args) const {
    auto r = run(args);
    INFO("xebec bpf " << join(args) << "\n" << r.output);
    REQUIRE(r.exit_code != 0);
    return r.output;
  }

  // Writes a services file into the scratch directory; returns its path.
  std::string file(const std::string& name, const std::string& text) const {
    const auto path = (files_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

 private:
  std::string root_;
  std::filesystem::path files_;
};

json find_frontend(const json& list, const std::string& frontend) {
  for (const auto& s : list)
    if (s.at("frontend") == frontend) return s;
  FAIL("no service " << frontend << " in\n" << list.dump(1));
  return {};
}

std::set<std::string> addresses(const json& backends) {
  std::set<std::string> out;
  for (const auto& b : backends) out.insert(b.at("address").get<std::string>());
  return out;
}

TEST_CASE("every command answers --help", "[cli]") {
  const std::vector<std::vector<std::string>> commands = {
      {},
      {"bpf"},
      {"bpf", "attach"},
      {"bpf", "detach"},
      {"bpf", "lb"},
      {"bpf", "lb", "update"},
      {"bpf", "lb", "delete"},
      {"bpf", "lb", "apply"},
      {"bpf", "lb", "list"},
      {"bpf", "backend", "list"},
      {"bpf", "ct", "list"},
      {"bpf", "affinity", "list"},
      {"bpf", "maglev", "get"},
      {"bpf", "stats"},
  };
  for (auto argv : commands) {
    argv.insert(argv.begin(), XEBEC_BIN);
    argv.push_back("--help");
    const auto r = run_command(argv);
    INFO(join(argv) << "\n" << r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("Usage:") != std::string::npos);
  }
}

TEST_CASE("lb update programs services that lb list, backend list, maglev get and stats show", "[cli]") {
  Cli cli;
  cli.ok({"lb", "update", "10.96.0.10:80/tcp", "--backend", "10.244.1.11:8080", "--backend", "10.244.1.12:8080",
          "--node-port", "30080", "--affinity-timeout", "10800"});
  cli.ok({"lb", "update", "10.96.0.53:53/udp", "--backend", "10.244.1.13:53,10.244.1.14:53,10.244.1.15:5353",
          "--algorithm", "maglev", "--maglev-table-size", "251"});

  const json services = cli.json_of({"lb", "list"});
  REQUIRE(services.size() == 2);
  const json web = find_frontend(services, "10.96.0.10:80/tcp");
  CHECK(web.at("algorithm") == "random");
  CHECK(web.at("affinityTimeout") == 10800);
  CHECK(web.at("nodePort") == 30080);
  CHECK(addresses(web.at("backends")) == std::set<std::string>{"10.244.1.11:8080", "10.244.1.12:8080"});
  const json dns = find_frontend(services, "10.96.0.53:53/udp");
  CHECK(dns.at("algorithm") == "maglev");
  CHECK(dns.at("maglevTableSize") == 251);
  CHECK(dns.at("affinityTimeout") == 0);
  CHECK_FALSE(dns.contains("nodePort"));
  REQUIRE(dns.at("backends").size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(dns.at("backends")[i].at("slot") == i + 1);

  SECTION("the text listing shows each frontend, its NodePort row and its flags") {
    const auto text = cli.ok({"lb", "list"});
    INFO(text);
    for (const char* want : {"FRONTEND", "10.96.0.10:80/tcp", "*:30080/tcp", "NodePort", "affinity 10800s",
                             "10.96.0.53:53/udp", "maglev (251)", "10.244.1.15:5353"})
      CHECK(text.find(want) != std::string::npos);
  }
  SECTION("backend list names every backend with its service") {
    const json backends = cli.json_of({"backend", "list"});
    REQUIRE(backends.size() == 5);
    std::set<std::uint32_t> ids;
    for (const auto& b : backends) {
      ids.insert(b.at("id").get<std::uint32_t>());
      const bool udp = b.at("protocol") == "udp";
      CHECK(b.at("service") == (udp ? "10.96.0.53:53/udp" : "10.96.0.10:80/tcp"));
    }
    CHECK(ids.size() == 5);
  }
  SECTION("maglev get shows a full table of the service's backends") {
    const json m = cli.json_of({"maglev", "get", "10.96.0.53:53/udp"});
    CHECK(m.at("tableSize") == 251);
    REQUIRE(m.at("table").size() == 251);
    std::set<std::uint32_t> ids;
    std::size_t slots = 0;
    for (const auto& b : m.at("backends")) {
      ids.insert(b.at("id").get<std::uint32_t>());
      slots += b.at("slots").get<std::size_t>();
      CHECK(b.at("slots").get<std::size_t>() >= 251 / 3);  // Maglev: floor(M/N) or ceil(M/N)
    }
    CHECK(slots == 251);
    for (const auto& id : m.at("table")) CHECK(ids.contains(id.get<std::uint32_t>()));
    CHECK(cli.fails({"maglev", "get", "10.96.0.10:80/tcp"}).find("uses random selection, not Maglev") !=
          std::string::npos);
    CHECK(cli.fails({"maglev", "get", "10.96.0.99:80/tcp"}).find("service 10.96.0.99:80/tcp not found") !=
          std::string::npos);
  }
  SECTION("stats, ct list and affinity list read an idle instance") {
    const json s = cli.json_of({"stats"});
    for (const char* counter : {"pass", "dnat_new", "dnat_established", "reverse_nat", "malformed_pass",
                                "fragment_pass", "drop_no_backend", "drop_no_table", "drop_rewrite"})
      CHECK(s.at("global").at(counter) == 0);
    REQUIRE(s.at("services").size() == 2);
    for (const auto& svc : s.at("services")) {
      CHECK(svc.at("packets") == 0);
      CHECK(svc.at("drops") == 0);
    }
    CHECK(cli.json_of({"ct", "list"}) == json::array());
    CHECK(cli.json_of({"affinity", "list"}) == json::array());
  }
  SECTION("update replaces a service's backends; delete removes it") {
    cli.ok({"lb", "update", "10.96.0.10:80/tcp", "--backend", "10.244.1.12:8080", "--backend", "10.244.1.16:8080"});
    const json updated = find_frontend(cli.json_of({"lb", "list"}), "10.96.0.10:80/tcp");
    CHECK(addresses(updated.at("backends")) == std::set<std::string>{"10.244.1.12:8080", "10.244.1.16:8080"});
    CHECK_FALSE(updated.contains("nodePort"));  // not given again: no longer served
    CHECK(cli.ok({"lb", "delete", "10.96.0.10:80/tcp"}).find("deleted") != std::string::npos);
    const json left = cli.json_of({"lb", "list"});
    REQUIRE(left.size() == 1);
    CHECK(left[0].at("frontend") == "10.96.0.53:53/udp");
    CHECK(cli.json_of({"backend", "list"}).size() == 3);
  }
}

TEST_CASE("bpftool prints the pinned maps with field names (they carry BTF)", "[cli]") {
  Cli cli;
  cli.ok({"lb", "update", "10.96.0.10:80/tcp", "--backend", "10.244.1.11:8080", "--affinity-timeout", "30"});
  const auto out = run_command({"bpftool", "-j", "map", "dump", "pinned", cli.root() + "/lb4_services"});
  INFO(out.output);
  REQUIRE(out.exit_code == 0);
  REQUIRE(json::accept(out.output));
  const json entries = json::parse(out.output);
  REQUIRE(entries.size() == 1);
  const json& f = entries[0].at("formatted");
  CHECK(f.at("key").at("address") == xebec::testing::ipv4("10.96.0.10"));  // as stored: network order
  CHECK(f.at("key").at("port") == htons(80));
  CHECK(f.at("key").at("proto") == 6);
  CHECK(f.at("value").at("affinity_timeout") == 30);
  CHECK(f.at("value").at("backend_count") == 1);
  // lb4_maglev is left out: its values are inner-map ids, which carry no BTF of their own.
  for (const char* map : {"lb4_backends", "lb4_slots", "lb4_ct", "lb4_affinity", "lb4_svc_stats", "lb4_node_addrs",
                          "lb_stats"}) {
    const auto info = run_command({"bpftool", "-j", "map", "show", "pinned", cli.root() + "/" + map});
    INFO(map << ": " << info.output);
    REQUIRE(info.exit_code == 0);
    CHECK(json::parse(info.output).at("btf_id").get<int>() > 0);
  }
}

TEST_CASE("lb apply -f is all or nothing, names the entry and field, and prunes", "[cli]") {
  Cli cli;
  const auto good = cli.file("good.yaml", R"(services:
- frontend: 10.96.0.10:80/tcp
  backends: [10.244.1.11:8080, 10.244.1.12:8080]
  nodePort: 30080
- frontend: 10.96.0.11:80/tcp
  backends: [10.244.1.13:8080]
  algorithm: maglev
  maglevTableSize: 1021
)");
  CHECK(cli.ok({"lb", "apply", "-f", good}).find("2 created, 0 updated, 0 unchanged, 0 deleted") != std::string::npos);
  CHECK(cli.ok({"lb", "apply", "-f", good}).find("0 created, 0 updated, 2 unchanged") != std::string::npos);
  const json before = cli.json_of({"lb", "list"});

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"services:\n- frontend: 10.96.0.12:80/tcp\n  backends: [10.244.1.11:8080]\n"
       "- frontend: 10.96.0.10:80/tcp\n  backends: [10.244.1, 10.244.1.12:8080]\n",
       "services[1].backends[0]: '10.244.1' is not IP:PORT"},
      {"services:\n- frontend: 10.96.0.10:80/tcp\n  backends: []\n- frontend: 10.96.0.10:80/tcp\n  backends: []\n",
       "services[1]: frontend 10.96.0.10:80/tcp is listed twice"},
      {"services:\n- frontend: 10.96.0.12:80/tcp\n  backends: [10.244.1.11:8080]\n  algorithm: maglev\n"
       "  maglevTableSize: 1000\n",
       "services[0]: 10.96.0.12:80/tcp: Maglev table size 1000 is not prime"},
      {"services:\n- frontend: 10.96.0.12:80/sctp\n  backends: []\n", "services[0].frontend: 'sctp' is not a protocol"},
      {"services:\n- frontend: 10.96.0.12:80/tcp\n  backend: [10.244.1.11:8080]\n",
       "services[0]: unknown field 'backend'"},
      {"services:\n- frontend: 10.96.0.12:80/tcp\n  affinityTimeout: forever\n", "services[0].affinityTimeout"},
      {"services: [\n", "invalid YAML"},
      {"{\"services\": [}", "invalid JSON"},
      {"frontends: []\n", "expected a top-level 'services:' list"},
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    const auto& [text, message] = bad[i];
    const auto path = cli.file("bad" + std::to_string(i) + (text.starts_with("{") ? ".json" : ".yaml"), text);
    INFO(text);
    const auto out = cli.fails({"lb", "apply", "-f", path});
    CHECK(out.find(message) != std::string::npos);
    CHECK(out.find(path) != std::string::npos);  // says which file
    CHECK(cli.json_of({"lb", "list"}) == before);
  }
  const auto clash = cli.file("clash.yaml", "services:\n- frontend: 10.96.0.12:80/tcp\n  nodePort: 30080\n");
  CHECK(cli.fails({"lb", "apply", "-f", clash})
            .find("node port 30080/tcp of 10.96.0.12:80/tcp is already used by 10.96.0.10:80/tcp") != std::string::npos);
  CHECK(cli.json_of({"lb", "list"}) == before);
  CHECK(cli.fails({"lb", "apply", "-f", "/nonexistent/services.yaml"}).find("cannot read /nonexistent/services.yaml") !=
        std::string::npos);

  // The same shape as JSON, pruning the Maglev service away.
  const auto json_file = cli.file("one.json", R"({"services": [{"frontend": "10.96.0.10:80/tcp",
      "backends": ["10.244.1.11:8080", "10.244.1.14:8080"], "nodePort": 30080, "affinityTimeout": 60}]})");
  CHECK(cli.ok({"lb", "apply", "-f", json_file, "--prune"}).find("0 created, 1 updated, 0 unchanged, 1 deleted") !=
        std::string::npos);
  const json after = cli.json_of({"lb", "list"});
  REQUIRE(after.size() == 1);
  CHECK(after[0].at("affinityTimeout") == 60);
  CHECK(addresses(after[0].at("backends")) == std::set<std::string>{"10.244.1.11:8080", "10.244.1.14:8080"});
}

TEST_CASE("bad input and missing instances get errors that say what is wrong", "[cli]") {
  Cli cli;
  SECTION("reading an instance that does not exist neither creates it nor crashes") {
    for (const auto& cmd : std::vector<std::vector<std::string>>{
             {"lb", "list"}, {"backend", "list"}, {"ct", "list"}, {"stats"}, {"lb", "delete", "10.96.0.10:80/tcp"}}) {
      INFO(join(cmd));
      CHECK(cli.fails(cmd).find("no Xebec dataplane at " + cli.root()) != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(cli.root()));
  }
  SECTION("a root outside bpffs is refused with the way to fix it") {
    auto r = run_command({XEBEC_BIN, "bpf", "--bpf-root", "/tmp/xebec-not-bpffs", "lb", "update", "10.96.0.10:80/tcp"});
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("BPF not available: /tmp/xebec-not-bpffs is not on a BPF filesystem") != std::string::npos);
    CHECK(r.output.find("mount -t bpf") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists("/tmp/xebec-not-bpffs"));
  }
  SECTION("bad addresses, ports, protocols and flags") {
    cli.ok({"lb", "update", "10.96.0.10:80/tcp", "--backend", "10.244.1.11:8080"});
    const json before = cli.json_of({"lb", "list"});
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"lb", "update", "10.96.0.10:80/tcp", "--backend", "10.244.1:8080"},
         "--backend: '10.244.1' is not an IPv4 address"},
        {{"lb", "update", "10.96.0.10:80/tcp", "--backend", "10.244.1.11"}, "--backend: '10.244.1.11' is not IP:PORT"},
        {{"lb", "update", "10.96.0.10:80/tcp", "--backend", "10.244.1.11:70000"}, "'70000' is not a port"},
        {{"lb", "update", "10.96.0.300:80/tcp"}, "'10.96.0.300' is not an IPv4 address"},
        {{"lb", "update", "10.96.0.10:80"}, "'10.96.0.10:80' is not VIP:PORT/PROTO"},
        {{"lb", "update", "10.96.0.10:80/icmp"}, "'icmp' is not a protocol"},
        {{"lb", "update", "10.96.0.10:80/tcp", "--backend", "10.244.1.11:8080", "--backend", "10.244.1.11:8080"},
         "backend 10.244.1.11:8080 is listed twice"},
        {{"lb", "update", "10.96.0.10:80/tcp", "--algorithm", "roundrobin"}, "--algorithm"},
        {{"lb", "update", "10.96.0.10:80/tcp", "--algorithm", "maglev", "--maglev-table-size", "100"},
         "Maglev table size 100"},
        {{"lb", "update", "10.96.0.10:80/tcp", "--affinity-timeout", "100000"}, "affinity timeout 100000"},
        {{"lb", "update", "10.96.0.11:80/tcp", "--node-port", "0x"}, "--node-port"},
        {{"lb", "delete", "10.96.0.99:80/tcp"}, "service 10.96.0.99:80/tcp not found"},
        {{"lb", "list", "-o", "xml"}, "--output"},
        {{"attach", "--pod-iface", "xebec-no-such-if"}, "interface 'xebec-no-such-if' not found"},
        {{"attach", "--pod-iface", "a", "--uplink-iface", "b"}, "excludes"},
        {{"lb", "frobnicate"}, "not expected: frobnicate"},
        {{"frobnicate"}, "not expected: frobnicate"},
    };
    for (const auto& [args, message] : cases) {
      INFO(join(args));
      CHECK(cli.fails(args).find(message) != std::string::npos);
    }
    CHECK(cli.json_of({"lb", "list"}) == before);
  }
  SECTION("a user who is not root is told to be") {
    cli.ok({"lb", "update", "10.96.0.10:80/tcp"});
    for (const auto& [root, cmd] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {cli.root(), {"lb", "list"}}, {cli.root() + "-new", {"lb", "update", "10.96.0.10:80/tcp"}}}) {
      std::vector<std::string> argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", XEBEC_BIN,
                                       "bpf", "--bpf-root", root};
      argv.insert(argv.end(), cmd.begin(), cmd.end());
      const auto r = run_command(argv);
      INFO(join(argv) << "\n" << r.output);
      CHECK(r.exit_code == 1);
      CHECK(r.output.find("BPF not available") != std::string::npos);
      CHECK(r.output.find("run as root") != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(cli.root() + "-new"));
  }
  SECTION("a full map is named with its size, and nothing is written") {
    cli.ok({"--max-services", "4", "--max-backends", "8", "lb", "update", "10.96.0.1:80/tcp"});
    std::string many = "services:\n";
    for (int i = 1; i <= 5; ++i) many += "- frontend: 10.96.0." + std::to_string(i) + ":80/tcp\n  backends: []\n";
    CHECK(cli.fails({"lb", "apply", "-f", cli.file("many.yaml", many)})
              .find("map lb4_services is full: the services need 5 entries, it holds 4") != std::string::npos);
    const auto backends = cli.file("backends.yaml", "services:\n- frontend: 10.96.0.2:80/tcp\n  backends: [" +
                                                        [] {
                                                          std::string b;
                                                          for (int i = 1; i <= 9; ++i)
                                                            b += (i > 1 ? ", " : "") + std::string("10.244.1.") +
                                                                 std::to_string(i) + ":80";
                                                          return b;
                                                        }() +
                                                        "]\n");
    CHECK(cli.fails({"lb", "apply", "-f", backends}).find("map lb4_backends is full (8 entries)") != std::string::npos);
    const json left = cli.json_of({"lb", "list"});
    REQUIRE(left.size() == 1);
    CHECK(left[0].at("frontend") == "10.96.0.1:80/tcp");
  }
}

}  // namespace
