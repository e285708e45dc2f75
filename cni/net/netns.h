// Network namespaces for the CNI plugin: one held open by file descriptor, and entering one
// for a scope on the calling thread.
#pragma once

#include <string>
#include <utility>

#include "common/result.h"

namespace xebec::cni {

// An open network namespace (a path such as /run/netns/NAME or /proc/PID/ns/net). Owns the
// descriptor, which keeps the namespace alive while it is open. Movable; immutable once open,
// so it can be shared between threads.
class NetnsHandle {
 public:
  // Fails with ErrorCode::kNotFound when the path does not exist, and says so when the file
  // is not a network namespace.
  static Result<NetnsHandle> open(const std::string& path);

  NetnsHandle(NetnsHandle&& other) noexcept;
  NetnsHandle& operator=(NetnsHandle&&) = delete;
  NetnsHandle(const NetnsHandle&) = delete;
  ~NetnsHandle();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  NetnsHandle(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// The calling thread inside another network namespace until this goes out of scope, when the
// thread returns to the namespace it was in. Only the thread that entered may destroy it (it
// is movable for returning, not for handing to another thread). Sockets opened meanwhile stay
// in the entered namespace. Failing to return is a broken invariant: the process aborts
// rather than let the thread carry on in the wrong namespace.
class NetnsScope {
 public:
  static Result<NetnsScope> enter(const NetnsHandle& target);

  NetnsScope(NetnsScope&& other) noexcept : original_fd_(other.original_fd_) { other.original_fd_ = -1; }
  NetnsScope& operator=(NetnsScope&&) = delete;
  NetnsScope(const NetnsScope&) = delete;
  ~NetnsScope();

 private:
  explicit NetnsScope(int original_fd) : original_fd_(original_fd) {}
  int original_fd_;  // the thread's namespace before enter(); -1 once moved from
};

}  // namespace xebec::cni
