// The apiserver's stores under load: writes per second and write latency (one writer, then
// eight), and how long a write takes to reach 100 watchers (each with a watch of its own on the
// store, then all through the apiserver's watch cache), on the embedded SQLite store and on a
// real etcd started for the run, side by side. Prints figures; asserts nothing.
//
//   store_bench [-n WRITES] [--watchers N] [--etcd-endpoint http://HOST:PORT]
//
// Without --etcd-endpoint it starts Debian's /usr/bin/etcd on loopback ports in a scratch
// directory, and removes both afterwards (also on Ctrl-C).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/process.h"
#include "controlplane/store/etcd_store.h"
#include "controlplane/store/watch_cache.h"
#include "controlplane/store/sqlite_store.h"

namespace {

using namespace xebec;
using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// A pod-sized value (about 1 KB of JSON).
std::string pod_json(int i) {
  std::string s = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-)" + std::to_string(i) +
                  R"(","namespace":"default","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"busybox"}]},"status":{"phase":"Pending"}})";
  s.resize(1024, ' ');
  return s;
}

struct Figures {
  double sequential_per_s = 0, p50_ms = 0, p99_ms = 0;
  double concurrent_per_s = 0;
};

struct Delivery {
  double p50_ms = 0, p99_ms = 0;
};

Figures measure_writes(store::Store& s, const std::string& prefix, int writes) {
  Figures f;
  std::vector<double> latency;
  latency.reserve(writes);
  auto start = Clock::now();
  for (int i = 0; i < writes; ++i) {
    auto t = Clock::now();
    if (!s.create(prefix + "seq/" + std::to_string(i), pod_json(i))) std::exit((std::fprintf(stderr, "write failed\n"), 1));
    latency.push_back(ms_since(t));
  }
  f.sequential_per_s = writes / (ms_since(start) / 1000);
  f.p50_ms = percentile(latency, 0.50);
  f.p99_ms = percentile(latency, 0.99);

  constexpr int kThreads = 8;
  start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < writes; i += kThreads) (void)s.create(prefix + "par/" + std::to_string(i), pod_json(i));
    });
  for (auto& t : threads) t.join();
  f.concurrent_per_s = writes / (ms_since(start) / 1000);
  return f;
}

// Watch delivery: the time from a create() call to each watcher's receipt of its event.
Delivery measure_watch(store::Store& s, const std::string& prefix, int events, int watchers) {
  std::vector<Clock::time_point> sent(events);
  std::mutex mu;
  std::vector<double> delivery;
  std::atomic<int> received{0};
  const std::string watched = prefix + "watch/";
  auto from = s.current_revision();
  std::vector<std::unique_ptr<store::Watch>> handles;
  for (int w = 0; w < watchers; ++w) {
    auto h = s.watch(*from, [&](Result<std::vector<store::Event>> batch) {
      if (!batch) return;
      const auto now = Clock::now();
      std::lock_guard lock(mu);
      for (const auto& e : *batch) {
        if (!e.kv.key.starts_with(watched)) continue;
        const int i = std::stoi(e.kv.key.substr(watched.size()));
        delivery.push_back(std::chrono::duration<double, std::milli>(now - sent[i]).count());
        ++received;
      }
    });
    if (!h) std::exit((std::fprintf(stderr, "watch failed: %s\n", h.error().message.c_str()), 1));
    handles.push_back(std::move(*h));
  }
  for (int i = 0; i < events; ++i) {
    {
      std::lock_guard lock(mu);
      sent[i] = Clock::now();
    }
    (void)s.create(watched + std::to_string(i), pod_json(i));
    std::this_thread::sleep_for(std::chrono::microseconds(500));  // a steady stream, not one burst
  }
  for (int wait = 0; wait < 200 && received < events * watchers; ++wait) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  handles.clear();
  std::lock_guard lock(mu);
  if (received < events * watchers) std::printf("  (only %d of %d deliveries arrived)\n", received.load(), events * watchers);
  return {percentile(delivery, 0.50), percentile(delivery, 0.99)};
}

// The same watches served by a WatchCache in front of the store, as the apiserver serves them.
Delivery measure_cached_watch(std::unique_ptr<store::Store> s, const std::string& prefix, int events, int watchers) {
  auto cache = store::WatchCache::open(std::move(s));
  if (!cache) std::exit((std::fprintf(stderr, "watch cache: %s\n", cache.error().message.c_str()), 1));
  return measure_watch(**cache, prefix + "cached/", events, watchers);
}

