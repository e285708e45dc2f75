// File helpers for the apiserver's keys, tokens and configs (see files.h).
#include "controlplane/server/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace xebec::server {
namespace {

std::string errno_text(int e) { return std::strerror(e); }

}  // namespace

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return err(path + ": cannot open: " + errno_text(errno),
               errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return err(path + ": cannot read: " + errno_text(errno), ErrorCode::kUnavailable);
  return content.str();
}

Status write_file_atomic(const std::string& path, std::string_view contents, mode_t mode) {
  std::string tmp = path + ".XXXXXX";
  int fd = mkostemp(tmp.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0)
    return err(path + ": cannot create a temporary file beside it: " + errno_text(errno), ErrorCode::kUnavailable);
  auto fail = [&](const char* what) {
    int e = errno;
    close(fd);
    unlink(tmp.c_str());
    return err(path + ": cannot " + what + ": " + errno_text(e), ErrorCode::kUnavailable);
  };
  for (std::size_t off = 0; off < contents.size();) {
    ssize_t n = write(fd, contents.data() + off, contents.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    off += static_cast<std::size_t>(n);
  }
  if (fchmod(fd, mode) != 0) return fail("set its mode");
  if (fsync(fd) != 0) return fail("flush");
  if (close(fd) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    return err(path + ": cannot close: " + errno_text(e), ErrorCode::kUnavailable);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    return err(path + ": cannot rename the new file into place: " + errno_text(e), ErrorCode::kUnavailable);
  }
  return {};
}

Status make_private_dir(const std::string& path) {
  std::error_code ec;
  bool created = std::filesystem::create_directories(path, ec);
  if (ec) return err(path + ": cannot create the directory: " + ec.message(), ErrorCode::kUnavailable);
  if (created && chmod(path.c_str(), 0700) != 0) {
    return err(path + ": cannot make the directory private: " + errno_text(errno), ErrorCode::kUnavailable);
  }
  return {};
}

}  // namespace xebec::server
