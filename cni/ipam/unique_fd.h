// UniqueFd: sole owner of one file descriptor, closed when the owner goes.
#pragma once

#include <unistd.h>

#include <utility>

namespace xebec::cni::ipam {

// Owns the descriptor it is given; movable, not copyable. Closing a lock file's descriptor
// releases its flock, which is how Store::Lock unlocks.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { close(); }

  int get() const { return fd_; }
  // Gives the descriptor up to the caller, who must close it (and check what close says).
  int release() { return std::exchange(fd_, -1); }

 private:
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
};

}  // namespace xebec::cni::ipam
