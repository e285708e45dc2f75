// `xebec scheduler --kubeconfig FILE [--bind-workers N] [--percentage-of-nodes-to-score P]`
#include "cmd/scheduler_cmd.h"

#include <memory>
#include <string>

#include "cmd/component.h"
#include "controlplane/scheduler/scheduler.h"

namespace xebec::cli {

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
    client::HttpsOptions https;
    https.max_connections = options->bind_workers + 4;  // the binds, and room for status and events
    run_component("scheduler", *kubeconfig, https, exit_code, [&](client::ApiClient& api) {
      auto scheduler = std::make_unique<scheduler::Scheduler>(api, *options);
      scheduler->start();
      return scheduler;
    });
  });
}

}  // namespace xebec::cli
