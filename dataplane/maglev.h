// maglev.h — Maglev consistent-hashing lookup tables (NSDI'16 §3.4).
// Each service gets a prime-sized table mapping a flow-hash slot to a backend.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace xebec::dataplane {

inline constexpr std::uint32_t kMaglevDefaultTableSize = 16381;

// True when n is prime (table sizes must be prime so every skip is coprime with the size).
bool is_prime(std::uint32_t n);

// Builds a table of `table_size` slots; each slot holds an index into `backends`.
// `backends` are stable names of the backends (e.g. "10.244.1.2:8080"); the same names
// give the same table on every run and machine (deterministic hash, not std::hash).
// Preconditions (checked by the caller, asserted here): table_size prime, backends non-empty,
// backends.size() <= table_size. Order of `backends` does not change which backend owns a slot
// (ties broken by name, not position) — so callers can pass backends in any order.
std::vector<std::uint32_t> maglev_table(std::span<const std::string> backends, std::uint32_t table_size);

}  // namespace xebec::dataplane
