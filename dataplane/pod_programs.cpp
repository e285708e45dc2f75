// Pinning the pod programs once per instance and reopening them by path.
#include "dataplane/pod_programs.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "dataplane/instance_lock.h"
#include "lb.skel.h"

namespace xebec::dataplane {

namespace {

std::string pin_path(const std::string& root, const char* program) { return root + "/prog_" + program; }

Status pin(const std::string& root, struct bpf_program* prog, const char* name) {
  std::string path = pin_path(root, name);
  std::error_code ec;
  std::filesystem::remove(path, ec);  // a half-pinned pair from a crashed process
  if (int e = bpf_program__pin(prog, path.c_str()); e != 0)
    return err("cannot pin " + std::string(name) + " at " + path + ": " + strerror(-e) + take_libbpf_messages());
  return {};
}

}  // namespace

Result<PodPrograms> PodPrograms::reopen(const std::string& root) {
  int from = bpf_obj_get(pin_path(root, "from_pod").c_str());
  if (from < 0) return err("cannot open " + pin_path(root, "from_pod") + ": " + strerror(errno));
  int to = bpf_obj_get(pin_path(root, "to_pod").c_str());
  if (to < 0) {
    int e = errno;
    close(from);
    return err("cannot open " + pin_path(root, "to_pod") + ": " + strerror(e));
  }
  return PodPrograms(from, to);
}

bool pod_programs_pinned(const std::string& bpf_root) {
  return std::filesystem::exists(pin_path(bpf_root, "from_pod")) &&
         std::filesystem::exists(pin_path(bpf_root, "to_pod"));
}

Result<PodPrograms> PodPrograms::open(const std::string& bpf_root, const MapSizes& sizes) {
  if (pod_programs_pinned(bpf_root)) return reopen(bpf_root);
  auto object = LbObject::open(bpf_root, LbObject::Mode::kLoadPrograms, sizes);
  if (!object) return object.error();
  auto lock = InstanceLock::acquire(bpf_root);
  if (!lock) return lock.error();
  return from_object(**object);
}

Result<PodPrograms> PodPrograms::from_object(const LbObject& object) {
  if (!pod_programs_pinned(object.root())) {  // another process may have pinned them meanwhile
    const auto& progs = object.skel()->progs;
    if (auto ok = pin(object.root(), progs.to_pod, "to_pod"); !ok) return ok.error();
    if (auto ok = pin(object.root(), progs.from_pod, "from_pod"); !ok) return ok.error();
  }
  return reopen(object.root());
}

PodPrograms::PodPrograms(PodPrograms&& other) noexcept : from_pod_(other.from_pod_), to_pod_(other.to_pod_) {
  other.from_pod_ = other.to_pod_ = -1;
}

PodPrograms::~PodPrograms() {
  if (from_pod_ >= 0) close(from_pod_);
  if (to_pod_ >= 0) close(to_pod_);
}

}  // namespace xebec::dataplane
