// `xebec scheduler --kubeconfig FILE [--bind-workers N] [--percentage-of-nodes-to-score P]`
#include "cmd/scheduler_cmd.h"

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "cmd/signals.h"
#include "controlplane/client/https_api_client.h"
#include "controlplane/scheduler/scheduler.h"

namespace xebec::cli {

namespace {

constexpr std::chrono::seconds kSyncTimeout{60};

}  // namespace

void add_scheduler_command(CLI::App& app, int& exit_code) {
  auto kubeconfig = std::make_shared<std::string>();
  auto options = std::make_shared<scheduler::SchedulerOptions>();
  auto* cmd = app.add_subcommand("scheduler", "Run the scheduler: bind each unscheduled pod to a node");
  cmd->add_option("--kubeconfig", *kubeconfig, "kubeconfig of the apiserver (its admin.kubeconfig will do)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--scheduler-name", options->name, "The spec.schedulerName of the pods it places")
      ->capture_default_str();
  cmd->add_option("--bind-workers", options->bind_workers, "Binds in flight at once")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--percentage-of-nodes-to-score", options->percentage_of_nodes_to_score,
                  "Feasible nodes to find before scoring, in percent of the nodes; 0 adapts to the cluster's size")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->callback([kubeconfig, options, &exit_code] {
    const sigset_t signals = block_termination_signals();
    client::HttpsOptions https;
    https.max_connections = options->bind_workers + 4;  // the binds, and room for status and events
    auto api = client::HttpsApiClient::from_kubeconfig(*kubeconfig, https);
    if (!api) {
      std::cerr << "error: " << api.error().message << '\n';
      exit_code = 1;
      return;
    }
    scheduler::Scheduler scheduler(**api, *options);
    scheduler.start();
    if (!scheduler.wait_for_sync(kSyncTimeout))
      std::cerr << "warning: the node and pod lists are not in yet after " << kSyncTimeout.count()
                << " s; still trying (is the apiserver up?)\n";
    std::cout << "scheduler " << options->name << " running against " << *kubeconfig << std::endl;
    std::cout << "stopping on signal " << wait_for_termination(signals) << std::endl;
  });
}

}  // namespace xebec::cli
