// Opening network namespaces by path and entering them with setns(2) on the calling thread.
#include "cni/net/netns.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace xebec::cni {

Result<NetnsHandle> NetnsHandle::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return err("cannot open network namespace " + path + ": " + std::strerror(e),
               e == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnknown);
  }
  if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
    ::close(fd);
    return err(path + " is not a network namespace (expected a path such as /run/netns/NAME or /proc/PID/ns/net)",
               ErrorCode::kInvalid);
  }
  return NetnsHandle(fd, path);
}

NetnsHandle::NetnsHandle(NetnsHandle&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

NetnsHandle::~NetnsHandle() {
  if (fd_ >= 0) ::close(fd_);
}

Result<NetnsScope> NetnsScope::enter(const NetnsHandle& target) {
  int original = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original < 0) return err(std::string("cannot open this thread's network namespace: ") + std::strerror(errno));
  if (setns(target.fd(), CLONE_NEWNET) != 0) {
    int e = errno;
    ::close(original);
    return err("cannot enter network namespace " + target.path() + ": " + std::strerror(e));
  }
  return NetnsScope(original);
}

NetnsScope::~NetnsScope() {
  if (original_fd_ < 0) return;
  if (setns(original_fd_, CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "xebec: cannot return to the original network namespace: %s\n", std::strerror(errno));
    std::abort();
  }
  ::close(original_fd_);
}

}  // namespace xebec::cni
