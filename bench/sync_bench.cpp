// sync_bench: how fast Xebec programs N services × B backends into its BPF maps, against
// kube-proxy's iptables mode loading the same services with iptables-restore, in one run.
// Prints figures (never asserts them); see bench/README.md for what each one means.
#include <bpf/libbpf.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bench/kube_proxy_rules.h"
#include "bench/process.h"
#include "bench/scratch_netns.h"
#include "bench/timing.h"
#include "bench/workload.h"
#include "dataplane/apply_plan.h"
#include "dataplane/service_file.h"
#include "tests/support/bpf_instance.h"

#ifndef XEBEC_BIN
#define XEBEC_BIN "xebec"
#endif

namespace fs = std::filesystem;
using namespace xebec;
using namespace xebec::bench;

namespace {

struct Options {
  std::size_t services = 10000;
  std::size_t backends = 10;
  int runs = 5;
  int iptables_runs = 1;
  bool iptables = true;
  bool legacy = true;
  bool verify = true;
  bool kube_proxy_flags = false;
  bool cli = true;
  bool keep_files = false;
  std::string comments = "as-kube-proxy";
  std::string xebec = XEBEC_BIN;
  std::string workdir;
};

// One iptables-restore flavour: the default one and, if installed, the legacy one.
struct IptablesFlavour {
  std::string label;    // "iptables-restore (nf_tables)"
  std::string restore;  // program name
  std::string save;
  std::string tag;      // short name for namespaces
  Samples seconds;
  std::string failure;
};

template <typename T>
T value_or_die(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string megabytes(std::size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  return buf;
}

std::string backend_of(const std::string& program) {
  std::error_code ec;
  auto real = fs::canonical(find_program(program), ec).filename().string();
  if (real.find("nft") != std::string::npos) return "nf_tables";
  if (real.find("legacy") != std::string::npos) return "legacy";
  return real.empty() ? "?" : real;
}

// Loads the rules once into a brand-new namespace; returns the seconds iptables-restore took.
Result<double> time_iptables_restore(const IptablesFlavour& f, const std::string& ns_name,
                                     const std::string& rules_path, std::size_t expected_rules, const Options& o) {
  auto ns = ScratchNetns::create(ns_name);
  if (!ns) return ns.error();
  // By default the whole table is loaded as `iptables-restore FILE` (into an empty table the
  // same rules result). kube-proxy itself runs `iptables-restore -w 5 -W 100000 --noflush
  // --counters`; --kube-proxy-flags adds --noflush --counters (-w is left out: the xtables
  // lock is host-wide and a wait for another user's lock is not the cost). With iptables-nft
  // 1.8.9, --noflush makes restore superlinear in the chain count (its per-chain cache
  // request list is a sorted linked list): ~8 s at 1 000 services, ~100 s at 2 000.
  std::vector<std::string> command{f.restore};
  if (o.kube_proxy_flags) command.insert(command.end(), {"--noflush", "--counters"});
  command.push_back(rules_path);
  auto run = run_timed((*ns)->exec(command));
  if (!run) return run.error();
  if (o.verify) {
    auto saved = run_output((*ns)->exec({f.save, "-t", "nat"}));
    if (!saved) return err("cannot read the rules back: " + saved.error().message);
    std::size_t rules = 0;
    for (std::size_t at = 0; (at = saved->find("\n-A ", at)) != std::string::npos; ++at) rules++;
    if (rules != expected_rules)
      return err(f.save + " shows " + std::to_string(rules) + " rules, " + std::to_string(expected_rules) + " were written");
  }
  return run->seconds;
}

// The in-process figures (BpfLoadBalancer on a fresh BpfInstance per run).
struct InProcess {
  Samples setup, parse, json_only, program, total, plan, readback_full, noop, update_one, update_one_whole_file;
};

// The `xebec` process figures.
struct Cli {
  Samples empty, first, noop, update_one;
};

dataplane::ServiceSpec with_backend_replaced(dataplane::ServiceSpec spec, const std::string& endpoint) {
  spec.backends.at(0) = value_or_die(dataplane::parse_endpoint(endpoint));
  return spec;
}

void expect_report(const dataplane::ApplyReport& r, long long created, long long updated, long long unchanged,
                   const char* what) {
  if (r.created != created || r.updated != updated || r.unchanged != unchanged)
    throw std::runtime_error(std::string(what) + ": apply reported " + std::to_string(r.created) + " created, " +
                             std::to_string(r.updated) + " updated, " + std::to_string(r.unchanged) +
                             " unchanged; expected " + std::to_string(created) + "/" + std::to_string(updated) + "/" +
                             std::to_string(unchanged));
}

InProcess measure_in_process(const Options& o, const std::string& json_path, const std::string& json_text) {
  InProcess m;
  const long long n = static_cast<long long>(o.services);
  const std::size_t mid = o.services / 2, next = o.services > 1 ? mid + 1 : mid;
  for (int r = 0; r < o.runs; ++r) {
    Stopwatch setup;
    testing::BpfInstance instance("syncbench");
    m.setup.add(setup.seconds());

    Stopwatch json_only;
    auto doc = nlohmann::json::parse(json_text);
    m.json_only.add(json_only.seconds());
    if (doc["services"].size() != o.services) throw std::runtime_error("generated JSON lost services");

    Stopwatch parse;
    auto specs = value_or_die(dataplane::load_service_file(json_path));
    const double parse_seconds = parse.seconds();
    m.parse.add(parse_seconds);

    // plan_apply alone, as apply() runs it against the (empty) instance.
    Stopwatch plan;
    auto planned = value_or_die(dataplane::plan_apply({}, specs, false));
    m.plan.add(plan.seconds());
    if (planned.upserts.size() != o.services) throw std::runtime_error("plan_apply lost services");

    Stopwatch program;
    auto report = value_or_die(instance.lb().apply(specs, false));
    const double program_seconds = program.seconds();
    m.program.add(program_seconds);
    expect_report(report, n, 0, 0, "first apply");
    m.total.add(parse_seconds + program_seconds);

    Stopwatch readback;
    auto records = value_or_die(instance.lb().services());
    m.readback_full.add(readback.seconds());
    if (records.size() != o.services) throw std::runtime_error("read back " + std::to_string(records.size()) + " services");

    Stopwatch noop;
    expect_report(value_or_die(instance.lb().apply(specs, false)), 0, 0, n, "no-op re-apply");
    m.noop.add(noop.seconds());

    // One service's endpoint replaced (an endpoint update, the common event), as the proxy
    // would hand it over: just that service.
    auto changed = with_backend_replaced(specs[mid], spare_endpoint(o.services, o.backends, 2 * r));
    Stopwatch one;
    expect_report(value_or_die(instance.lb().apply({changed}, false)), 0, 1, 0, "1-service update");
    m.update_one.add(one.seconds());

    // The same as a declarative whole-file apply (what `lb apply -f` of an edited file does).
    auto whole = specs;
    whole[mid] = changed;
    whole[next] = with_backend_replaced(whole[next], spare_endpoint(o.services, o.backends, 2 * r + 1));
    Stopwatch one_whole;
    expect_report(value_or_die(instance.lb().apply(whole, false)), 0, 1, n - 1, "whole-file 1-service update");
    m.update_one_whole_file.add(one_whole.seconds());
  }
  return m;
}

// Each run: a fresh --bpf-root (the maps are created by the first apply, as for a user's
// first `lb apply`), then the same file again, then `lb update` of one service.
Cli measure_cli(const Options& o, const std::string& json_path, const std::string& empty_path,
                const std::vector<BenchService>& services) {
  Cli m;
  const std::string prefix = "/sys/fs/bpf/xebec/syncbench-" + std::to_string(getpid()) + "-cli";
  const BenchService& mid = services.at(services.size() / 2);
  for (int r = 0; r < o.runs; ++r) {
    const std::string root = prefix + std::to_string(r);
    auto remove_root = [&root] {
      std::error_code ec;
      fs::remove_all(root, ec);  // unpins: the maps go with the last reference
    };
    struct AtExit {
      std::function<void()> f;
      ~AtExit() { f(); }
    } at_exit{remove_root};
    auto xebec = [&](std::vector<std::string> args) {
      std::vector<std::string> argv{o.xebec, "bpf", "--bpf-root", root};
      argv.insert(argv.end(), args.begin(), args.end());
      return value_or_die(run_timed(argv)).seconds;
    };
    m.empty.add(xebec({"lb", "apply", "-f", empty_path}));
    remove_root();
    m.first.add(xebec({"lb", "apply", "-f", json_path}));
    m.noop.add(xebec({"lb", "apply", "-f", json_path}));
    std::string backends;
    for (std::size_t i = 0; i < mid.endpoints.size(); ++i)
      backends += (i ? "," : "") + (i == 0 ? spare_endpoint(o.services, o.backends, 100 + r) : mid.endpoints[i]);
    m.update_one.add(xebec({"lb", "update", mid.vip + ":" + std::to_string(mid.port) + "/tcp", "--backend", backends}));
  }
  return m;
}

void row(const std::string& label, const Samples& s) {
  if (s.empty()) return;
  std::printf("  %-56s %10s %10s\n", label.c_str(), human_seconds(s.median()).c_str(), human_seconds(s.best()).c_str());
}

std::string ratio(double numerator, double denominator) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0fx", numerator / denominator);
  return buf;
}

int run(const Options& o) {
  if (geteuid() != 0) {
    std::cerr << "sync_bench loads BPF programs and makes network namespaces: run it as root\n";
    return 2;
  }
  // The generator must name chains exactly as kube-proxy does (names from its proxier_test.go).
  if (kube_svc_chain("ns1/svc1:p80", "tcp") != "KUBE-SVC-XPGD46QRK7WJZT7O" ||
      kube_sep_chain("ns1/svc1:p80", "tcp", "10.180.0.1:80") != "KUBE-SEP-SXIVWICOYRO3J4NJ") {
    std::cerr << "internal error: kube-proxy chain-name hash mismatch\n";
    return 2;
  }
  const std::string pid = std::to_string(getpid());
  const std::string workdir = o.workdir.empty() ? "/tmp/xebec-sync-bench-" + pid : o.workdir;
  fs::create_directories(workdir);
  // Interrupted: remove every pin root of this process (and the files unless kept).
  std::string cleanup = "rm -rf /sys/fs/bpf/xebec/syncbench-" + pid + "-*";
  if (!o.keep_files) cleanup += " '" + workdir + "'";
  CleanupOnSignal on_signal({"/bin/sh", "-c", cleanup});
  struct RemoveWorkdir {
    std::string path;
    bool keep;
    ~RemoveWorkdir() {
      std::error_code ec;
      if (!keep) fs::remove_all(path, ec);
    }
  } remove_workdir{workdir, o.keep_files};

  struct utsname uts {};
  uname(&uts);
  std::printf("Xebec sync benchmark: %zu services x %zu backends = %zu endpoints\n", o.services, o.backends,
              o.services * o.backends);
  std::printf("kernel %s, %d CPUs, load average %s; runs: xebec %d, iptables %d\n\n", uts.release,
              libbpf_num_possible_cpus(), load_average().c_str(), o.runs, o.iptables_runs);

  Stopwatch generate;
  auto services = make_workload(o.services, o.backends);
  Comments comments = o.comments == "none" ? Comments::kNone : o.comments == "all" ? Comments::kAll : Comments::kAsKubeProxy;
  auto rules = kube_proxy_nat_rules(services, comments);
  auto json_text = services_json(services);
  const std::string rules_path = workdir + "/kube-proxy-nat.rules";
  const std::string json_path = workdir + "/services.json";
  const std::string empty_path = workdir + "/empty.json";
  std::ofstream(rules_path) << rules.text;
  std::ofstream(json_path) << json_text;
  std::ofstream(empty_path) << "{\"services\": []}\n";
  std::printf("inputs (generated in %s, in %s):\n", human_seconds(generate.seconds()).c_str(), workdir.c_str());
  std::printf("  kube-proxy nat table: %zu chains, %zu rules, %s\n", rules.chains, rules.rules,
              megabytes(rules.text.size()).c_str());
  std::printf("  xebec services file:  %zu services, %s\n\n", services.size(), megabytes(json_text.size()).c_str());
  std::fflush(stdout);

  int failures = 0;
  std::vector<IptablesFlavour> flavours;
  if (o.iptables) {
    const std::string flags = o.kube_proxy_flags ? " --noflush" : "";
    flavours.push_back({"iptables-restore" + flags + " (" + backend_of("iptables-restore") + ", default)",
                        "iptables-restore", "iptables-save", "def", {}, {}});
    if (o.legacy && !find_program("iptables-legacy-restore").empty())
      flavours.push_back({"iptables-legacy-restore" + flags, "iptables-legacy-restore", "iptables-legacy-save", "leg", {}, {}});
  }
  for (auto& f : flavours) {
    for (int r = 0; r < o.iptables_runs && f.failure.empty(); ++r) {
      std::printf("  running %s (%d/%d) ...\n", f.label.c_str(), r + 1, o.iptables_runs);
      std::fflush(stdout);
      auto seconds = time_iptables_restore(f, "xebec-bench-" + pid + "-" + f.tag + std::to_string(r), rules_path,
                                           rules.rules, o);
      if (seconds)
        f.seconds.add(*seconds);
      else
        f.failure = seconds.error().message;
    }
    if (!f.failure.empty()) {
      std::printf("  %s FAILED: %s\n", f.label.c_str(), f.failure.c_str());
      failures++;
    }
  }

  std::printf("  running xebec in-process (%d runs) ...\n", o.runs);
  std::fflush(stdout);
  InProcess in = measure_in_process(o, json_path, json_text);
  Cli cli;
  if (o.cli) {
    std::printf("  running the xebec CLI (%d runs) ...\n", o.runs);
    std::fflush(stdout);
    cli = measure_cli(o, json_path, empty_path, services);
  }
  std::printf("\n");

  std::printf("%-58s %10s %10s\n", "Full programming", "median", "best");
  for (const auto& f : flavours) row(f.label, f.seconds);
  row("xebec in-process: parse + program", in.total);
  row("  parse (load_service_file: read, JSON, decode)", in.parse);
  row("    of which JSON text -> document (nlohmann)", in.json_only);
  row("  program (BpfLoadBalancer::apply, empty instance)", in.program);
  row("    of which plan_apply (diff, in memory)", in.plan);
  row("xebec CLI end to end (`xebec bpf lb apply -f`)", cli.first);
  row("  for comparison: CLI apply of an empty file, fresh root", cli.empty);
  std::printf("\n%-58s %10s %10s\n", "Steady state (instance already holding all services)", "median", "best");
  row("no-op re-apply, in-process (nothing changes)", in.noop);
  row("no-op re-apply, CLI `lb apply -f` same file", cli.noop);
  row("1 service changed, in-process apply({that service})", in.update_one);
  row("1 service changed, in-process apply(whole list)", in.update_one_whole_file);
  row("1 service changed, CLI `lb update`", cli.update_one);
  row("services() read-back of the full instance", in.readback_full);
  std::printf("\n(not counted above: fresh in-process instance, programs loaded, median %s)\n\n",
              human_seconds(in.setup.median()).c_str());

  std::printf("Ratio iptables-restore / xebec (best iptables over median xebec; target >= 100x)\n");
  std::printf("  %-44s %18s %18s %18s\n", "", "parse + program", "program only", "CLI end to end");
  auto cell = [](double ipt, const Samples& x) {
    if (x.empty()) return std::string("-");
    return ratio(ipt, x.median()) + (ipt / x.median() >= 100 ? " (met)" : " (MISSED)");
  };
  for (const auto& f : flavours) {
    if (f.seconds.empty()) continue;
    const double ipt = f.seconds.best();
    std::printf("  %-44s %18s %18s %18s\n", f.label.c_str(), cell(ipt, in.total).c_str(), cell(ipt, in.program).c_str(),
                cell(ipt, cli.first).c_str());
  }
  if (flavours.empty()) std::printf("  (iptables not measured: --no-iptables)\n");
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Times full programming of N services x B backends: xebec against kube-proxy's iptables-restore",
               "sync_bench"};
  app.add_option("-n,--services", o.services, "Services")->capture_default_str()->check(CLI::Range(1, 131000));
  app.add_option("-b,--backends", o.backends, "Backends per service")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("-r,--runs", o.runs, "Repetitions of each xebec measurement")->capture_default_str()->check(CLI::Range(1, 100));
  app.add_option("--iptables-runs", o.iptables_runs, "Repetitions of each iptables-restore (each ~16 s at 10k x 10)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10));
  app.add_flag("!--no-iptables", o.iptables, "Skip iptables-restore (xebec figures only)");
  app.add_flag("!--no-legacy", o.legacy, "Skip iptables-legacy-restore");
  app.add_flag("--kube-proxy-flags", o.kube_proxy_flags,
               "Run iptables-restore with kube-proxy's --noflush --counters (superlinear with iptables-nft 1.8.9: "
               "hours at 10k services)");
  app.add_flag("!--no-cli", o.cli, "Skip the xebec CLI figures (in-process only; for profiling)");
  app.add_flag("!--no-verify", o.verify, "Do not read the loaded rules back with iptables-save to count them");
  app.add_option("--comments", o.comments, "Rule comments: as-kube-proxy (none per endpoint above 1000 endpoints), none, all")
      ->check(CLI::IsMember({"as-kube-proxy", "none", "all"}))
      ->capture_default_str();
  app.add_option("--xebec", o.xebec, "The xebec executable")->capture_default_str();
  app.add_option("--workdir", o.workdir, "Where the generated inputs go (default /tmp/xebec-sync-bench-PID)");
  app.add_flag("--keep-files", o.keep_files, "Keep the generated rules and services files");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "sync_bench: " << e.what() << '\n';
    return 1;
  }
}
