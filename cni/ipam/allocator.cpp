// Round-robin order over a range set, and reserving its addresses by trying their files with
// O_EXCL, so that the usual ADD touches one or two files and reads none.
#include "cni/ipam/allocator.h"

#include <algorithm>
#include <set>

namespace xebec::cni::ipam {

RoundRobin::RoundRobin(const IpamConfig& config, std::size_t set, std::optional<Ipv4Address> last_reserved)
    : config_(config), ranges_(config.range_sets.at(set).ranges), cursor_(ranges_.front().range_start) {
  left_ = 0;
  for (const auto& r : ranges_) left_ += std::uint64_t{r.range_end.value} - r.range_start.value + 1;
  for (std::size_t i = 0; last_reserved && i < ranges_.size(); ++i) {
    if (ranges_[i].contains(*last_reserved)) {
      range_ = i;
      cursor_ = *last_reserved;
      step();
      break;
    }
  }
}

void RoundRobin::step() {
  if (cursor_ == ranges_[range_].range_end) {
    range_ = (range_ + 1) % ranges_.size();
    cursor_ = ranges_[range_].range_start;
  } else {
    cursor_ = cursor_.next();
  }
}

std::optional<Ipv4Address> RoundRobin::next() {
  while (left_ > 0) {
    Ipv4Address a = cursor_;
    --left_;
    step();
    if (!config_.is_gateway(a)) return a;
  }
  return std::nullopt;
}

std::uint64_t capacity(const IpamConfig& config, std::size_t set) {
  const IpamRangeSet& s = config.range_sets.at(set);
  std::set<Ipv4Address> gateways;
  for (const auto& other : config.range_sets)
    for (const auto& r : other.ranges)
      if (s.range_for(r.gateway)) gateways.insert(r.gateway);
  std::uint64_t n = 0;
  for (const auto& r : s.ranges) n += std::uint64_t{r.range_end.value} - r.range_start.value + 1;
  return n - gateways.size();
}

std::uint64_t in_use(const IpamConfig& config, std::size_t set, const std::vector<Reservation>& reserved) {
  const IpamRangeSet& s = config.range_sets.at(set);
  return static_cast<std::uint64_t>(std::count_if(reserved.begin(), reserved.end(), [&](const Reservation& r) {
    return s.range_for(r.first) && !config.is_gateway(r.first);
  }));
}

Error exhausted(const IpamConfig& config, std::size_t set, std::uint64_t used) {
  const IpamRangeSet& s = config.range_sets.at(set);
  return err("no free address in " + s.path + " (" + s.str() + "): " + std::to_string(used) + " of " +
                 std::to_string(capacity(config, set)) + " in use",
             ErrorCode::kExhausted);
}

Result<std::optional<Ipv4Address>> Allocator::one_round(const Attachment& holder) {
  // A try at a taken address is a failed create (0.55 us on ext4); listing the directory's
  // names costs as much as about 110 tries in a full /24 (60 us), and bounds the rest of the
  // round, which matters when the free addresses are few and far from the cursor.
  constexpr int kTriesBeforeListing = 32;
  RoundRobin order(config_, set_, store_.last_reserved(set_));
  std::optional<std::vector<Ipv4Address>> taken;  // listed once tries keep failing
  int failed = 0;
  while (auto a = order.next()) {
    if (taken && std::binary_search(taken->begin(), taken->end(), *a)) continue;
    auto reserved = store_.reserve(*a, holder);
    if (!reserved) return reserved.error();
    if (*reserved) return a;
    if (++failed == kTriesBeforeListing) {
      auto listed = store_.addresses();
      if (!listed) return listed.error();
      taken = std::move(*listed);
    }
  }
  return std::optional<Ipv4Address>();
}

Result<Ipv4Address> Allocator::next_free(const Attachment& holder) {
  auto found = one_round(holder);
  if (!found) return found.error();
  if (*found) return **found;
  // Every file exists. Some may be empty leftovers of a crash, which scan() removes: count the
  // real reservations, and go round once more if that leaves room.
  auto held = store_.scan();
  if (!held) return held.error();
  std::uint64_t used = in_use(config_, set_, *held);
  if (used < capacity(config_, set_)) {
    found = one_round(holder);
    if (!found) return found.error();
    if (*found) return **found;
  }
  return exhausted(config_, set_, used);
}

Result<Ipv4Address> Allocator::take(Ipv4Address requested, const Attachment& holder) {
  auto reserved = store_.reserve(requested, holder);
  if (!reserved) return reserved.error();
  if (*reserved) return requested;
  auto current = store_.holder(requested);
  if (!current) return current.error();
  if (*current)
    return err("requested address " + requested.str() + " is held by container " + (*current)->container_id +
                   " interface " + (*current)->ifname,
               ErrorCode::kAlreadyExists);
  // An empty leftover of a crash, removed by holder(): the address is free now.
  reserved = store_.reserve(requested, holder);
  if (!reserved) return reserved.error();
  if (!*reserved)
    return err("cannot reserve requested address " + requested.str() + ": its file in " + store_.dir() +
                   " came back once removed; is something writing there without taking the lock?",
               ErrorCode::kUnavailable);
  return requested;
}

}  // namespace xebec::cni::ipam
