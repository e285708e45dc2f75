// Tests of the pod's routed veth on real network namespaces (as root): a "node" namespace the
// test thread enters for each test, pod namespaces beside it, and `ip -j` to see the result
// independently of the code under test. Nothing touches the machine's own namespace.
#include "cni/net/pod_link.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cni/net/netns.h"
#include "tests/support/eventually.h"
#include "tests/support/netns.h"

namespace {

using namespace xebec;
using namespace xebec::cni;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::must;
using testing::Namespace;
using testing::run_checked;
using Lines = std::vector<std::string>;

constexpr std::uint16_t kPort = 8080;

std::string test_netns_name(const std::string& role) { return "xebec-cninet" + std::to_string(getpid()) + "-" + role; }

in_addr ipv4(const std::string& text) {
  in_addr ip{};
  REQUIRE(inet_pton(AF_INET, text.c_str(), &ip) == 1);
  return ip;
}

std::string pod_ip(int pod) { return "10.244.1." + std::to_string(4 + pod); }
std::string host_ifname(int pod) { return "xebtest" + std::to_string(pod); }

// A node namespace the test thread is inside while this lives (so the code under test acts
// there), and pods 1..n beside it. Everything goes when it goes, also when a test fails.
class TestNode {
 public:
  explicit TestNode(int pods) : node_(test_netns_name("node")) {
    REQUIRE(geteuid() == 0);
    for (int i = 1; i <= pods; ++i)
      pods_.push_back(std::make_unique<Namespace>(test_netns_name("pod" + std::to_string(i))));
    // New namespaces may inherit forwarding from the machine: start from off to see it turned on.
    run_checked({"sysctl", "-qw", "net.ipv4.ip_forward=0"}, node());
    handle_.emplace(must(NetnsHandle::open("/run/netns/" + node())));
    inside_.emplace(must(NetnsScope::enter(*handle_)));
  }

  const std::string& node() const { return node_.name(); }
  const std::string& pod(int i) const { return pods_.at(i - 1)->name(); }
  std::string pod_path(int i) const { return "/run/netns/" + pod(i); }

  PodLinkSpec spec(int i, std::uint32_t mtu = 0) const {
    return {host_ifname(i), pod_path(i), "eth0", mtu, ipv4(pod_ip(i))};
  }

