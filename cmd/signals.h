// How the long-running commands (apiserver, scheduler, ...) stop: on SIGINT or SIGTERM, taken by
// the main thread alone.
#pragma once

#include <signal.h>

namespace xebec::cli {

// Blocks SIGINT and SIGTERM in this thread and in every thread started from it afterwards, so
// that wait_for_termination() is the one place they arrive. Call before starting any thread.
sigset_t block_termination_signals();

// Waits for one of `signals`; returns its number.
int wait_for_termination(const sigset_t& signals);

}  // namespace xebec::cli
