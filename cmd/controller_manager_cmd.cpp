// `xebec controller-manager --kubeconfig FILE [--workers N]`
#include "cmd/controller_manager_cmd.h"

#include <memory>
#include <string>

#include "cmd/component.h"
#include "common/duration.h"
#include "controlplane/controllers/controller_manager.h"

namespace xebec::cli {

void add_controller_manager_command(CLI::App& app, int& exit_code) {
  auto kubeconfig = std::make_shared<std::string>();
  auto options = std::make_shared<controllers::ControllerManagerOptions>();
  auto* cmd = app.add_subcommand("controller-manager",
                                 "Run the controllers: Deployments, ReplicaSets and ReplicationControllers, Endpoints, node lifecycle, "
                                 "namespaces, garbage collection");
  cmd->add_option("--kubeconfig", *kubeconfig, "kubeconfig of the apiserver (its admin.kubeconfig will do)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--workers", options->workers, "Reconciles at once, per controller")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  // Durations as Kubernetes writes them ("10s"), kept in whole seconds.
  auto duration = [&](const char* flag, std::chrono::seconds& into, const char* what) {
    cmd->add_option_function<std::string>(
           flag,
           [&into](const std::string& text) {
             into = std::chrono::duration_cast<std::chrono::seconds>(*parse_duration(text));
           },
           what)
        ->check([](const std::string& text) {
          auto parsed = parse_duration(text);
          if (!parsed) return parsed.error().message;
          return *parsed < std::chrono::seconds(1) ? std::string("it must be at least 1s") : std::string();
        })
        ->default_str(std::to_string(into.count()) + "s");
  };
  duration("--node-monitor-grace-period", options->node_lifecycle.grace_period,
           "How long a node may go without a heartbeat before it is marked NotReady (Unknown)");
  duration("--pod-eviction-timeout", options->node_lifecycle.eviction_timeout,
           "How long pods stay on a NotReady node before they are evicted (deleted) to be made elsewhere");
  cmd->callback([kubeconfig, options, &exit_code] {
    run_component("controller-manager", *kubeconfig, {}, exit_code, [&](client::ApiClient& api) {
      auto manager = std::make_unique<controllers::ControllerManager>(api, *options);
      manager->start();
      return manager;
    });
  });
}

}  // namespace xebec::cli
