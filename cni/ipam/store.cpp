// Store: host-local's reservation files, the lock and the attachment marks, through openat(2)
// on the network's directory.
#include "cni/ipam/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <string_view>

namespace xebec::cni::ipam {
namespace {

constexpr std::size_t kMaxIfname = 15;                              // IFNAMSIZ - 1
constexpr std::size_t kMaxContainerId = NAME_MAX - 1 - kMaxIfname;  // <id>@<ifname> is a file name
constexpr const char* kLineBreak = "\r\n";                          // host-local's separator
constexpr const char* kLastReservedPrefix = "last_reserved_ip.";
constexpr const char* kLockFile = "lock";
constexpr const char* kMarksDir = "attachments";
constexpr const char* kMarkModel = ".empty";  // in kMarksDir: what each mark is a hard link to
constexpr const char* kFreeDir = "free";      // released reservation files, emptied, kept for reuse
constexpr int kFreeSlots = 8;

std::string free_slot(int i) { return std::string(kFreeDir) + "/" + std::to_string(i); }

std::string join(std::string_view dir, std::string_view name) { return std::string(dir) + "/" + std::string(name); }

Error io_error(const std::string& what, const std::string& path, int e = errno) {
  return err("cannot " + what + " " + path + ": " + std::strerror(e), ErrorCode::kUnavailable);
}

std::string mark_name(const Attachment& a) { return a.container_id + "@" + a.ifname; }

// The content of file `name` in `dir` (whose descriptor is `dir_fd`), or nullopt when there is
// no such file. Meant for files of a few hundred bytes: a short read is taken as the end, which
// saves a second read per reservation when scanning.
Result<std::optional<std::string>> read_small(int dir_fd, const std::string& dir, const std::string& name) {
  UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return io_error("open", join(dir, name));
  }
  std::string content;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("read", join(dir, name));
    content.append(buf, static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < sizeof buf) return std::optional<std::string>(std::move(content));
  }
}

// The holder a reservation file names: "<id>\r\n<ifname>", or "<id>" as host-local wrote before
// it kept interface names. nullopt when blank: a reservation cut short by a crash.
std::optional<Attachment> parse_holder(std::string_view content) {
  constexpr std::string_view kBlank(" \t\r\n\0", 5);
  auto first = content.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return std::nullopt;
  content = content.substr(first, content.find_last_not_of(kBlank) - first + 1);
  auto sep = content.find(kLineBreak);
  if (sep == std::string_view::npos) return Attachment{std::string(content), ""};
  return Attachment{std::string(content.substr(0, sep)), std::string(content.substr(sep + 2))};
}

Status unlink_at(int dir_fd, const std::string& dir, const std::string& name) {
  if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) return io_error("remove", join(dir, name));
  return {};
}

// Writes `content` at the start of an open file and closes it, checking the close too.
Status write_all(UniqueFd fd, const std::string& content, const std::string& path) {
  ssize_t n;
  do n = ::pwrite(fd.get(), content.data(), content.size(), 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return io_error("write", path);
  if (static_cast<std::size_t>(n) != content.size()) return io_error("write", path, ENOSPC);
  if (::close(fd.release()) != 0 && errno != EINTR) return io_error("write", path);
  return {};
}

// Calls `fn` with each name in a directory but . and .., through a description of its own so
// that reading moves no offset another descriptor shares. The names live until `fn` returns.
template <typename Fn>
Status for_each_name(int dir_fd, const std::string& path, Fn fn) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("open", path);
  DIR* d = ::fdopendir(fd);
  if (!d) {
    int e = errno;
    ::close(fd);
    return io_error("read", path, e);
  }
  errno = 0;
  while (const dirent* entry = ::readdir(d)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") fn(name);
  }
  int e = errno;
  ::closedir(d);
  if (e != 0) return io_error("read", path, e);
  return {};
}

}  // namespace

Status validate_attachment(const Attachment& a) {
  if (auto ok = validate_container_id(a.container_id); !ok)
    return err("container ID '" + a.container_id + "' is not valid: it " + ok.error().message, ErrorCode::kInvalid);
  if (a.container_id.size() > kMaxContainerId)
    return err(
        "container ID '" + a.container_id + "' is longer than " + std::to_string(kMaxContainerId) + " characters",
        ErrorCode::kInvalid);
  return validate_ifname(a.ifname);
}

