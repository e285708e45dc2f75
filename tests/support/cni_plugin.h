// Running a CNI plugin executable the way a runtime does: exactly the given environment, the
// configuration on stdin, inside a network namespace; what it printed and how it exited.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace xebec::testing {

struct PluginRun {
  int exit_code = -1;
  std::string output;
  nlohmann::json json() const;  // the output parsed; null when it is not JSON
};

// Runs `binary` inside network namespace `netns` (a name under /run/netns; "" = this one,
// where it is started with posix_spawn, as runtimes start plugins) with exactly `env` and
// `stdin_text`; throws std::runtime_error when it cannot start it.
PluginRun run_plugin(const std::string& binary, const std::string& netns, const std::map<std::string, std::string>& env,
                     const std::string& stdin_text);

}  // namespace xebec::testing
