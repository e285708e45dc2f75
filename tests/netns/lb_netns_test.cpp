// End-to-end tests of the service load-balancer on real veths: real TCP connections from pod
// and outside namespaces through the programs `xebec bpf` attaches, programmed as a user does.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/support/netns.h"

namespace {

using namespace xebec::testing;
using nlohmann::json;

constexpr const char* kVip = "10.96.0.10";
constexpr std::uint16_t kServicePort = 80;
constexpr const char* kFrontend = "10.96.0.10:80/tcp";
constexpr const char* kGateway = "10.244.1.1";  // the node's address on every pod veth
constexpr const char* kClientIp = "10.244.1.10";
constexpr const char* kNodeIp = "10.250.0.11";  // the node's uplink address
constexpr std::uint16_t kNodePort = 30080;
constexpr const char* kUplink = "up0";
constexpr int kBackends = 3;

std::string backend_name(int i) { return "backend-" + std::to_string(i + 1); }
std::string backend_ip(int i) { return "10.244.1." + std::to_string(11 + i); }
std::string backend_endpoint(int i) { return backend_ip(i) + ":" + std::to_string(kServicePort); }
int backend_index(const std::string& name) {
  for (int i = 0; i < kBackends; ++i)
    if (backend_name(i) == name) return i;
  FAIL("unknown backend '" << name << "'");
  return -1;
}

void require_root() {
  if (geteuid() != 0)
    FAIL("these tests make network namespaces and attach BPF programs: run them as root (CI does)");
}

bool process_alive(long pid) { return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

// The pid in a name "xebec-nt<pid>-…", or 0 when the name is not one of ours.
long owner_pid(const std::string& name) {
  const std::string prefix = "xebec-nt";
  if (name.rfind(prefix, 0) != 0) return 0;
  return std::strtol(name.c_str() + prefix.size(), nullptr, 10);
}

// Namespaces and pins of earlier runs killed before their cleanup could run (SIGKILL, a
// crash): their names carry the pid of a process that no longer exists.
void sweep_leftovers() {
  static bool swept = false;
  if (swept) return;
  swept = true;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) {
    auto pid = owner_pid(e.path().filename());
    if (pid > 0 && !process_alive(pid)) run_command({"ip", "netns", "del", e.path().filename()});
  }
  for (const auto& e : std::filesystem::directory_iterator("/sys/fs/bpf/xebec", ec)) {
    auto pid = owner_pid(e.path().filename());
    if (pid > 0 && !process_alive(pid)) std::filesystem::remove_all(e.path(), ec);
  }
}

// A --bpf-root directory, removed with every pin under it when it goes out of scope.
struct PinRoot {
  std::string path;
  ~PinRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// The test topology, made fresh for each test and torn down when it goes out of scope, pass
// or fail (servers, then namespaces with their veths and programs, then pins):
//
//   client 10.244.1.10 ── h-client ┐
//   backend-1 10.244.1.11 ── h-b1 ─┤ node: ip_forward, programs on every h-*, routes /32
//   backend-2 10.244.1.12 ── h-b2 ─┤       per pod; the node is 10.244.1.1 on each h-*
//   backend-3 10.244.1.13 ── h-b3 ─┘ up0 10.250.0.11/24 ── outside 10.250.0.100 (optional)
//
// Pods route the fabric's prefixes via the node and black-hole everything else; the node has
// a black-hole default. Each backend runs a TcpServer on :80 answering with its name.
class Fabric {
 public:
  explicit Fabric(bool with_outside = false) {
    require_root();
    sweep_leftovers();
    static int counter = 0;
    prefix_ = "xebec-nt" + std::to_string(getpid()) + "-" + std::to_string(++counter);
    pins_.path = "/sys/fs/bpf/xebec/" + prefix_;
    make_node();
    add_pod("client", kClientIp);
    for (int i = 0; i < kBackends; ++i) add_pod("b" + std::to_string(i + 1), backend_ip(i));
    if (with_outside) add_outside();
    for (int i = 0; i < kBackends; ++i)
      servers_.push_back(std::make_unique<TcpServer>(pod_ns("b" + std::to_string(i + 1)), backend_name(i),
                                                     backend_ip(i), kServicePort));
  }

