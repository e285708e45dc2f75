// Reading and writing /proc/sys files with plain system calls: the plugin does a few per pod.
#include "cni/net/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xebec::cni {

namespace {

Error sysctl_error(const std::string& what, const std::string& path, int e) {
  return err("cannot " + what + " " + path + ": " + std::strerror(e),
             e == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnknown);
}

}  // namespace

std::string accept_dad_sysctl(const std::string& ifname) { return "/proc/sys/net/ipv6/conf/" + ifname + "/accept_dad"; }

Result<std::string> read_sysctl(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sysctl_error("read", path, errno);
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  int e = errno;
  ::close(fd);
  if (n < 0) return sysctl_error("read", path, e);
  std::string value(buf, static_cast<std::size_t>(n));
  while (!value.empty() && value.back() == '\n') value.pop_back();
  return value;
}

Status write_sysctl(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return sysctl_error("write", path, errno);
  ssize_t n = ::write(fd, value.data(), value.size());
  int e = errno;
  ::close(fd);
  if (n < 0) return sysctl_error("write", path, e);
  return {};
}

}  // namespace xebec::cni
