// The xebec executable: one binary, one subcommand per component.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cmd/apiserver_cmd.h"
#include "cmd/bpf_cmd.h"
#include "cmd/controller_manager_cmd.h"
#include "cmd/scheduler_cmd.h"
#include "dataplane/lb_object.h"

int main(int argc, char** argv) {
  CLI::App app{"Xebec: an eBPF service dataplane for Kubernetes-style clusters", "xebec"};
  app.require_subcommand(1);

  xebec::cli::BpfOptions options;
  options.bpf_root = xebec::dataplane::kDefaultBpfRoot;
  auto* bpf = app.add_subcommand("bpf", "Program and inspect the BPF service load-balancer");
  bpf->require_subcommand(1);
  bpf->fallthrough();
  bpf->add_option("--bpf-root", options.bpf_root,
                  "Directory on bpffs the instance's maps are pinned under")
      ->capture_default_str();
  const char* sized = "; takes effect when the instance's maps are created";
  bpf->add_option("--max-services", options.sizes.services, std::string("Frontends the instance can hold") + sized);
  bpf->add_option("--max-backends", options.sizes.backends, std::string("Backends the instance can hold") + sized);
  bpf->add_option("--max-flows", options.sizes.flows, std::string("Flows conntrack remembers (LRU)") + sized);
  bpf->add_option("--max-affinity", options.sizes.affinity, std::string("ClientIP affinity entries (LRU)") + sized);

  int exit_code = 0;
  auto run = [&exit_code](const xebec::cli::Action& action) {
    if (auto ok = action(); !ok) {
      std::cerr << "error: " << ok.error().message << '\n';
      exit_code = 1;
    }
  };
  xebec::cli::add_attach_commands(*bpf, options, run);
  xebec::cli::add_lb_commands(*bpf, options, run);
  xebec::cli::add_inspect_commands(*bpf, options, run);
  xebec::cli::add_apiserver_command(app, exit_code);
  xebec::cli::add_scheduler_command(app, exit_code);
  xebec::cli::add_controller_manager_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RequiredError& e) {
    // `xebec bpf frobnicate`: CLI11 would only say that a subcommand is required.
    if (auto unknown = app.remaining(true); !unknown.empty()) return app.exit(CLI::ExtrasError(unknown));
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
