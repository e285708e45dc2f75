// A network namespace made for one measurement (`ip netns add`) and deleted when it goes
// out of scope or the benchmark is interrupted, so commands that change firewall state
// (iptables-restore) never touch the machine's own namespace.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench/process.h"
#include "common/result.h"

namespace xebec::bench {

// Owns the namespace; not thread-safe.
class ScratchNetns {
 public:
  // Fails if the name is taken (a leftover is not reused: its state would skew a figure).
  static Result<std::unique_ptr<ScratchNetns>> create(const std::string& name);
  ~ScratchNetns();  // ip netns delete NAME
  ScratchNetns(const ScratchNetns&) = delete;
  ScratchNetns& operator=(const ScratchNetns&) = delete;

  const std::string& name() const { return name_; }
  // `ip netns exec NAME command...`: runs command inside the namespace only.
  std::vector<std::string> exec(const std::vector<std::string>& command) const;

 private:
  ScratchNetns(std::string name, std::string ip);
  std::string name_;
  std::string ip_;  // absolute path of ip(8)
  CleanupOnSignal on_signal_;
};

}  // namespace xebec::bench
