// How a runtime invokes a CNI plugin: the command and its parameters, from the CNI_*
// environment variables of the spec.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace xebec::cni {

enum class Command { kAdd, kDel, kCheck, kVersion, kStatus, kGc };

std::string_view command_name(Command c);  // "ADD", "DEL", ...

struct Invocation {
  Command command = Command::kVersion;
  std::string container_id;                               // CNI_CONTAINERID
  std::string netns;                                      // CNI_NETNS: a path; may be empty for DEL
  std::string ifname;                                     // CNI_IFNAME
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS, "K=V;K=V", in order
  std::vector<std::string> path;                          // CNI_PATH, where other plugins live

  // The value of a CNI_ARGS key (the last one wins, as in libcni).
  std::optional<std::string> arg(std::string_view key) const;
};

// Looks up an environment variable; nullptr when unset.
using Getenv = std::function<const char*(const char*)>;

// Reads and checks the variables the command needs. Errors name the variable and what is
// wrong with it; the caller reports them with code 4 (invalid environment variables).
Result<Invocation> read_invocation(const Getenv& getenv);

// The checks runtimes also make: a container ID starts with a letter or digit and holds only
// those, '_', '.' and '-'; an interface name is 1-15 bytes without '/', ':' or whitespace
// and is not "." or "..".
Status validate_container_id(std::string_view id);
Status validate_ifname(std::string_view name);

}  // namespace xebec::cni
