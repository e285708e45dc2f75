// Handing out one range set's addresses the way host-local does: round-robin from the address
// after the last one reserved, through the set's ranges in order, wrapping around.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "cni/ipam/config.h"
#include "cni/ipam/store.h"

namespace xebec::cni::ipam {

// The addresses of range set `set` in round-robin order, each once, gateways left out: from the
// one after `last_reserved` if a range of the set holds it, else from the first range's start.
// Refers to `config`, which must outlive it.
class RoundRobin {
 public:
  RoundRobin(const IpamConfig& config, std::size_t set, std::optional<Ipv4Address> last_reserved);
  std::optional<Ipv4Address> next();  // nullopt once every address has been given

 private:
  void step();  // to the following address, wrapping from a range's end to the next range's start

  const IpamConfig& config_;
  const std::vector<IpamRange>& ranges_;
  std::size_t range_ = 0;  // index in ranges_ of cursor_
  Ipv4Address cursor_;     // the address next() considers next
  std::uint64_t left_;     // addresses not yet considered
};

// How many addresses range set `set` can hand out: its ranges, less the gateways in them.
std::uint64_t capacity(const IpamConfig& config, std::size_t set);
// How many of `reserved` count against range set `set`: those in its ranges, gateways aside.
std::uint64_t in_use(const IpamConfig& config, std::size_t set, const std::vector<Reservation>& reserved);
// kExhausted: "no free address in ipam.ranges[0] (10.244.1.2-10.244.1.254 of 10.244.1.0/24):
// 253 of 253 in use".
Error exhausted(const IpamConfig& config, std::size_t set, std::uint64_t used);

// Reserves addresses of one range set in a Store. Refers to `config` and `store`, which must
// outlive it; call it with the store's lock held. Not thread-safe.
class Allocator {
 public:
  Allocator(const IpamConfig& config, std::size_t set, const Store& store)
      : config_(config), set_(set), store_(store) {}

  // The first free address in round-robin order. kExhausted when there is none.
  Result<Ipv4Address> next_free(const Attachment& holder);
  // `requested`, which the caller has checked is in the set and no gateway. kAlreadyExists
  // when another attachment holds it.
  Result<Ipv4Address> take(Ipv4Address requested, const Attachment& holder);

 private:
  Result<std::optional<Ipv4Address>> one_round(const Attachment& holder);

  const IpamConfig& config_;
  std::size_t set_;
  const Store& store_;
};

}  // namespace xebec::cni::ipam
