// `xebec controller-manager --kubeconfig FILE [--workers N]`
#include "cmd/controller_manager_cmd.h"

#include <memory>
#include <string>

#include "cmd/component.h"
#include "controlplane/controllers/controller_manager.h"

namespace xebec::cli {

void add_controller_manager_command(CLI::App& app, int& exit_code) {
  auto kubeconfig = std::make_shared<std::string>();
  auto options = std::make_shared<controllers::ControllerManagerOptions>();
  auto* cmd = app.add_subcommand("controller-manager",
                                 "Run the controllers: ReplicaSets and ReplicationControllers, Endpoints");
  cmd->add_option("--kubeconfig", *kubeconfig, "kubeconfig of the apiserver (its admin.kubeconfig will do)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--workers", options->workers, "Reconciles at once, per controller")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->callback([kubeconfig, options, &exit_code] {
    run_component("controller-manager", *kubeconfig, {}, exit_code, [&](client::ApiClient& api) {
      auto manager = std::make_unique<controllers::ControllerManager>(api, *options);
      manager->start();
      return manager;
    });
  });
}

}  // namespace xebec::cli