 private:
  Namespace node_;
  std::vector<std::unique_ptr<Namespace>> pods_;
  std::optional<NetnsHandle> handle_;
  std::optional<NetnsScope> inside_;  // last: the thread leaves before the namespaces go
};

json ip_json(const std::string& netns, const Lines& args) {
  Lines argv = {"ip", "-j"};
  argv.insert(argv.end(), args.begin(), args.end());
  return json::parse(run_checked(argv, netns));
}

Lines sorted(Lines lines) {
  std::sort(lines.begin(), lines.end());
  return lines;
}

Lines link_names(const std::string& netns) {
  Lines names;
  for (const auto& l : ip_json(netns, {"link", "show"})) names.push_back(l.at("ifname"));
  return sorted(names);
}

json link(const std::string& netns, const std::string& ifname) {
  return ip_json(netns, {"link", "show", "dev", ifname}).at(0);
}

bool is_up(const json& link) {
  const auto& flags = link.at("flags");
  return std::find(flags.begin(), flags.end(), "UP") != flags.end();
}

// "default via 169.254.1.1 dev eth0", "169.254.1.1 dev eth0 scope link", sorted.
Lines routes(const std::string& netns) {
  Lines out;
  for (const auto& r : ip_json(netns, {"-4", "route", "show"})) {
    std::string line = r.at("dst");
    if (r.contains("gateway")) line += " via " + r["gateway"].get<std::string>();
    line += " dev " + r.at("dev").get<std::string>();
    if (r.contains("scope")) line += " scope " + r["scope"].get<std::string>();
    out.push_back(line);
  }
  return sorted(out);
}

// "169.254.1.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT", sorted.
Lines neighbours(const std::string& netns) {
  Lines out;
  for (const auto& n : ip_json(netns, {"-4", "neigh", "show"})) {
    std::string line = n.at("dst").get<std::string>() + " dev " + n.at("dev").get<std::string>();
    if (n.contains("lladdr")) line += " lladdr " + n["lladdr"].get<std::string>();
    for (const auto& state : n.at("state")) line += " " + state.get<std::string>();
    out.push_back(line);
  }
  return sorted(out);
}

// "10.244.1.5/32", sorted.
Lines addresses(const std::string& netns, const std::string& ifname) {
  Lines out;
  for (const auto& l : ip_json(netns, {"-4", "addr", "show", "dev", ifname}))
    for (const auto& a : l.at("addr_info"))
      out.push_back(a.at("local").get<std::string>() + "/" + std::to_string(a.at("prefixlen").get<int>()));
  return sorted(out);
}

std::string sysctl(const std::string& netns, const std::string& path) {
  std::string value = run_checked({"cat", path}, netns);
  while (!value.empty() && value.back() == '\n') value.pop_back();
  return value;
}

// Everything in the namespaces a failed create could have left behind.
struct Snapshot {
  Lines node_links, node_routes, pod_links, pod_routes;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const TestNode& t) {
  return {link_names(t.node()), routes(t.node()), link_names(t.pod(1)), routes(t.pod(1))};
}

TEST_CASE("create_pod_link: the pod gets its address, routes and gateway, the node a route and forwarding") {
  TestNode t(1);
  auto made = must(create_pod_link(t.spec(1)));

  const json host = link(t.node(), "xebtest1");
  const json pod = link(t.pod(1), "eth0");
  CHECK(made.host_ifindex == host.at("ifindex").get<int>());
  CHECK(made.host_mac == "ee:ee:ee:ee:ee:ee");
  CHECK(host.at("address") == "ee:ee:ee:ee:ee:ee");
  CHECK(pod.at("address") == made.pod_mac);
  const int first_octet = std::stoi(made.pod_mac.substr(0, 2), nullptr, 16);
  CHECK((first_octet & 0x01) == 0);  // unicast
  CHECK((first_octet & 0x02) == 2);  // locally administered
  CHECK(made.mtu == 1500);
  CHECK(is_up(host));
  CHECK(is_up(pod));

  CHECK(addresses(t.pod(1), "eth0") == Lines{"10.244.1.5/32"});
  CHECK(routes(t.pod(1)) == Lines{"169.254.1.1 dev eth0 scope link", "default via 169.254.1.1 dev eth0"});
  CHECK(neighbours(t.pod(1)) == Lines{"169.254.1.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT"});
  CHECK(routes(t.node()) == Lines{"10.244.1.5 dev xebtest1 scope link"});
  CHECK(sysctl(t.node(), "/proc/sys/net/ipv4/ip_forward") == "1");
  CHECK(sysctl(t.node(), "/proc/sys/net/ipv6/conf/xebtest1/accept_dad") == "0");
  CHECK(sysctl(t.pod(1), "/proc/sys/net/ipv6/conf/eth0/accept_dad") == "0");

  auto checked = check_pod_link(t.spec(1));
  INFO((checked ? "" : checked.error().message));
  CHECK(checked.ok());
}

TEST_CASE("create_pod_link: two pods on one node talk TCP, routed by the node, never ARPing for the gateway") {
  TestNode t(2);
  must(create_pod_link(t.spec(1)));
  must(create_pod_link(t.spec(2)));

  testing::TcpServer server(t.pod(1), "pod1", pod_ip(1), kPort);
  auto client = must(testing::TcpClient::connect(t.pod(2), pod_ip(1), kPort));
  CHECK(client.greeting() == "pod1");
  CHECK(must(client.exchange("hello from pod2")) == "pod1 hello from pod2");

  // The node resolved both pods on their host sides: the packets went through it.
  const Lines node_neighbours = neighbours(t.node());
  auto resolved = [&](int i) {
    return std::any_of(node_neighbours.begin(), node_neighbours.end(), [&](const std::string& n) {
      return n.starts_with(pod_ip(i) + " dev " + host_ifname(i) + " lladdr ");
    });
  };
  INFO("node neighbours: " << json(node_neighbours).dump());
  CHECK(resolved(1));
  CHECK(resolved(2));
  // The pods asked nobody for the gateway: their only neighbour is the permanent one.
  for (int i : {1, 2}) CHECK(neighbours(t.pod(i)) == Lines{"169.254.1.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT"});
}

TEST_CASE("create_pod_link: the MTU is applied to both ends") {
  struct Row {
    std::uint32_t requested, applied;
  };
  for (const Row& row : {Row{0, 1500}, Row{1400, 1400}, Row{9000, 9000}}) {
    DYNAMIC_SECTION("requested " << row.requested) {
      TestNode t(1);
      CHECK(must(create_pod_link(t.spec(1, row.requested))).mtu == row.applied);
      CHECK(link(t.node(), "xebtest1").at("mtu") == row.applied);
      CHECK(link(t.pod(1), "eth0").at("mtu") == row.applied);
      CHECK(check_pod_link(t.spec(1, row.requested)).ok());
    }
  }
}

TEST_CASE("create_pod_link: a stale node route for a reused pod address is replaced") {
  TestNode t(1);
  for (const Lines& argv :
       {Lines{"ip", "link", "add", "stale0", "type", "veth", "peer", "name", "stale1"},
        Lines{"ip", "link", "set", "stale0", "up"}, Lines{"ip", "route", "add", "10.244.1.5/32", "dev", "stale0"}})
    run_checked(argv, t.node());
  must(create_pod_link(t.spec(1)));
  CHECK(routes(t.node()) == Lines{"10.244.1.5 dev xebtest1 scope link"});
}

TEST_CASE("create_pod_link: a failure names the step and leaves nothing behind") {
  struct Row {
    std::string what;
    bool in_pod;  // where `setup` runs: the pod's namespace, else the node's
    std::vector<Lines> setup;
    std::string message;  // "{pod}": the pod's namespace path
    ErrorCode code;
  };
  const std::vector<Row> rows = {
      {"the host name is taken in the node namespace",
       false,
       {{"ip", "link", "add", "xebtest1", "type", "veth", "peer", "name", "other1"}},
       "cannot create veth xebtest1/eth0: File exists (an interface named xebtest1 already exists in this namespace)",
       ErrorCode::kAlreadyExists},
      {"the pod's interface name is taken in the pod namespace",
       true,
       {{"ip", "link", "add", "eth0", "type", "veth", "peer", "name", "other1"}},
       "cannot create veth xebtest1/eth0: File exists (an interface named eth0 already exists in {pod})",
       ErrorCode::kAlreadyExists},
      {"the pod namespace has a default route already (a failure after the veth exists)",
       true,
       {{"ip", "link", "add", "other0", "type", "veth", "peer", "name", "other1"},
        {"ip", "link", "set", "other0", "up"},
        {"ip", "route", "add", "default", "dev", "other0"}},
       "cannot add default route via 169.254.1.1 dev eth0 in {pod}: File exists",
       ErrorCode::kUnknown},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) {
      TestNode t(1);
      for (const auto& argv : row.setup) run_checked(argv, row.in_pod ? t.pod(1) : t.node());
      const Snapshot before = snapshot(t);

      auto made = create_pod_link(t.spec(1));
      REQUIRE_FALSE(made.ok());
      std::string expected = row.message;
      if (auto at = expected.find("{pod}"); at != std::string::npos) expected.replace(at, 5, t.pod_path(1));
      CHECK(made.error().message == expected);
      CHECK(made.error().code == row.code);

      const Snapshot after = snapshot(t);
      CHECK(after.node_links == before.node_links);
      CHECK(after.node_routes == before.node_routes);
      CHECK(after.pod_links == before.pod_links);
      CHECK(after.pod_routes == before.pod_routes);
    }
  }
}

