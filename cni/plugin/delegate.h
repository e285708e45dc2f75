// Running another CNI plugin — an IPAM such as host-local — the way a runtime would: found
// in CNI_PATH, with this invocation's environment and the same configuration on stdin.
#pragma once

#include <string>

#include "cni/spec/invocation.h"
#include "cni/spec/result.h"
#include "common/result.h"

namespace xebec::cni {

// Runs plugin `type` for `command` and returns what it printed. A failure carries the
// delegate's own message and an ErrorCode matching its CNI code (7 kInvalid, 11
// kUnavailable, 102 kExhausted, ...).
Result<std::string> run_delegate(const std::string& type, Command command, const Invocation& inv,
                                 const std::string& config);

// run_delegate for ADD, with the output read as a result.
Result<CniResult> delegate_add(const std::string& type, const Invocation& inv, const std::string& config);

}  // namespace xebec::cni
