// The plugin side of the protocol, shared by xebec-cni and xebec-ipam: a Plugin implements
// the commands; run() reads the environment and stdin, checks versions, calls the command,
// and prints its result or an error with the spec's codes.
#pragma once

#include <ostream>
#include <string_view>

#include "cni/spec/config.h"
#include "cni/spec/invocation.h"
#include "cni/spec/result.h"
#include "common/result.h"

namespace xebec::cni {

// The spec's well-known error codes, and ours from 100.
enum class Code : int {
  kIncompatibleVersion = 1,
  kUnsupportedField = 2,
  kUnknownContainer = 3,
  kInvalidEnvironment = 4,
  kIoFailure = 5,
  kDecodeFailure = 6,
  kInvalidConfig = 7,
  kTryAgainLater = 11,
  kNotAvailable = 50,           // STATUS: cannot take ADDs now
  kNotAvailableResources = 51,  // STATUS: cannot take ADDs for lack of resources (addresses)
  kFailed = 100,                // anything else: the message says what
  kAlreadyAttached = 101,       // ADD of a container and interface that are already attached
  kRangeExhausted = 102,        // no free address
};

// The commands; `conf` has been checked for the command's version. Errors are values whose
// ErrorCode picks the CNI code (see code_for); the message is what the user reads.
class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual Result<CniResult> add(const Invocation& inv, const NetConf& conf) = 0;
  virtual Status del(const Invocation& inv, const NetConf& conf) = 0;
  virtual Status check(const Invocation& inv, const NetConf& conf) = 0;
  virtual Status status(const Invocation& inv, const NetConf& conf) = 0;
  virtual Status gc(const Invocation& inv, const NetConf& conf) = 0;
};

// The CNI code a plugin's error is reported with: kInvalid 7, kBadRequest 6, kUnavailable
// and kConflict 11, kNotFound 3 (the container or its netns is gone), kAlreadyExists 101,
// kExhausted 102; for STATUS, kExhausted 51 and anything else 50; otherwise 100.
Code code_for(const Error& e, Command command);

// Runs one invocation; returns the process's exit code (0, or 1 after printing an error).
int run(Plugin& plugin, std::string_view stdin_text, const Getenv& getenv, std::ostream& out);

}  // namespace xebec::cni
