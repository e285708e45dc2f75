// One network's address reservations on disk, in host-local's layout so operators and tools
// recognise it, with the lock that makes one operation at a time across processes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cni/ipam/ipv4.h"
#include "cni/ipam/unique_fd.h"
#include "cni/spec/config.h"
#include "common/result.h"

namespace xebec::cni::ipam {

// Who holds an address: a container's interface (CNI_CONTAINERID, CNI_IFNAME).
using cni::Attachment;  // container ID and interface name (cni/spec/config.h)

// CNI's rules, which also keep both safe in a file name and in a reservation file:
// the container ID is letters, digits, '_', '.', '-' and starts with a letter or digit; the
// interface name is a Linux one (1-15 characters, no '/', ':' or white space, not . or ..).
// kInvalid otherwise.
Status validate_attachment(const Attachment& a);

using Reservation = std::pair<Ipv4Address, Attachment>;

// The files of one network, under <dataDir>/<network>/:
//
//   lock                       empty; flock'd (exclusive) by Lock for one operation
//   10.244.1.5                 "<container id>\r\n<ifname>": the address is reserved
//   last_reserved_ip.0         "10.244.1.5": where round-robin resumes in range set 0
//   attachments/<container id>@<ifname>
//                              empty; xebec's addition to the layout, see mark()
//   attachments/.empty         what every mark is a hard link to
//   free/0 … free/7            released reservation files, emptied: the next reserve() renames
//                              one into place instead of creating a file
//
// A reservation is made with O_CREAT|O_EXCL and its content written in one write, under the
// lock. A crash between the two leaves an empty file, and since every writer holds the lock,
// an empty file seen under the lock can only be such a leftover: holder() and scan() remove it,
// so it blocks its address only until the next look at it (and a full range always looks).
// Nothing is fsync'd (host-local does not either): after a power cut a reservation may come
// back empty (reclaimed as above) or vanish with the container that held it.
// last_reserved_ip is rewritten in place; a torn one reads as absent (round-robin restarts at
// the first address) or as a neighbour, which costs nothing but fairness. No temporary files.
//
// Owns descriptors of the network's directories, opened once; each Lock opens the lock file
// anew, so instances in different processes (even forked from one) exclude each other. A child
// forked while a Lock is held shares that Lock. Every method but lock() must be called with a
// Lock held. Not thread-safe.
class Store {
 public:
  // Held: the network is this process's until it is destroyed. Must not outlive the Store.
  class Lock {
   public:
    explicit Lock(UniqueFd fd) : fd_(std::move(fd)) {}

   private:
    UniqueFd fd_;  // closing it releases the flock
  };

  // Creates <data_dir>/<network>/ and its attachments/ when missing. The network name must
  // be a CNI network name (letters, digits, '_', '.', '-', starting with a letter or digit),
  // which makes it a safe path component; kInvalid otherwise, kUnavailable when the disk fails.
  static Result<Store> open(const std::string& data_dir, const std::string& network);

  // Blocks until this process holds the network's lock.
  Result<Lock> lock() const;

  // Reserves `address` for `holder`: false when its file already exists (whatever it holds).
  Result<bool> reserve(Ipv4Address address, const Attachment& holder) const;
  // Who holds `address`; nullopt when nobody (an empty leftover is removed on the way).
  Result<std::optional<Attachment>> holder(Ipv4Address address) const;
  // Frees `address`; freeing a free address is not an error.
  Status release(Ipv4Address address) const;
  // Every reservation, by address, reading each file (and removing empty leftovers).
  Result<std::vector<Reservation>> scan() const;
  // The addresses that have a file, by address: the directory's names only, no file read, so
  // an empty leftover is among them.
  Result<std::vector<Ipv4Address>> addresses() const;

  // Where round-robin resumes in range set `set`; nullopt when never written or unreadable.
  std::optional<Ipv4Address> last_reserved(std::size_t set) const;
  Status set_last_reserved(std::size_t set, Ipv4Address address) const;

  // The attachment marks: attachments/<container id>@<ifname> exists whenever the attachment
  // may hold an address. It is made before an attachment's first reservation and removed after
  // its last release, so a missing mark proves that the attachment holds nothing without reading
  // every reservation (ADD's duplicate check), while a mark left by a crash only costs one scan.
  // Reservations written by host-local itself have no mark. A mark is a hard link to
  // attachments/.empty, since a link costs a directory entry where a file costs an inode.
  Result<bool> is_marked(const Attachment& a) const;
  Status mark(const Attachment& a) const;
  Status unmark(const Attachment& a) const;
  // Removes every mark but those of `holders`.
  Status unmark_all_except(const std::vector<Attachment>& holders) const;

  const std::string& dir() const { return dir_; }  // <dataDir>/<network>

 private:
  Store(std::string dir, UniqueFd dir_fd, UniqueFd marks_fd)
      : dir_(std::move(dir)), dir_fd_(std::move(dir_fd)), marks_fd_(std::move(marks_fd)) {}

  std::string dir_;
  UniqueFd dir_fd_;    // <dataDir>/<network>
  UniqueFd marks_fd_;  // <dataDir>/<network>/attachments
};

}  // namespace xebec::cni::ipam