  std::string pod_ns(const std::string& pod) const { return prefix_ + "-" + pod; }
  std::string client_ns() const { return pod_ns("client"); }
  std::string outside_ns() const { return pod_ns("outside"); }
  std::vector<std::string> pod_veths() const { return {"h-client", "h-b1", "h-b2", "h-b3"}; }
  const TcpServer& server(const std::string& name) const {
    for (const auto& s : servers_)
      if (s->name() == name) return *s;
    throw std::logic_error("no server " + name);
  }

  // `xebec bpf --bpf-root ROOT args...` inside the node namespace.
  CommandResult xebec(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {XEBEC_BIN, "bpf", "--bpf-root", pins_.path};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, node_->name());
  }
  std::string xebec_ok(const std::vector<std::string>& args) const {
    auto r = xebec(args);
    INFO("xebec bpf " << join(args) << "\n" << r.output);
    REQUIRE(r.exit_code == 0);
    return r.output;
  }
  json xebec_json(const std::vector<std::string>& args) const {
    auto out = xebec_ok(args);
    INFO(out);
    REQUIRE(json::accept(out));
    return json::parse(out);
  }

  // `lb update` of the test's service with the backends given by index, plus extra flags.
  void update_service(const std::vector<int>& backends, const std::vector<std::string>& flags = {}) const {
    std::vector<std::string> args = {"lb", "update", kFrontend};
    for (int i : backends) args.insert(args.end(), {"--backend", backend_endpoint(i)});
    args.insert(args.end(), flags.begin(), flags.end());
    xebec_ok(args);
  }

 private:
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
    return s;
  }

  const Namespace& make_ns(const std::string& pod) {
    namespaces_.push_back(std::make_unique<Namespace>(pod_ns(pod)));
    return *namespaces_.back();
  }

  void make_node() {
    node_ = &make_ns("node");
    // rp_filter off: reverse-NATed replies carry the VIP as source, which no route of the
    // node leads back to. A new namespace copies the host's setting, so say it here.
    run_checked({"sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
                 "net.ipv4.conf.default.rp_filter=0"},
                node_->name());
    node_->ip({"route", "add", "blackhole", "default"});
  }

  // A pod: its veth pair is made inside the namespaces (never in the host's), the host side
  // in the node with the node's gateway address, like a CNI plugin's pod veth.
  void add_pod(const std::string& pod, const std::string& ip) {
    const auto& ns = make_ns(pod);
    const std::string host = "h-" + pod;
    node_->ip({"link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", ns.name()});
    node_->ip({"addr", "add", std::string(kGateway) + "/32", "dev", host});
    node_->ip({"link", "set", host, "up"});
    node_->ip({"route", "add", ip + "/32", "dev", host});
    ns.ip({"addr", "add", ip + "/32", "dev", "eth0"});
    ns.ip({"link", "set", "eth0", "up"});
    ns.ip({"route", "add", kGateway, "dev", "eth0", "scope", "link"});
    for (const char* net : {"10.244.0.0/16", "10.96.0.0/12", "10.250.0.0/24"})
      ns.ip({"route", "add", net, "via", kGateway, "dev", "eth0"});
    ns.ip({"route", "add", "blackhole", "default"});
    xebec_ok({"attach", "--pod-iface", host});
  }

  // An outside client on the node's uplink, for NodePort; the uplink gets the tc programs.
  void add_outside() {
    const auto& ns = make_ns("outside");
    node_->ip({"link", "add", kUplink, "type", "veth", "peer", "name", "eth0", "netns", ns.name()});
    node_->ip({"addr", "add", std::string(kNodeIp) + "/24", "dev", kUplink});
    node_->ip({"link", "set", kUplink, "up"});
    ns.ip({"addr", "add", "10.250.0.100/24", "dev", "eth0"});
    ns.ip({"link", "set", "eth0", "up"});
    ns.ip({"route", "add", "blackhole", "default"});
    xebec_ok({"attach", "--uplink-iface", kUplink});
  }

