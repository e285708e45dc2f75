// Typed whole-map reads and batched writes over libbpf, with errors that name the map.
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/lb_object.h"
#include "common/result.h"

namespace xebec::dataplane {

inline Error map_error(const struct bpf_map* map, const std::string& what, int e) {
  e = e < 0 ? -e : e;
  if (e == E2BIG || e == ENOSPC || e == ENOMEM)
    return err("map " + map_name(map) + " is full (" + std::to_string(map_capacity(map)) +
               " entries): cannot " + what);
  return err("map " + map_name(map) + ": cannot " + what + ": " + std::strerror(e));
}

// Every entry of a hash or array map, read in batches.
template <typename K, typename V>
Result<std::vector<std::pair<K, V>>> dump_map(const struct bpf_map* map) {
  std::vector<std::pair<K, V>> out;
  std::vector<K> keys(4096);
  std::vector<V> values(keys.size());
  std::uint64_t token = 0;
  bool first = true;
  for (;;) {
    __u32 count = keys.size();
    int r = bpf_map_lookup_batch(map_fd(map), first ? nullptr : &token, &token, keys.data(),
                                 values.data(), &count, nullptr);
    int e = r < 0 ? errno : 0;
    if (r < 0 && e == ENOSPC && count == 0) {  // one hash bucket holds more than fits
      keys.resize(keys.size() * 2);
      values.resize(keys.size());
      continue;
    }
    if (r < 0 && e != ENOENT) return map_error(map, "read entries", e);
    for (__u32 i = 0; i < count; ++i) out.emplace_back(keys[i], values[i]);
    if (r < 0) return out;  // ENOENT: no more entries
    first = false;
  }
}

template <typename K, typename V>
Status update_batch(const struct bpf_map* map, const std::vector<K>& keys, const std::vector<V>& values,
                    const std::string& what) {
  if (keys.empty()) return {};
  __u32 count = keys.size();
  LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
  if (bpf_map_update_batch(map_fd(map), keys.data(), values.data(), &count, &opts) < 0)
    return map_error(map, what, errno);
  return {};
}

template <typename K>
Status delete_batch(const struct bpf_map* map, const std::vector<K>& keys, const std::string& what) {
  if (keys.empty()) return {};
  __u32 count = keys.size();
  if (bpf_map_delete_batch(map_fd(map), keys.data(), &count, nullptr) == 0) return {};
  if (errno != ENOENT) return map_error(map, what, errno);
  // the batch stops at the first key already gone: delete the rest one by one
  for (std::size_t i = count; i < keys.size(); ++i)
    if (bpf_map_delete_elem(map_fd(map), &keys[i]) < 0 && errno != ENOENT)
      return map_error(map, what, errno);
  return {};
}

}  // namespace xebec::dataplane
