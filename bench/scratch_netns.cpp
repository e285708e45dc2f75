// Scratch namespaces through ip(8), deleted on every path out.
#include "bench/scratch_netns.h"

#include <iostream>

namespace xebec::bench {

Result<std::unique_ptr<ScratchNetns>> ScratchNetns::create(const std::string& name) {
  std::string ip = find_program("ip");
  if (ip.empty()) return err("ip(8) not found: install iproute2");
  auto added = run_timed({ip, "netns", "add", name});
  if (!added) return err("cannot make network namespace " + name + ": " + added.error().message);
  return std::unique_ptr<ScratchNetns>(new ScratchNetns(name, ip));
}

ScratchNetns::ScratchNetns(std::string name, std::string ip)
    : name_(std::move(name)), ip_(ip), on_signal_({ip, "netns", "delete", name_}) {}

ScratchNetns::~ScratchNetns() {
  if (auto deleted = run_timed({ip_, "netns", "delete", name_}); !deleted)
    std::cerr << "warning: " << deleted.error().message << " (delete it with: ip netns delete " << name_ << ")\n";
}

std::vector<std::string> ScratchNetns::exec(const std::vector<std::string>& command) const {
  std::vector<std::string> argv{ip_, "netns", "exec", name_};
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

}  // namespace xebec::bench
