// The pod hook's programs (from_pod, to_pod) pinned under an instance's root, so that a
// short-lived process — the CNI plugin, once per pod — attaches them without loading and
// verifying the BPF object each time. The first user of an instance loads and pins them.
#pragma once

#include <string>

#include "common/result.h"
#include "dataplane/lb_object.h"

namespace xebec::dataplane {

// File descriptors of the two pinned programs; closes them. Movable, not thread-safe.
class PodPrograms {
 public:
  // The programs pinned under `bpf_root`; when none are, loads the object (creating the
  // instance's maps with `sizes` if needed) and pins them, under the instance's lock.
  static Result<PodPrograms> open(const std::string& bpf_root, const MapSizes& sizes = {});
  // The same for a caller that has loaded the object (kLoadPrograms) and holds the lock.
  static Result<PodPrograms> from_object(const LbObject& object);
  PodPrograms(PodPrograms&& other) noexcept;
  PodPrograms& operator=(PodPrograms&&) = delete;
  PodPrograms(const PodPrograms&) = delete;
  ~PodPrograms();

  int from_pod() const { return from_pod_; }
  int to_pod() const { return to_pod_; }

 private:
  PodPrograms(int from_pod, int to_pod) : from_pod_(from_pod), to_pod_(to_pod) {}
  // Both programs by their pins; an error when either is missing or unreadable.
  static Result<PodPrograms> reopen(const std::string& bpf_root);
  int from_pod_;
  int to_pod_;
};

// True when the programs are pinned under bpf_root (an attach needs no load).
bool pod_programs_pinned(const std::string& bpf_root);

}  // namespace xebec::dataplane
