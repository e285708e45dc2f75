// `xebec controller-manager`: keeps desired state (ReplicaSets, Endpoints, ...), run until
// SIGINT or SIGTERM.
#pragma once

#include <CLI/CLI.hpp>

namespace xebec::cli {

// Adds the subcommand; a failure to start sets exit_code to 1 after printing why.
void add_controller_manager_command(CLI::App& app, int& exit_code);

}  // namespace xebec::cli