  std::string prefix_;
  PinRoot pins_;  // members are destroyed bottom-up: servers, namespaces, then pins
  std::vector<std::unique_ptr<Namespace>> namespaces_;
  const Namespace* node_ = nullptr;
  std::vector<std::unique_ptr<TcpServer>> servers_;
};

TcpClient connect_or_fail(const std::string& netns, const std::string& address, std::uint16_t port,
                          const std::string& what) {
  auto c = TcpClient::connect(netns, address, port);
  if (!c) FAIL(what << ": " << c.error().message);
  return std::move(c).value();
}

// A line of `size` printable bytes. Sizes matter: a tc program reads only an skb's linear
// part while TCP puts its payload in paged fragments, and a write above one MSS crosses a
// veth as one GSO packet; 8 B, 1 KB and 16 KB lines give small, paged and GSO packets.
std::string payload(std::size_t size, int seed) {
  std::string s(size, ' ');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return s;
}

// Sends `line` and checks the answer names the connection's backend and carries the line.
void require_echo(TcpClient& c, const std::string& line, const std::string& what) {
  auto reply = c.exchange(line);
  if (!reply) FAIL(what << ": no answer to a " << line.size() << "-byte line: " << reply.error().message);
  const std::string expected = c.greeting() + " " + line;
  if (*reply != expected)
    FAIL(what << ": answer of " << reply->size() << " bytes, expected " << expected.size() << ": '"
              << reply->substr(0, 60) << "…'");
}

// Opens n connections one after the other, each greeted and then echoing a 1 KB line (a
// request with payload in both directions), and counts which backend answered each.
std::map<std::string, int> spread(const std::string& netns, const std::string& address, std::uint16_t port, int n) {
  std::map<std::string, int> hits;
  for (int i = 0; i < n; ++i) {
    const std::string what = "connection " + std::to_string(i + 1) + " of " + std::to_string(n) + " to " + address;
    auto c = connect_or_fail(netns, address, port, what);
    require_echo(c, payload(1024, i), what);
    hits[c.greeting()]++;
  }
  return hits;
}

std::string describe(const std::map<std::string, int>& hits) {
  std::string s;
  for (const auto& [backend, n] : hits) s += backend + "=" + std::to_string(n) + " ";
  return s;
}

void require_all_backends(const std::map<std::string, int>& hits) {
  INFO("connections per backend: " << describe(hits));
  REQUIRE(hits.size() == kBackends);
  for (int i = 0; i < kBackends; ++i) CHECK(hits.count(backend_name(i)) == 1);
}

std::vector<int> all_backends() { return {0, 1, 2}; }

std::string lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& line : v) s += line + "\n";
  return s;
}

// Keeps long-lived connections busy from a thread of its own, one exchange after another
// with lines of 8 B, 1 KB and 16 KB in turn, and records each connection that stops
// answering correctly (then leaves it alone). The connections are the thread's until stop().
class Chatter {
 public:
  explicit Chatter(std::vector<TcpClient>& conns) : conns_(conns), thread_([this](std::stop_token st) { run(st); }) {}
  int exchanges() const { return exchanges_.load(); }  // the successful ones
  // Stops and joins the thread (the destructor does too); returns the failures.
  std::vector<std::string> stop() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
    return failures_;
  }

 private:
  void run(std::stop_token stop) {
    constexpr std::size_t kSizes[] = {8, 1024, 16384};
    std::vector<bool> broken(conns_.size(), false);
    for (int round = 0; !stop.stop_requested() && round < 100000; ++round)
      for (std::size_t i = 0; i < conns_.size(); ++i) {
        if (broken[i]) continue;
        const std::string line = payload(kSizes[round % 3], round);
        auto reply = conns_[i].exchange(line, 2s);
        if (reply && *reply == conns_[i].greeting() + " " + line) {
          exchanges_++;
          continue;
        }
        broken[i] = true;
        failures_.push_back("connection " + std::to_string(i + 1) + " (client port " +
                            std::to_string(conns_[i].local_port()) + "), exchange " + std::to_string(round + 1) +
                            ": " + (reply ? "wrong answer '" + reply->substr(0, 40) + "…'" : reply.error().message));
      }
  }

  std::vector<TcpClient>& conns_;
  std::atomic<int> exchanges_{0};
  std::vector<std::string> failures_;
  std::jthread thread_;  // declared last: starts after, and stops before, what it uses
};

}  // namespace