// Debian's etcd on loopback ports in a scratch directory, for the length of the run.
class Etcd {
 public:
  explicit Etcd(const std::filesystem::path& dir) : dir_(dir), cleanup_({"/bin/rm", "-rf", dir.string()}) {
    const int client = 23790 + getpid() % 1000, peer = client + 1000;
    endpoint_ = "http://127.0.0.1:" + std::to_string(client);
    const std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
    std::filesystem::create_directories(dir);
    auto etcd = bench::Daemon::start({"/usr/bin/etcd", "--name", "bench", "--data-dir", (dir / "data").string(),
                                      "--listen-client-urls", endpoint_, "--advertise-client-urls", endpoint_,
                                      "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
                                      "--initial-cluster", "bench=" + peer_url, "--log-level", "error"},
                                     (dir / "etcd.log").string());
    if (!etcd) std::exit((std::fprintf(stderr, "%s\n", etcd.error().message.c_str()), 1));
    etcd_ = std::move(*etcd);
  }
  ~Etcd() {
    etcd_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  std::filesystem::path dir_;
  bench::CleanupOnSignal cleanup_;
  std::string endpoint_;
  std::unique_ptr<bench::Daemon> etcd_;
};
// One row; the last column says how many times better SQLite does than etcd.
void print(const char* what, double sqlite, double etcd, const char* unit, bool higher_is_better) {
  const double better = higher_is_better ? sqlite / etcd : etcd / sqlite;
  std::printf("  %-38s %10.2f %10.2f  %-3s %8.1fx\n", what, sqlite, etcd, unit, better);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The apiserver's stores under load: SQLite against etcd", "store_bench"};
  int writes = 20000, watchers = 100;
  std::string endpoint;
  app.add_option("-n", writes, "Writes per measurement")->capture_default_str();
  app.add_option("--watchers", watchers, "Watchers of the delivery measurement")->capture_default_str();
  app.add_option("--etcd-endpoint", endpoint, "Use this etcd instead of starting one");
  CLI11_PARSE(app, argc, argv);

  const auto dir = std::filesystem::temp_directory_path() / ("xebec-store-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  bench::CleanupOnSignal cleanup({"/bin/rm", "-rf", dir.string()});
  std::unique_ptr<Etcd> etcd;
  if (endpoint.empty()) {
    etcd = std::make_unique<Etcd>(dir / "etcd");
    endpoint = etcd->endpoint();
  }
  double load[3] = {};
  getloadavg(load, 3);
  std::printf("store_bench: %d writes of 1 KB per measurement, %d watchers; %u CPUs, load %.2f %.2f %.2f\n\n", writes,
              watchers, std::thread::hardware_concurrency(), load[0], load[1], load[2]);

  auto sqlite = store::SqliteStore::open((dir / "state.db").string());
  if (!sqlite) return (std::fprintf(stderr, "%s\n", sqlite.error().message.c_str()), 1);
  const int events = std::max(200, writes / 10);
  const Figures s = measure_writes(**sqlite, "/bench/", writes);
  const Delivery sw = measure_watch(**sqlite, "/bench/", events, watchers);
  const Delivery swc = measure_cached_watch(std::move(*sqlite), "/bench/", events, watchers);

  Result<std::unique_ptr<store::EtcdStore>> es = err("not tried");
  for (int attempt = 0; attempt < 100 && !es; ++attempt) {
    es = store::EtcdStore::connect({endpoint}, "/bench-" + std::to_string(getpid()));
    if (!es) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!es) return (std::fprintf(stderr, "etcd: %s\n", es.error().message.c_str()), 1);
  const Figures e = measure_writes(**es, "/", writes);
  const Delivery ew = measure_watch(**es, "/", events, watchers);
  const Delivery ewc = measure_cached_watch(std::move(*es), "/", events, watchers);

  std::printf("  %-38s %10s %10s  %-3s %9s\n", "", "SQLite", "etcd", "", "SQLite is");
  print("writes, one writer", s.sequential_per_s, e.sequential_per_s, "/s", true);
  print("write latency p50", s.p50_ms, e.p50_ms, "ms", false);
  print("write latency p99", s.p99_ms, e.p99_ms, "ms", false);
  print("writes, eight writers", s.concurrent_per_s, e.concurrent_per_s, "/s", true);
  print("watch delivery p50, a watch each", sw.p50_ms, ew.p50_ms, "ms", false);
  print("watch delivery p99, a watch each", sw.p99_ms, ew.p99_ms, "ms", false);
  print("watch delivery p50, watch cache", swc.p50_ms, ewc.p50_ms, "ms", false);
  print("watch delivery p99, watch cache", swc.p99_ms, ewc.p99_ms, "ms", false);
  std::printf("\ntargets: >= 5000 writes/s on the embedded store; p99 watch delivery <= 50 ms with 100 watchers\n");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