TEST_CASE("create_pod_link: refuses a missing pod namespace and names the kernel would not take") {
  struct Row {
    std::string what;
    PodLinkSpec spec;
    ErrorCode code;
    std::string message;
  };
  const in_addr ip = ipv4(pod_ip(1));
  const std::vector<Row> rows = {
      {"no such namespace",
       {"xebtest1", "/run/netns/xebec-cninet-never-made", "eth0", 0, ip},
       ErrorCode::kNotFound,
       "cannot open network namespace /run/netns/xebec-cninet-never-made: No such file or directory"},
      {"host name too long",
       {"xebtest1234567890", "/run/netns/x", "eth0", 0, ip},
       ErrorCode::kInvalid,
       "'xebtest1234567890' is not a valid interface name"},
      {"pod name with a slash",
       {"xebtest1", "/run/netns/x", "../eth0", 0, ip},
       ErrorCode::kInvalid,
       "'../eth0' is not a valid interface name"},
      {"empty pod name",
       {"xebtest1", "/run/netns/x", "", 0, ip},
       ErrorCode::kInvalid,
       "'' is not a valid interface name"},
  };
  TestNode t(0);
  for (const auto& row : rows) {
    INFO(row.what);
    auto made = create_pod_link(row.spec);
    REQUIRE_FALSE(made.ok());
    CHECK(made.error().code == row.code);
    CHECK_THAT(made.error().message, Catch::StartsWith(row.message));
  }
  CHECK(link_names(t.node()) == Lines{"lo"});
}