TEST_CASE("connections to a ClusterIP spread over all backends", "[netns]") {
  Fabric f;
  f.update_service(all_backends());

  auto hits = spread(f.client_ns(), kVip, kServicePort, 60);

  require_all_backends(hits);
  int accepted = 0;
  for (int i = 0; i < kBackends; ++i) accepted += f.server(backend_name(i)).accepted();
  CHECK(accepted == 60);
}

// A pod's TCP segments cross a veth CHECKSUM_PARTIAL: the L4 checksum field holds only the
// pseudo-header sum, nobody finishes it and the receiver trusts it, so a wrong update of that
// sum would go unnoticed on veths alone. With transmit checksumming off on the node's side of
// every veth, the kernel finishes each checksum in software on the way into the receiving
// namespace, which then verifies it: a wrong sum is a dropped segment and a stalled exchange.
TEST_CASE("rewritten checksums verify where the kernel finishes them in software", "[netns]") {
  Fabric f(true);
  f.update_service(all_backends(), {"--node-port", std::to_string(kNodePort)});
  for (const auto& veth : f.pod_veths()) run_checked({"ethtool", "-K", veth, "tx", "off"}, f.pod_ns("node"));
  run_checked({"ethtool", "-K", kUplink, "tx", "off"}, f.pod_ns("node"));

  for (const auto& [ns, address, port] : {std::tuple{f.client_ns(), std::string(kVip), kServicePort},
                                          std::tuple{f.outside_ns(), std::string(kNodeIp), kNodePort}}) {
    for (int i = 0; i < 6; ++i) {
      const std::string what = "connection " + std::to_string(i + 1) + " to " + address;
      auto c = connect_or_fail(ns, address, port, what);
      for (std::size_t size : {8, 1024, 16384}) require_echo(c, payload(size, i), what);
    }
  }
}

TEST_CASE("ClientIP affinity sends every connection of a client to one backend", "[netns]") {
  Fabric f;
  f.update_service(all_backends(), {"--affinity-timeout", "60"});

  auto hits = spread(f.client_ns(), kVip, kServicePort, 20);

  INFO("connections per backend: " << describe(hits));
  REQUIRE(hits.size() == 1);
  const std::string chosen = hits.begin()->first;
  auto entries = f.xebec_json({"affinity", "list", "-o", "json"});
  INFO(entries.dump(2));
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["client"] == kClientIp);
  CHECK(entries[0]["service"] == kFrontend);
  CHECK(entries[0]["backend"] == backend_endpoint(backend_index(chosen)));
  CHECK(entries[0]["expiresInSeconds"].get<int>() > 0);
}

TEST_CASE("a removed backend gets no new flows but keeps its established ones", "[netns]") {
  Fabric f;
  f.update_service(all_backends());
  auto kept = connect_or_fail(f.client_ns(), kVip, kServicePort, "the long-lived connection");
  const std::string removed = kept.greeting();
  require_echo(kept, payload(16384, 1), "the long-lived connection, before the removal");

  std::vector<int> remaining;
  for (int i = 0; i < kBackends; ++i)
    if (i != backend_index(removed)) remaining.push_back(i);
  f.update_service(remaining);
  const int accepted_before = f.server(removed).accepted();

  auto hits = spread(f.client_ns(), kVip, kServicePort, 30);

  INFO("removed " << removed << "; new connections per backend: " << describe(hits));
  CHECK(hits.count(removed) == 0);
  CHECK(hits.size() == 2);
  CHECK(f.server(removed).accepted() == accepted_before);
  require_echo(kept, payload(16384, 2), "the long-lived connection, after the removal");
}

