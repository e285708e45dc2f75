// cni_bench: sequential ADD and DEL latency of xebec-cni (routed veth, xebec-ipam in-process,
// the dataplane's programs attached) against the reference bridge plugin with host-local IPAM
// (Debian's containernetworking-plugins), same machine, same run, same way of invoking them.
//
// Each plugin is run as a runtime runs it, from inside the node's namespace: posix_spawn (vfork
// and exec, as Go's os/exec does) with the CNI environment and the configuration on stdin, then
// wait. A figure is that whole time. Rounds go through the plugins in turn so that a change in
// machine load hits them all.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "bench/process.h"
#include "bench/timing.h"
#include "cni/net/pod_link.h"
#include "tests/support/bpf_instance.h"
#include "tests/support/cni_plugin.h"
#include "tests/support/netns.h"

namespace {

using namespace xebec;
using bench::Samples;
using bench::Stopwatch;

constexpr const char* kPrefix = "xebec-cnibench";

struct Plugin {
  std::string label;
  std::string binary;
  std::string cni_path;
  nlohmann::json config;
  Samples add, del, del_until_gone;
};

// Moves this (single-threaded) process into `netns` for good: plugins are then started the way
// runtimes start them, vfork and exec with no namespace switch in between.
void enter_netns(const std::string& netns) {
  int ns = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) throw std::runtime_error("cannot enter " + netns);
  close(ns);
}

// The host side of the pod's veth in a result: the last interface outside the sandbox (the
// bridge plugin lists its bridge first).
std::string host_side(const nlohmann::json& result) {
  std::string name;
  for (const auto& i : result.value("interfaces", nlohmann::json::array()))
    if (!i.contains("sandbox")) name = i.value("name", "");
  return name;
}

