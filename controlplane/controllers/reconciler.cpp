#include "controlplane/controllers/reconciler.h"

#include <cstdio>

namespace xebec::controllers {

void Reconciler::start(int workers) {
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

void Reconciler::stop() {
  queue_.shut_down();
  workers_.clear();  // joins
}

void Reconciler::work() {
  while (auto key = queue_.get()) {
    if (Status done = reconcile_(*key); done) {
      queue_.forget(*key);
    } else {
      // A conflict (or a create of what exists) is the cache being behind a write: expected,
      // retried, not worth a line.
      const ErrorCode code = done.error().code;
      if (code != ErrorCode::kConflict && code != ErrorCode::kAlreadyExists)
        std::fprintf(stderr, "%s %s: %s (retrying)\n", name_.c_str(), key->c_str(), done.error().message.c_str());
      queue_.add_rate_limited(*key);
    }
    queue_.done(*key);
  }
}

}  // namespace xebec::controllers