TEST_CASE("re-attaching and re-programming during traffic loses no connection", "[netns]") {
  constexpr int kConnections = 10;
  constexpr int kRestarts = 5;
  Fabric f;
  f.update_service(all_backends());
  std::vector<TcpClient> conns;
  for (int i = 0; i < kConnections; ++i)
    conns.push_back(
        connect_or_fail(f.client_ns(), kVip, kServicePort, "long-lived connection " + std::to_string(i + 1)));
  for (auto& c : conns) require_echo(c, payload(16384, 0), "before the restarts");

  // each `attach` loads fresh programs and swaps them in over the pinned maps, as a
  // restarted agent does; `lb update` with the same backends must change nothing
  Chatter chatter(conns);
  for (int restart = 1; restart <= kRestarts; ++restart) {
    for (const auto& veth : f.pod_veths()) f.xebec_ok({"attach", "--pod-iface", veth});
    f.update_service(all_backends());
    // traffic must keep flowing after each restart, not merely have flowed during it
    const int before = chatter.exchanges();
    for (int wait = 0; wait < 300 && chatter.exchanges() < before + 2 * kConnections; ++wait)
      std::this_thread::sleep_for(10ms);
    if (chatter.exchanges() < before + 2 * kConnections)
      FAIL("traffic stalled after restart " << restart << ":\n" << lines(chatter.stop()));
  }
  auto failures = chatter.stop();
  INFO("exchanges: " << chatter.exchanges());
  for (const auto& failure : failures) FAIL_CHECK(failure);
  REQUIRE(failures.empty());
  auto flows = f.xebec_json({"ct", "list", "-o", "json"});
  for (auto& c : conns) {
    require_echo(c, payload(16384, 3), "after the restarts");
    const std::string source = std::string(kClientIp) + ":" + std::to_string(c.local_port());
    const std::string destination = std::string(kVip) + ":" + std::to_string(kServicePort);
    bool tracked = false;
    for (const auto& e : flows) tracked = tracked || (e["source"] == source && e["destination"] == destination);
    INFO("flow from " << source << " in `xebec bpf ct list`:\n" << flows.dump(1));
    CHECK(tracked);
  }
}

TEST_CASE("NodePort via tc on the uplink: spread over backends, replies come back", "[netns]") {
  Fabric f(true);
  f.update_service(all_backends(), {"--node-port", std::to_string(kNodePort)});

  require_all_backends(spread(f.outside_ns(), kNodeIp, kNodePort, 45));
}

// Native XDP works on a veth for a program that only passes or drops: attaching it gives the
// veth NAPI receive queues, and the kernel turns GSO/TSO off on the peer and caps the peer's
// MTU at 3506 (a frame must fit one page), so the program sees linear single-segment frames.
// (The "peer needs an XDP program or GRO" rule is for XDP_REDIRECT/XDP_TX into a veth.) A
// veth's TCP frames are CHECKSUM_PARTIAL and the receiver does not verify them, so this test
// proves translation and routing, not checksum arithmetic: the BPF packet tests do that.
TEST_CASE("NodePort via XDP on the uplink: spread over backends, replies come back", "[netns]") {
  Fabric f(true);
  f.update_service(all_backends(), {"--node-port", std::to_string(kNodePort)});
  f.xebec_ok({"attach", "--uplink-iface", kUplink, "--xdp"});
  auto link = run_checked({"ip", "-d", "link", "show", kUplink}, f.pod_ns("node"));
  if (link.find("prog/xdp") == std::string::npos) FAIL("no native XDP program on " << kUplink << ":\n" << link);

  require_all_backends(spread(f.outside_ns(), kNodeIp, kNodePort, 45));
}
