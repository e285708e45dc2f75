// How the control-plane components (scheduler, controller-manager) run: a client from their
// --kubeconfig, start, wait for their caches, then for SIGINT or SIGTERM.
#pragma once

#include <chrono>
#include <iostream>
#include <string>

#include "cmd/signals.h"
#include "controlplane/client/https_api_client.h"

namespace xebec::cli {

// How long a component waits for its first lists before it says it is still trying.
inline constexpr std::chrono::seconds kSyncTimeout{60};

// `start(client)` makes and starts the component and returns it (anything with
// wait_for_sync(milliseconds)); it runs until a termination signal, then is destroyed. A client
// that cannot be made sets exit_code to 1 after printing why.
template <typename Start>
void run_component(const std::string& name, const std::string& kubeconfig, const client::HttpsOptions& https,
                   int& exit_code, Start start) {
  const sigset_t signals = block_termination_signals();
  auto api = client::HttpsApiClient::from_kubeconfig(kubeconfig, https);
  if (!api) {
    std::cerr << "error: " << api.error().message << '\n';
    exit_code = 1;
    return;
  }
  auto component = start(**api);
  if (!component->wait_for_sync(kSyncTimeout))
    std::cerr << "warning: " << name << ": the caches are not filled after " << kSyncTimeout.count()
              << " s; still trying (is the apiserver up?)\n";
  std::cout << name << " running against " << kubeconfig << std::endl;
  std::cout << "stopping on signal " << wait_for_termination(signals) << std::endl;
}

}  // namespace xebec::cli
