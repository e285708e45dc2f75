// maglev.cpp — Maglev lookup-table population (NSDI'16 §3.4, Pseudocode 1)
// and the deterministic name hash it relies on.
#include "dataplane/maglev.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <numeric>
#include <string_view>

namespace xebec::dataplane {
namespace {

// Seeds for the two independent hashes the paper calls h1 (offset) and h2 (skip).
constexpr std::uint64_t kOffsetSeed = 0x6d61676c65763031ULL;  // "maglev01"
constexpr std::uint64_t kSkipSeed = 0x6d61676c65763032ULL;    // "maglev02"

// FNV-1a over the bytes, starting from a seeded basis, then murmur3's fmix64 finalizer.
// FNV-1a alone is byte-order stable across machines but mixes its high bits poorly for
// short, similar strings like "10.0.0.1:80"/"10.0.0.2:80"; the finalizer spreads them.
std::uint64_t hash64(std::string_view s, std::uint64_t seed) {
  constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
  constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
  std::uint64_t h = kFnvOffsetBasis ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// A backend's preference list is permutation[j] = (offset + j*skip) % M; we walk it
// incrementally, so only the current position and the stride are kept.
struct Cursor {
  std::uint64_t pos;
  std::uint64_t skip;
};

Cursor make_cursor(std::string_view name, std::uint32_t m) {
  // skip in [1, M-1] is coprime with prime M, so the walk visits every slot exactly once.
  const std::uint64_t offset = hash64(name, kOffsetSeed) % m;
  const std::uint64_t skip = hash64(name, kSkipSeed) % (m - 1) + 1;
  return {offset, skip};
}

// Caller indices sorted by backend name: populating in this order makes slot ownership a
// function of the name set alone, not of the order the caller listed them in.
std::vector<std::uint32_t> order_by_name(std::span<const std::string> backends) {
  std::vector<std::uint32_t> order(backends.size());
  std::iota(order.begin(), order.end(), 0U);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return backends[a] < backends[b]; });
  return order;
}

}  // namespace

bool is_prime(std::uint32_t n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  // 64-bit product so i*i cannot wrap for n close to UINT32_MAX.
  for (std::uint64_t i = 3; i * i <= n; i += 2) {
    if (n % i == 0) return false;
  }
  return true;
}

std::vector<std::uint32_t> maglev_table(std::span<const std::string> backends, std::uint32_t table_size) {
  assert(is_prime(table_size));
  assert(!backends.empty());
  assert(backends.size() <= table_size);

  const std::vector<std::uint32_t> order = order_by_name(backends);
  std::vector<Cursor> cursors;
  cursors.reserve(order.size());
  for (std::uint32_t idx : order) cursors.push_back(make_cursor(backends[idx], table_size));

  // The output doubles as the paper's entry[] array. UINT32_MAX marks a free slot: it is never
  // a real index, since indices are < backends.size() <= table_size <= UINT32_MAX.
  constexpr std::uint32_t kFree = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> table(table_size, kFree);

  // Pseudocode 1: backends take turns claiming their next preferred free slot, so after
  // the loop every backend owns either floor(M/N) or ceil(M/N) slots.
  std::uint32_t filled = 0;
  while (true) {
    for (std::size_t i = 0; i < cursors.size(); ++i) {
      // Walk in a local so the hot probe loop stays in registers instead of storing the
      // cursor back to memory on every step.
      std::uint64_t pos = cursors[i].pos;
      const std::uint64_t skip = cursors[i].skip;
      while (table[pos] != kFree) {
        // Wraps in about skip/M of steps, i.e. unpredictably; written as a select so it
        // compiles to a conditional move rather than a mispredicted branch.
        const std::uint64_t next = pos + skip;
        pos = next >= table_size ? next - table_size : next;
      }
      table[pos] = order[i];
      cursors[i].pos = pos;
      if (++filled == table_size) return table;
    }
  }
}

}  // namespace xebec::dataplane
