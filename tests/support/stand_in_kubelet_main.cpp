// `xebec-stand-in-kubelet --kubeconfig FILE --node NAME [--node NAME...]`: a StandInKubelet per
// node until SIGTERM or SIGINT, for shell end-to-end tests (kill it to make its nodes fail).
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cmd/signals.h"
#include "controlplane/client/https_api_client.h"
#include "tests/support/stand_in_kubelet.h"

int main(int argc, char** argv) {
  using namespace xebec;
  CLI::App app{
      "A stand-in for the kubelets of integration tests: registers nodes, heartbeats, and reports the pods "
      "bound to them as running (no container runs)",
      "xebec-stand-in-kubelet"};
  std::string kubeconfig;
  std::vector<std::string> nodes, cidrs, labels;
  testing::StandInKubeletOptions options;
  int start_delay_ms = 0, heartbeat_ms = 1000;
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig of the apiserver (its admin.kubeconfig will do)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--node", nodes, "Name of a node to stand in for (repeat for more)")->required();
  app.add_option("--pod-cidr", cidrs, "Pod CIDR of each --node, in order (default: 10.244.I.0/24 for the I-th)");
  app.add_option("--cpu", options.cpu, "CPU capacity of each node")->capture_default_str();
  app.add_option("--memory", options.memory, "Memory capacity of each node")->capture_default_str();
  app.add_option("--pods", options.pods, "Pod capacity of each node")->capture_default_str();
  app.add_option("--label", labels, "A label KEY=VALUE for each node (repeat for more)");
  app.add_option("--start-delay-ms", start_delay_ms, "How long a pod takes to turn Running")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--heartbeat-ms", heartbeat_ms, "How often each node posts its status")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (!cidrs.empty() && cidrs.size() != nodes.size()) {
    std::cerr << "error: give one --pod-cidr per --node (" << nodes.size() << "), or none\n";
    return 2;
  }
  for (const auto& label : labels) {
    const auto eq = label.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "error: --label " << label << ": expected KEY=VALUE\n";
      return 2;
    }
    options.labels[label.substr(0, eq)] = label.substr(eq + 1);
  }
  options.start_delay = std::chrono::milliseconds(start_delay_ms);
  options.heartbeat_period = std::chrono::milliseconds(heartbeat_ms);

  const sigset_t signals = cli::block_termination_signals();
  auto api = client::HttpsApiClient::from_kubeconfig(kubeconfig);
  if (!api) {
    std::cerr << "error: " << api.error().message << '\n';
    return 1;
  }
  std::vector<std::unique_ptr<testing::StandInKubelet>> kubelets;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    options.pod_cidr = cidrs.empty() ? "10.244." + std::to_string(i) + ".0/24" : cidrs[i];
    auto& kubelet = kubelets.emplace_back(std::make_unique<testing::StandInKubelet>(**api, nodes[i], options));
    // The apiserver may be starting with us: it gets 30 s to answer.
    Status started = kubelet->start();
    for (int wait = 0; !started && started.error().code == ErrorCode::kUnavailable && wait < 60; ++wait) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      started = kubelet->start();
    }
    if (!started) {
      std::cerr << "error: " << started.error().message << '\n';
      return 1;
    }
    std::cout << "stand-in kubelet for node " << nodes[i] << " running (pods from " << options.pod_cidr << ")"
              << std::endl;
  }
  std::cout << "stopping on signal " << cli::wait_for_termination(signals) << std::endl;
  return 0;
}
