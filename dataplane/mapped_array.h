// A BPF array map created with BPF_F_MMAPABLE, mapped into this process: user space reads
// and writes its entries as memory, without a syscall per entry.
#pragma once

#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "dataplane/lb_object.h"
#include "common/result.h"

namespace xebec::dataplane {

// Owns the mapping; entries are T, laid out as the kernel lays out array values (each
// rounded up to 8 bytes). Not thread-safe.
template <typename T>
class MappedArray {
 public:
  static Result<MappedArray> map(const struct bpf_map* map) {
    const std::size_t stride = (sizeof(T) + 7) / 8 * 8;
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    const std::size_t length = (stride * map_capacity(map) + page - 1) / page * page;
    void* base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd(map), 0);
    if (base == MAP_FAILED) return err("cannot map " + map_name(map) + " into memory: " + std::strerror(errno));
    return MappedArray(static_cast<char*>(base), length, stride, map_capacity(map));
  }

  MappedArray(MappedArray&& other) noexcept
      : base_(other.base_), length_(other.length_), stride_(other.stride_), size_(other.size_) {
    other.base_ = nullptr;
  }
  MappedArray(const MappedArray&) = delete;
  MappedArray& operator=(const MappedArray&) = delete;
  MappedArray& operator=(MappedArray&&) = delete;
  ~MappedArray() {
    if (base_) munmap(base_, length_);
  }

  std::size_t size() const { return size_; }
  T& operator[](std::size_t i) { return *reinterpret_cast<T*>(base_ + i * stride_); }
  const T& operator[](std::size_t i) const { return *reinterpret_cast<const T*>(base_ + i * stride_); }

 private:
  MappedArray(char* base, std::size_t length, std::size_t stride, std::size_t size)
      : base_(base), length_(length), stride_(stride), size_(size) {}
  char* base_;
  std::size_t length_;
  std::size_t stride_;
  std::size_t size_;
};

}  // namespace xebec::dataplane
