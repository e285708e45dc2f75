// An exclusive lock on one dataplane instance (flock on its --bpf-root directory), so two
// processes programming the same maps take turns instead of racing for ids.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "common/result.h"

namespace xebec::dataplane {

class InstanceLock {
 public:
  static Result<InstanceLock> acquire(const std::string& bpf_root) {
    int fd = ::open(bpf_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return err("cannot open " + bpf_root + ": " + std::strerror(errno));
    if (flock(fd, LOCK_EX) != 0) {
      int e = errno;
      ::close(fd);
      return err("cannot lock " + bpf_root + ": " + std::strerror(e));
    }
    return InstanceLock(fd);
  }
  InstanceLock(InstanceLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;
  InstanceLock& operator=(InstanceLock&&) = delete;
  ~InstanceLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  }

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace xebec::dataplane