std::map<std::string, std::string> env_for(const Plugin& p, const char* command, int i, const std::string& pod) {
  return {{"CNI_COMMAND", command},           {"CNI_CONTAINERID", "bench" + std::to_string(i)},
          {"CNI_NETNS", "/run/netns/" + pod}, {"CNI_IFNAME", "eth0"},
          {"CNI_PATH", p.cni_path},           {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};  // as runtimes pass theirs
}

// One round: `count` ADDs, then their DELs, one after the other.
void round(Plugin& p, const std::vector<std::string>& pods, int first, int count) {
  std::vector<std::string> hosts(count);
  for (int k = 0; k < count; ++k) {
    Stopwatch t;
    auto run = testing::run_plugin(p.binary, "", env_for(p, "ADD", first + k, pods[first + k]), p.config.dump());
    p.add.add(t.seconds());
    if (run.exit_code != 0) throw std::runtime_error(p.label + " ADD failed: " + run.output);
    hosts[k] = host_side(run.json());
  }
  for (int k = 0; k < count; ++k) {
    Stopwatch t;
    auto run = testing::run_plugin(p.binary, "", env_for(p, "DEL", first + k, pods[first + k]), p.config.dump());
    p.del.add(t.seconds());
    if (run.exit_code != 0) throw std::runtime_error(p.label + " DEL failed: " + run.output);
    auto still_there = [&] {
      auto state = cni::host_link_state(hosts[k]);  // in the node's namespace, which we are in
      return state && *state != cni::HostLinkState::kAbsent;
    };
    while (!hosts[k].empty() && still_there()) {
      if (t.seconds() > 5) throw std::runtime_error(p.label + ": " + hosts[k] + " still there 5 s after DEL");
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    p.del_until_gone.add(t.seconds());
  }
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

void print(const char* what, const std::string& label, const Samples& s, double xebec_median) {
  std::printf("  %-30s %-28s %9s %9s %9s %7.1fx\n", what, label.c_str(), bench::human_seconds(s.median()).c_str(),
              bench::human_seconds(s.best()).c_str(), bench::human_seconds(s.worst()).c_str(),
              s.median() / xebec_median);
}

}  // namespace

int main(int argc, char** argv) {
  int pods_per_round = 25, rounds = 4;
  CLI::App app{"Sequential CNI ADD and DEL latency: xebec-cni against the reference bridge + host-local"};
  app.add_option("-n,--pods", pods_per_round, "ADDs (then DELs) per round")->capture_default_str();
  app.add_option("-r,--rounds", rounds, "rounds per plugin, alternating")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const std::string data_dir = "/tmp/" + std::string(kPrefix) + "-" + std::to_string(getpid());
  // Whatever happens, the namespaces and files go: one command removes them all.
  bench::CleanupOnSignal on_signal({"/bin/sh", "-c",
                                    "for n in $(ip netns list | awk '/^" + std::string(kPrefix) +
                                        "-/{print $1}'); do ip netns del $n; done; rm -rf " + data_dir +
                                        " /sys/fs/bpf/xebec/cnibench-" + std::to_string(getpid()) + "-*"});
  try {
    testing::Namespace node(std::string(kPrefix) + "-node");
    std::vector<std::unique_ptr<testing::Namespace>> pod_namespaces;
    std::vector<std::string> pods;
    const int total = pods_per_round * rounds + 1;  // +1: the warm-up
    for (int i = 0; i < total; ++i) {
      pod_namespaces.push_back(std::make_unique<testing::Namespace>(std::string(kPrefix) + "-p" + std::to_string(i)));
      pods.push_back(pod_namespaces.back()->name());
    }
    testing::BpfInstance dataplane("cnibench");
    enter_netns(node.name());

    // The reference as the CNI project's own example network configures it ("mynet": a gateway
    // on the bridge, masquerading, a default route), and the same without masquerading.
    auto bridge = [&](std::string label, std::string name, std::string subnet, bool masquerade) {
      nlohmann::json ipam = {{"type", "host-local"}, {"dataDir", data_dir}, {"ranges", {{{{"subnet", subnet}}}}}};
      if (masquerade) ipam["routes"] = {{{"dst", "0.0.0.0/0"}}};
      return Plugin{std::move(label),
                    "/usr/lib/cni/bridge",
                    "/usr/lib/cni",
                    {{"cniVersion", "1.0.0"},
                     {"name", name},
                     {"type", "bridge"},
                     {"bridge", name},
                     {"isGateway", true},
                     {"ipMasq", masquerade},
                     {"ipam", ipam}},
                    {},
                    {},
                    {}};
    };
    std::vector<Plugin> plugins = {
        {"xebec-cni + xebec-ipam",
         XEBEC_CNI_BIN,
         std::filesystem::path(XEBEC_CNI_BIN).parent_path().string(),
         {{"cniVersion", "1.0.0"},
          {"name", "xebec"},
          {"type", "xebec-cni"},
          {"bpfRoot", dataplane.root()},
          {"ipam", {{"type", "xebec-ipam"}, {"dataDir", data_dir}, {"ranges", {{{{"subnet", "10.244.1.0/24"}}}}}}}},
         {},
         {},
         {}},
        bridge("bridge + host-local, ipMasq", "xebr1", "10.244.2.0/24", true),
        bridge("bridge + host-local", "xebr2", "10.244.3.0/24", false),
    };
    if (access("/usr/lib/cni/bridge", X_OK) != 0)
      throw std::runtime_error("no /usr/lib/cni/bridge: apt-get install containernetworking-plugins");

    std::printf("load average %s; %d rounds of %d ADDs then %d DELs per plugin, the plugins in turn\n",
                load_average().c_str(), rounds, pods_per_round, pods_per_round);
    // Warm-up (not counted): the first ADD pins the dataplane's programs, or makes the bridge.
    for (auto& p : plugins) {
      Plugin scratch = p;
      round(scratch, pods, 0, 1);
    }
    for (int r = 0; r < rounds; ++r)
      for (auto& p : plugins) round(p, pods, 1 + r * pods_per_round, pods_per_round);

    std::printf("\n  %-30s %-28s %9s %9s %9s %8s\n", "", "", "median", "best", "worst", "ratio");
    const Plugin& xebec = plugins.front();
    for (auto [what, samples] : {std::pair{"ADD", &Plugin::add}, std::pair{"DEL", &Plugin::del},
                                 std::pair{"DEL until the veth is gone", &Plugin::del_until_gone}})
      for (const auto& p : plugins) print(&p == &xebec ? what : "", p.label, p.*samples, (xebec.*samples).median());
    std::printf(
        "\n  ratio = the plugin's median / xebec-cni's median (target: the reference >= 10x slower for ADD\n"
        "  and for DEL). xebec-cni's DEL returns once the pod is cut off and its address released; the\n"
        "  veth's deletion finishes in a background process (the kernel holds it for an RCU grace period).\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cni_bench: %s\n", e.what());
    return 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(data_dir, ec);
  return 0;
}
