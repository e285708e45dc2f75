// The IPAM of one network, host-local's behaviour: ADD reserves one address per range set,
// DEL frees them, CHECK reports them, GC frees what no live attachment holds, STATUS tells
// whether an ADD could succeed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cni/ipam/config.h"
#include "cni/ipam/ipv4.h"
#include "cni/ipam/store.h"
#include "common/result.h"

namespace xebec::cni::ipam {

struct Allocation {
  Ipv4Prefix address;                  // the address with its subnet's length: 10.244.1.5/24
  std::optional<Ipv4Address> gateway;  // its range's gateway (always set under host-local's rules)
};

struct IpamResult {
  std::vector<Allocation> ips;    // one per range set, in configuration order
  std::vector<IpamRoute> routes;  // the configured routes
};

// One network's allocations on disk. Owns its configuration and Store. Every call takes the
// network's lock for its duration, so calls from different processes, from instances forked
// from one, or from different instances in one process take turns. Not thread-safe: share no
// instance between threads. Disk failures are kUnavailable and name the file.
class Ipam {
 public:
  // Checks the network name and creates the network's directory when missing.
  static Result<Ipam> open(IpamConfig config, std::string network);

  // Reserves one address per range set, round-robin, or the requested one where `requested`
  // (CNI_ARGS IP=, at most one per range set) has one in the set. kAlreadyExists when the
  // attachment already holds an address or a requested one is held; kInvalid for a requested
  // address outside every range or a gateway; kExhausted when a set has no free address. On
  // failure what this call reserved is released again (best effort: should the disk fail then
  // too, what is left is a complete reservation that DEL or GC frees).
  Result<IpamResult> add(const Attachment& attachment, const std::vector<Ipv4Address>& requested);
  // Frees what the attachment holds. Idempotent: holding nothing is success.
  Status del(const Attachment& attachment);
  // What the attachment holds, one address per range set. kNotFound when it holds none in a set.
  Result<IpamResult> check(const Attachment& attachment);
  // Frees every address held by an attachment not in `valid`; returns what it freed, by address.
  Result<std::vector<Reservation>> gc(const std::vector<Attachment>& valid);
  // Every reservation, by address.
  Result<std::vector<std::pair<Ipv4Address, Attachment>>> list();
  // Whether an ADD could get an address (CNI STATUS): kExhausted, as ADD would say it, naming
  // the first range set with no free address.
  Status free_address_available();

 private:
  Ipam(IpamConfig config, std::string network, Store store)
      : config_(std::move(config)), network_(std::move(network)), store_(std::move(store)) {}

  // Which range set each requested address belongs to (nullopt: none requested in that set).
  Result<std::vector<std::optional<Ipv4Address>>> place_requested(const std::vector<Ipv4Address>& requested) const;
  // Under the lock: reserves one address per set, undoing them all if one fails.
  Result<std::vector<Ipv4Address>> reserve_all(const Attachment& attachment,
                                               const std::vector<std::optional<Ipv4Address>>& requested);
  // Under the lock: the addresses `attachment` holds, by address.
  Result<std::vector<Ipv4Address>> held_by(const Attachment& attachment);
  IpamResult result_for(const std::vector<Ipv4Address>& addresses) const;  // one address per set

  IpamConfig config_;
  std::string network_;
  Store store_;
};

}  // namespace xebec::cni::ipam