TEST_CASE("check_pod_link: names the first thing that is no longer as create_pod_link left it") {
  struct Row {
    std::string what;
    bool in_pod;  // where `breaking` runs: the pod's namespace, else the node's
    Lines breaking;
    std::string message;  // "{pod}": the pod's namespace path
  };
  const std::vector<Row> rows = {
      {"the host side is gone",
       false,
       {"ip", "link", "del", "xebtest1"},
       "no interface xebtest1 in the node namespace"},
      {"the host side is down",
       false,
       {"ip", "link", "set", "xebtest1", "down"},
       "xebtest1 in the node namespace is down"},
      {"the host side's MTU changed",
       false,
       {"ip", "link", "set", "xebtest1", "mtu", "1400"},
       "xebtest1 in the node namespace has MTU 1400, expected 1500"},
      {"the host side's MAC changed",
       false,
       {"ip", "link", "set", "xebtest1", "address", "02:00:00:00:00:01"},
       "xebtest1 in the node namespace does not have MAC ee:ee:ee:ee:ee:ee"},
      {"the node's route to the pod is gone",
       false,
       {"ip", "route", "del", "10.244.1.5/32"},
       "no route 10.244.1.5/32 dev xebtest1 in the node namespace"},
      {"forwarding is off",
       false,
       {"sysctl", "-qw", "net.ipv4.ip_forward=0"},
       "IPv4 forwarding is off in the node namespace"},
      {"the pod side is down", true, {"ip", "link", "set", "eth0", "down"}, "eth0 in {pod} is down"},
      {"DAD is on again in the pod",
       true,
       {"sysctl", "-qw", "net.ipv6.conf.eth0.accept_dad=1"},
       "IPv6 DAD is on for eth0 in {pod} (accept_dad is 1)"},
      {"the pod's address is gone",
       true,
       {"ip", "addr", "del", "10.244.1.5/32", "dev", "eth0"},
       "eth0 in {pod} has no address 10.244.1.5/32"},
      {"the pod's route to the gateway is gone",
       true,
       {"ip", "route", "del", "169.254.1.1", "dev", "eth0"},
       "no route 169.254.1.1 scope link dev eth0 in {pod}"},
      {"the pod's default route is gone",
       true,
       {"ip", "route", "del", "default"},
       "no default route via 169.254.1.1 dev eth0 in {pod}"},
      {"the gateway's neighbour entry is gone",
       true,
       {"ip", "neigh", "del", "169.254.1.1", "dev", "eth0"},
       "no permanent neighbour 169.254.1.1 lladdr ee:ee:ee:ee:ee:ee on eth0 in {pod}"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) {
      TestNode t(1);
      must(create_pod_link(t.spec(1)));
      auto before = check_pod_link(t.spec(1));
      INFO((before ? "" : before.error().message));
      REQUIRE(before.ok());

      run_checked(row.breaking, row.in_pod ? t.pod(1) : t.node());
      auto after = check_pod_link(t.spec(1));
      REQUIRE_FALSE(after.ok());
      std::string expected = row.message;
      if (auto at = expected.find("{pod}"); at != std::string::npos) expected.replace(at, 5, t.pod_path(1));
      CHECK(after.error().message == expected);
    }
  }
}

void require_ok(const Status& s) {
  INFO((s ? "" : s.error().message));
  REQUIRE(s.ok());
}

TEST_CASE("delete_host_link: removes both ends, and deleting again is no failure") {
  TestNode t(1);
  must(create_pod_link(t.spec(1)));
  CHECK(must(host_link_state("xebtest1")) == HostLinkState::kUp);
  require_ok(delete_host_link("xebtest1"));
  CHECK(must(host_link_state("xebtest1")) == HostLinkState::kAbsent);
  CHECK(link_names(t.node()) == Lines{"lo"});
  CHECK(link_names(t.pod(1)) == Lines{"lo"});
  CHECK(routes(t.node()).empty());
  require_ok(delete_host_link("xebtest1"));
}

TEST_CASE("disconnect_host_link: cuts the pod off at once, and delete_host_link then removes it") {
  TestNode t(2);
  must(create_pod_link(t.spec(1)));
  must(create_pod_link(t.spec(2)));
  testing::TcpServer server(t.pod(1), "pod1", pod_ip(1), kPort);
  must(testing::TcpClient::connect(t.pod(2), pod_ip(1), kPort));

  require_ok(disconnect_host_link("xebtest1"));
  CHECK_FALSE(is_up(link(t.node(), "xebtest1")));
  CHECK(must(host_link_state("xebtest1")) == HostLinkState::kDown);
  CHECK(must(host_link_state("xebtest2")) == HostLinkState::kUp);
  CHECK(routes(t.node()) == Lines{"10.244.1.6 dev xebtest2 scope link"});
  CHECK_FALSE(testing::TcpClient::connect(t.pod(2), pod_ip(1), kPort, 500ms).ok());

  require_ok(delete_host_link("xebtest1"));
  CHECK(link_names(t.node()) == Lines{"lo", "xebtest2"});
  CHECK(link_names(t.pod(1)) == Lines{"lo"});
  require_ok(disconnect_host_link("xebtest1"));  // gone: nothing to cut
}

TEST_CASE("host_links_with_prefix: lists the node's links with the prefix, and only those") {
  TestNode t(2);
  must(create_pod_link(t.spec(1)));
  must(create_pod_link(t.spec(2)));
  run_checked({"ip", "link", "add", "other0", "type", "veth", "peer", "name", "other1"}, t.node());
  CHECK(sorted(must(host_links_with_prefix("xebtest"))) == Lines{"xebtest1", "xebtest2"});
  CHECK(must(host_links_with_prefix("nothing")).empty());
}

}  // namespace