Result<Store> Store::open(const std::string& data_dir, const std::string& network) {
  if (auto ok = validate_network_name(network); !ok) return ok.error();
  if (network.size() > NAME_MAX)
    return err("name: '" + network + "' is longer than " + std::to_string(NAME_MAX) + " characters",
               ErrorCode::kInvalid);
  std::string dir = data_dir + "/" + network;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("create", dir, ec.value());
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) return io_error("open", dir);
  std::string marks = join(dir, kMarksDir);
  if (::mkdirat(dir_fd.get(), kMarksDir, 0755) != 0 && errno != EEXIST) return io_error("create", marks);
  if (::mkdirat(dir_fd.get(), kFreeDir, 0755) != 0 && errno != EEXIST) return io_error("create", join(dir, kFreeDir));
  UniqueFd marks_fd(::openat(dir_fd.get(), kMarksDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (marks_fd.get() < 0) return io_error("open", marks);
  UniqueFd model(::openat(marks_fd.get(), kMarkModel, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (model.get() < 0) return io_error("create", join(marks, kMarkModel));
  return Store(std::move(dir), std::move(dir_fd), std::move(marks_fd));
}

Result<Store::Lock> Store::lock() const {
  UniqueFd fd(::openat(dir_fd_.get(), kLockFile, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (fd.get() < 0) return io_error("open", join(dir_, kLockFile));
  int rc;
  do rc = ::flock(fd.get(), LOCK_EX);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) return io_error("lock", join(dir_, kLockFile));
  return Lock(std::move(fd));
}

// A released file waiting in free/ becomes the reservation by a rename when there is one: a new
// file makes ext4 allocate an inode, the dearest step of an ADD on a disk that has just freed
// some (as a busy node's has).
Result<bool> Store::reserve(Ipv4Address address, const Attachment& holder) const {
  std::string name = address.str();
  bool reused = false;
  for (int slot = 0; slot < kFreeSlots && !reused; ++slot) {
    if (::renameat2(dir_fd_.get(), free_slot(slot).c_str(), dir_fd_.get(), name.c_str(), RENAME_NOREPLACE) == 0)
      reused = true;
    else if (errno == EEXIST)
      return false;
    else if (errno != ENOENT)
      return io_error("reuse", join(dir_, free_slot(slot)));
  }
  int create = reused ? 0 : O_CREAT | O_EXCL;
  UniqueFd fd(::openat(dir_fd_.get(), name.c_str(), O_WRONLY | create | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (fd.get() < 0) {
    if (errno == EEXIST) return false;
    return io_error("create", join(dir_, name));
  }
  if (auto written = write_all(std::move(fd), holder.container_id + kLineBreak + holder.ifname, join(dir_, name));
      !written) {
    ::unlinkat(dir_fd_.get(), name.c_str(), 0);  // best effort: an empty leftover is reclaimed anyway
    return written.error();
  }
  return true;
}

Result<std::optional<Attachment>> Store::holder(Ipv4Address address) const {
  std::string name = address.str();
  auto content = read_small(dir_fd_.get(), dir_, name);
  if (!content) return content.error();
  if (!*content) return std::optional<Attachment>();
  auto holder = parse_holder(**content);
  if (!holder) {
    if (auto removed = unlink_at(dir_fd_.get(), dir_, name); !removed) return removed.error();
  }
  return holder;
}

// Emptied first, so that a crash anywhere leaves at worst an empty reservation (a leftover,
// removed at the next look) and never one naming a gone holder; then kept in free/ for the next
// reserve(), or removed when free/ is full.
Status Store::release(Ipv4Address address) const {
  std::string name = address.str();
  UniqueFd fd(::openat(dir_fd_.get(), name.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) return errno == ENOENT ? Status() : Status(io_error("open", join(dir_, name)));
  if (::ftruncate(fd.get(), 0) != 0) return io_error("empty", join(dir_, name));
  fd = UniqueFd();
  for (int slot = 0; slot < kFreeSlots; ++slot) {
    if (::renameat2(dir_fd_.get(), name.c_str(), dir_fd_.get(), free_slot(slot).c_str(), RENAME_NOREPLACE) == 0)
      return {};
    if (errno != EEXIST) return io_error("release", join(dir_, name));
  }
  return unlink_at(dir_fd_.get(), dir_, name);
}

Result<std::vector<Ipv4Address>> Store::addresses() const {
  std::vector<Ipv4Address> out;
  auto listed = for_each_name(dir_fd_.get(), dir_, [&](std::string_view name) {
    if (name[0] < '0' || name[0] > '9') return;  // lock, last_reserved_ip.N, attachments
    if (auto a = Ipv4Address::parse(name)) out.push_back(*a);
  });
  if (!listed) return listed.error();
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<Reservation>> Store::scan() const {
  auto all = addresses();
  if (!all) return all.error();
  std::vector<Reservation> out;
  out.reserve(all->size());
  for (auto a : *all) {
    auto h = holder(a);
    if (!h) return h.error();
    if (*h) out.emplace_back(a, std::move(**h));
  }
  return out;
}

std::optional<Ipv4Address> Store::last_reserved(std::size_t set) const {
  auto content = read_small(dir_fd_.get(), dir_, kLastReservedPrefix + std::to_string(set));
  if (!content || !*content) return std::nullopt;
  auto text = std::string_view(**content);
  auto end = text.find_last_not_of(" \t\r\n");
  auto address = Ipv4Address::parse(text.substr(0, end == std::string_view::npos ? 0 : end + 1));
  if (!address) return std::nullopt;
  return *address;
}

// Rewritten in place, then cut to length: truncating to zero first (O_TRUNC) would make ext4
// write the file out on close (auto_da_alloc), which costs more than all the rest of an ADD.
Status Store::set_last_reserved(std::size_t set, Ipv4Address address) const {
  std::string name = kLastReservedPrefix + std::to_string(set);
  std::string text = address.str();
  UniqueFd fd(::openat(dir_fd_.get(), name.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (fd.get() < 0) return io_error("create", join(dir_, name));
  if (::ftruncate(fd.get(), static_cast<off_t>(text.size())) != 0) return io_error("write", join(dir_, name));
  return write_all(std::move(fd), text, join(dir_, name));
}

Result<bool> Store::is_marked(const Attachment& a) const {
  std::string name = mark_name(a);
  struct stat st;
  if (::fstatat(marks_fd_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  if (errno == ENOENT) return false;
  return io_error("look up", join(join(dir_, kMarksDir), name));
}

// A hard link to the model: a directory entry, where a file of its own would cost an inode
// (3 us against 140-280 us on the journal-less ext4 of our VMs). When linking fails (the model gone, its link count at
// the filesystem's limit), the mark becomes a file of its own.
Status Store::mark(const Attachment& a) const {
  std::string name = mark_name(a);
  if (::linkat(marks_fd_.get(), kMarkModel, marks_fd_.get(), name.c_str(), 0) == 0 || errno == EEXIST) return {};
  UniqueFd fd(::openat(marks_fd_.get(), name.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (fd.get() < 0) return io_error("create", join(join(dir_, kMarksDir), name));
  return {};
}

Status Store::unmark(const Attachment& a) const {
  return unlink_at(marks_fd_.get(), join(dir_, kMarksDir), mark_name(a));
}

Status Store::unmark_all_except(const std::vector<Attachment>& holders) const {
  std::set<std::string> keep;
  for (const auto& h : holders) keep.insert(mark_name(h));
  keep.insert(kMarkModel);
  std::string marks = join(dir_, kMarksDir);
  std::vector<std::string> doomed;
  auto listed = for_each_name(marks_fd_.get(), marks, [&](std::string_view name) {
    if (!keep.contains(std::string(name))) doomed.emplace_back(name);
  });
  if (!listed) return listed;
  for (const auto& name : doomed) {
    if (auto removed = unlink_at(marks_fd_.get(), marks, name); !removed) return removed;
  }
  return {};
}

}  // namespace xebec::cni::ipam
