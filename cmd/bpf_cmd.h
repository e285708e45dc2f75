// `xebec bpf …`: the load-balancer's command line, usable without any control plane.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "dataplane/lb_object.h"
#include "common/result.h"

namespace xebec::cli {

// Options every `xebec bpf` command shares.
struct BpfOptions {
  std::string bpf_root;
  dataplane::MapSizes sizes;  // used when this command creates the instance
  std::string output = "text";  // text | json
  bool json() const { return output == "json"; }
};

// Each command's action returns a Status; main prints its error and exits 1.
using Action = std::function<Status()>;
using Run = std::function<void(Action)>;

void add_attach_commands(CLI::App& bpf, BpfOptions& o, const Run& run);
void add_lb_commands(CLI::App& bpf, BpfOptions& o, const Run& run);
void add_inspect_commands(CLI::App& bpf, BpfOptions& o, const Run& run);

// Adds -o/--output to a listing command.
void add_output_option(CLI::App& cmd, BpfOptions& o);

}  // namespace xebec::cli
