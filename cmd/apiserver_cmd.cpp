// `xebec apiserver --data-dir DIR --listen HOST:PORT [--store sqlite|etcd] [--etcd-endpoints URLS]`
#include "cmd/apiserver_cmd.h"

#include <iostream>
#include <memory>

#include "cmd/signals.h"
#include "controlplane/apiserver/apiserver.h"

namespace xebec::cli {

void add_apiserver_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<apiserver::ApiserverOptions>();
  auto* cmd = app.add_subcommand("apiserver", "Run the API server (kubectl talks to it)");
  cmd->add_option("--data-dir", options->data_dir, "Directory for the store, TLS material and admin.kubeconfig")
      ->required();
  cmd->add_option("--listen", options->listen, "HOST:PORT to serve HTTPS on")->capture_default_str();
  cmd->add_option("--store", options->store, "Where objects live")
      ->check(CLI::IsMember({"sqlite", "etcd"}))
      ->capture_default_str();
  cmd->add_option("--etcd-endpoints", options->etcd_endpoints, "etcd client URLs, comma-separated (--store etcd)")
      ->delimiter(',');
  cmd->add_option("--etcd-prefix", options->etcd_prefix, "Key prefix in etcd, to share it")->capture_default_str();
  cmd->callback([options, &exit_code] {
    const sigset_t signals = block_termination_signals();

    auto server = apiserver::Apiserver::start(*options);
    if (!server) {
      std::cerr << "error: " << server.error().message << '\n';
      exit_code = 1;
      return;
    }
    std::cout << "apiserver serving https on port " << (*server)->port() << " (" << options->store << " store)\n"
              << "kubeconfig: " << (*server)->kubeconfig() << std::endl;
    std::cout << "stopping on signal " << wait_for_termination(signals) << std::endl;
    (*server)->stop();
  });
}

}  // namespace xebec::cli
