// The scheduler end to end: `xebec apiserver`, `xebec scheduler` and `xebec controller-manager`
// as the processes they are, 1 000 nodes (API objects, no agents), then 10 000 pods created
// through the API by 16 threads; the figure is pods per second from the first create to the
// last bind, as a watch sees them bound. The peer, in the same run, is the apiserver's own create
// rate: how fast the pods could come in at all. Then the resident memory of the three. Prints
// figures; asserts nothing.
//
//   scheduler_e2e_bench [--nodes N] [--pods N] [--writers N]
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/process.h"
#include "bench/timing.h"
#include "controlplane/client/https_api_client.h"
#include "controlplane/client/informer.h"

namespace {

using namespace xebec;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

const api::ResourceType& type(const char* resource) { return *api::find_resource("", "v1", resource); }

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "scheduler_e2e_bench: %s\n", what.c_str());
  std::exit(1);
}

// Runs `work(i)` for i in [0, n) on `threads` threads.
template <typename Work>
void in_parallel(int n, int threads, Work work) {
  std::atomic<int> next{0};
  std::vector<std::jthread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i; (i = next++) < n;) work(i);
    });
}

bool log_says(const std::string& path, const std::string& text) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str().find(text) != std::string::npos;
}

json node(int i) {
  const std::string name = "node-" + std::to_string(i);
  return {{"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}, {"zone", "z" + std::to_string(i % 10)}}}}}};
}

json pod(int i, const std::string& ns) {
  return {{"metadata", {{"name", "pod-" + std::to_string(i)}, {"namespace", ns}, {"labels", {{"app", "bench"}}}}},
          {"spec",
           {{"containers",
             {{{"name", "app"}, {"image", "busybox"}, {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}}}}}}}}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The scheduler end to end through the apiserver", "scheduler_e2e_bench"};
  int nodes = 1000, pods = 10000, writers = 16;
  app.add_option("--nodes", nodes, "Nodes (API objects)")->capture_default_str();
  app.add_option("--pods", pods, "Pods to create and have bound")->capture_default_str();
  app.add_option("--writers", writers, "Threads creating pods")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  char scratch[] = "/tmp/xebec-sched-bench-XXXXXX";
  if (!mkdtemp(scratch)) fail("cannot make a scratch directory");
  const std::filesystem::path dir = scratch;
  bench::CleanupOnSignal cleanup({"/bin/rm", "-rf", dir.string()});
  const std::string port = std::to_string(free_port());
  auto apiserver = bench::Daemon::start({XEBEC_BIN, "apiserver", "--data-dir", (dir / "data").string(), "--listen",
                                         "127.0.0.1:" + port},
                                        (dir / "apiserver.log").string());
  if (!apiserver) fail(apiserver.error().message);
  const std::string kubeconfig = (dir / "data" / "admin.kubeconfig").string();
  for (int i = 0; i < 100 && !log_says((dir / "apiserver.log").string(), "serving https"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  client::HttpsOptions https;
  https.max_connections = static_cast<std::size_t>(writers) + 4;
  auto api = client::HttpsApiClient::from_kubeconfig(kubeconfig, https);
  if (!api) fail(api.error().message);

  in_parallel(nodes, 8, [&](int i) {
    auto created = (*api)->create(type("nodes"), "", node(i));
    if (!created) fail(created.error().message);
    (*created)["status"] = {{"allocatable", {{"cpu", "32"}, {"memory", "128Gi"}, {"pods", "110"}}},
                            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}};
    if (auto ok = (*api)->update(type("nodes"), "", *created, "status"); !ok) fail(ok.error().message);
  });

  // The peer: the apiserver's create rate for the same pods, with no scheduler running.
  if (auto ns = (*api)->create(type("namespaces"), "", {{"metadata", {{"name", "peer"}}}}); !ns) fail(ns.error().message);
  bench::Stopwatch peer_clock;
  in_parallel(pods, writers, [&](int i) {
    if (auto ok = (*api)->create(type("pods"), "peer", pod(i, "peer")); !ok) fail(ok.error().message);
  });
  const double create_rate = pods / peer_clock.seconds();
  // Gone before the scheduler starts: the figures below are with `pods` pods stored.
  in_parallel(pods, writers, [&](int i) {
    if (auto ok = (*api)->remove(type("pods"), "peer", "pod-" + std::to_string(i)); !ok) fail(ok.error().message);
  });

  // The whole control plane runs, as in a cluster: the controller-manager watches the pods too.
  auto scheduler = bench::Daemon::start({XEBEC_BIN, "scheduler", "--kubeconfig", kubeconfig},
                                        (dir / "scheduler.log").string());
  if (!scheduler) fail(scheduler.error().message);
  // The nodes are API objects without kubelets to post heartbeats: a long grace period keeps
  // the node lifecycle controller from calling them Unknown halfway through.
  auto controller_manager =
      bench::Daemon::start({XEBEC_BIN, "controller-manager", "--kubeconfig", kubeconfig, "--node-monitor-grace-period",
                            "1h"},
                           (dir / "controller-manager.log").string());
  if (!controller_manager) fail(controller_manager.error().message);
  for (const char* log : {"scheduler.log", "controller-manager.log"})
    for (int i = 0; i < 600 && !log_says((dir / log).string(), "running"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));

  // A watch of our own counts the binds as the apiserver reports them.
  std::mutex mu;
  std::set<std::string> bound;
  Clock::time_point last_bind;
  client::Informer watch(**api, type("pods"), {.ns = "default"});
  auto seen = [&](const json& p) {
    if (p["spec"].value("nodeName", "").empty()) return;
    std::lock_guard lock(mu);
    if (bound.insert(p["metadata"]["name"]).second) last_bind = Clock::now();
  };
  watch.add_handlers({.on_add = seen, .on_update = [&](const json&, const json& p) { seen(p); }, .on_delete = {}});
  watch.start();
  if (!watch.wait_for_sync(std::chrono::seconds(30))) fail("the bench's own watch did not sync: " + watch.last_error());

  const auto first_create = Clock::now();
  in_parallel(pods, writers, [&](int i) {
    if (auto ok = (*api)->create(type("pods"), "default", pod(i, "default")); !ok) fail(ok.error().message);
  });
  const double create_seconds = std::chrono::duration<double>(Clock::now() - first_create).count();
  for (int i = 0; i < 3000; ++i) {
    {
      std::lock_guard lock(mu);
      if (static_cast<int>(bound.size()) == pods) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::size_t done;
  double seconds;
  {
    std::lock_guard lock(mu);
    done = bound.size();
    seconds = std::chrono::duration<double>(last_bind - first_create).count();
  }
  if (static_cast<int>(done) < pods) std::printf("  (only %zu of %d pods were bound)\n", done, pods);
  const double rate = done / seconds;
  const double apiserver_mb = (*apiserver)->rss_bytes() / 1048576.0, scheduler_mb = (*scheduler)->rss_bytes() / 1048576.0,
               controllers_mb = (*controller_manager)->rss_bytes() / 1048576.0;
  const double total_mb = apiserver_mb + scheduler_mb + controllers_mb;

  std::printf("scheduler_e2e_bench: %d pods onto %d nodes through the apiserver (SQLite), %d writers; %u CPUs\n\n",
              pods, nodes, writers, std::thread::hardware_concurrency());
  std::printf("  %-48s %9.0f pods/s  (%.1f s)\n", "first create to last bind", rate, seconds);
  std::printf("  %-48s %9.0f pods/s  (%.1f s)\n", "creates alone, scheduler busy at the same time", pods / create_seconds,
              create_seconds);
  std::printf("  %-48s %9.0f pods/s\n", "peer: creates alone, no scheduler running", create_rate);
  std::printf("\n  binding keeps up with %.0f%% of the apiserver's create rate\n", 100 * rate / create_rate);
  std::printf("  target >= 2000 pods/s end to end: %s (%.2fx); kube-scheduler publishes ~100 pods/s at 5000 nodes\n",
              rate >= 2000 ? "met" : "NOT met", rate / 2000);
  std::printf("\n  RSS with %d nodes and %zu pods: apiserver %.1f MB + scheduler %.1f MB + controller-manager %.1f MB"
              " = %.1f MB\n", nodes, done, apiserver_mb, scheduler_mb, controllers_mb, total_mb);
  std::printf("  target <= 256 MB together: %s (%.2fx); k3s's server uses about 1.6 GB with a workload\n",
              total_mb <= 256 ? "met" : "NOT met", total_mb / 256);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
