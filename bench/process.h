// Child processes for benchmarks: timed runs of a command, and cleanup commands that still
// run when the benchmark is interrupted (Ctrl-C, SIGTERM) so nothing it made outlives it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace xebec::bench {

struct ProcessRun {
  double seconds = 0;       // wall-clock, spawn to exit
  std::string error_output; // the last 2 KiB of its stderr
};

// Runs argv[0] (looked up in PATH) with stdout discarded; an error when it cannot start or
// exits non-zero, with its stderr in the message.
Result<ProcessRun> run_timed(const std::vector<std::string>& argv);

// Runs argv and returns its standard output (stderr is passed through); an error when it
// cannot start or exits non-zero.
Result<std::string> run_output(const std::vector<std::string>& argv);

// A long-running child (a server the benchmark drives), its stdout and stderr in `log`. The
// destructor sends it SIGTERM, then SIGKILL after a few seconds, and reaps it.
class Daemon {
 public:
  static Result<std::unique_ptr<Daemon>> start(const std::vector<std::string>& argv, const std::string& log);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  pid_t pid() const { return pid_; }
  // Its resident set size now, in bytes (0 once it is gone).
  std::size_t rss_bytes() const;

 private:
  explicit Daemon(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

// Absolute path of a program found in PATH (or /usr/sbin, /sbin), "" if none.
std::string find_program(const std::string& name);

// While it lives, `argv` (absolute argv[0]) is run if SIGINT, SIGTERM or SIGHUP arrives
// (after the child being waited for, if any, is sent SIGTERM and reaped); then the process
// exits with 128 + signal. The destructor only unregisters: normal-path
// cleanup is the owner's job. At most 16 at a time; not thread-safe.
class CleanupOnSignal {
 public:
  explicit CleanupOnSignal(std::vector<std::string> argv);
  ~CleanupOnSignal();
  CleanupOnSignal(const CleanupOnSignal&) = delete;
  CleanupOnSignal& operator=(const CleanupOnSignal&) = delete;

 private:
  int slot_;
};

}  // namespace xebec::bench
