// Ipam: ADD, DEL, CHECK, STATUS and GC of one network, each under the network's lock.
#include "cni/ipam/ipam.h"

#include <algorithm>
#include <set>

#include "cni/ipam/allocator.h"

namespace xebec::cni::ipam {
namespace {

std::string describe(const Attachment& a) { return "container " + a.container_id + " interface " + a.ifname; }

}  // namespace

Result<Ipam> Ipam::open(IpamConfig config, std::string network) {
  auto store = Store::open(config.data_dir, network);
  if (!store) return store.error();
  return Ipam(std::move(config), std::move(network), std::move(*store));
}

Result<std::vector<std::optional<Ipv4Address>>> Ipam::place_requested(const std::vector<Ipv4Address>& requested) const {
  std::vector<std::optional<Ipv4Address>> placed(config_.range_sets.size());
  for (Ipv4Address a : requested) {
    for (const auto& set : config_.range_sets)
      for (const auto& r : set.ranges)
        if (r.gateway == a)
          return err("requested address " + a.str() + " is the gateway of " + r.subnet.str(), ErrorCode::kInvalid);
    auto in = std::find_if(config_.range_sets.begin(), config_.range_sets.end(),
                           [&](const IpamRangeSet& s) { return s.range_for(a) != nullptr; });
    if (in == config_.range_sets.end()) {
      std::string ranges;
      for (const auto& set : config_.range_sets) ranges += (ranges.empty() ? "" : "; ") + set.path + ": " + set.str();
      return err(
          "requested address " + a.str() + " is outside every range of network " + network_ + " (" + ranges + ")",
          ErrorCode::kInvalid);
    }
    auto& slot = placed[static_cast<std::size_t>(in - config_.range_sets.begin())];
    if (slot)
      return err("requested addresses " + slot->str() + " and " + a.str() + " are both in " + in->path +
                     ": one address per range set",
                 ErrorCode::kInvalid);
    slot = a;
  }
  return placed;
}

Result<std::vector<Ipv4Address>> Ipam::reserve_all(const Attachment& attachment,
                                                   const std::vector<std::optional<Ipv4Address>>& requested) {
  std::vector<Ipv4Address> taken;
  auto undo = [&](const Error& e) -> Error {
    // Best effort: a reservation left behind is complete and a later DEL or GC frees it.
    for (Ipv4Address a : taken) (void)store_.release(a);
    (void)store_.unmark(attachment);
    return e;
  };
  if (auto marked = store_.mark(attachment); !marked) return marked.error();
  for (std::size_t i = 0; i < config_.range_sets.size(); ++i) {
    Allocator allocator(config_, i, store_);
    auto a = requested[i] ? allocator.take(*requested[i], attachment) : allocator.next_free(attachment);
    if (!a) return undo(a.error());
    taken.push_back(*a);
  }
  for (std::size_t i = 0; i < taken.size(); ++i) {
    if (auto saved = store_.set_last_reserved(i, taken[i]); !saved) return undo(saved.error());
  }
  return taken;
}

Result<IpamResult> Ipam::add(const Attachment& attachment, const std::vector<Ipv4Address>& requested) {
  if (auto valid = validate_attachment(attachment); !valid) return valid.error();
  auto placed = place_requested(requested);
  if (!placed) return placed.error();
  auto lock = store_.lock();
  if (!lock) return lock.error();
  auto marked = store_.is_marked(attachment);
  if (!marked) return marked.error();
  if (*marked) {  // it may hold an address: look
    auto held = held_by(attachment);
    if (!held) return held.error();
    if (!held->empty())
      return err(describe(attachment) + " already has " + held->front().str() + " on network " + network_,
                 ErrorCode::kAlreadyExists);
  }
  auto taken = reserve_all(attachment, *placed);
  if (!taken) return taken.error();
  return result_for(*taken);
}

Result<std::vector<Ipv4Address>> Ipam::held_by(const Attachment& attachment) {
  auto all = store_.scan();
  if (!all) return all.error();
  std::vector<Ipv4Address> held;
  for (const auto& [address, holder] : *all)
    if (holder == attachment) held.push_back(address);
  return held;
}

Status Ipam::del(const Attachment& attachment) {
  if (auto valid = validate_attachment(attachment); !valid) return valid;
  auto lock = store_.lock();
  if (!lock) return lock.error();
  auto held = held_by(attachment);
  if (!held) return held.error();
  for (Ipv4Address a : *held) {
    if (auto released = store_.release(a); !released) return released;
  }
  return store_.unmark(attachment);  // last, so that a crash before it leaves the mark
}

Result<IpamResult> Ipam::check(const Attachment& attachment) {
  if (auto valid = validate_attachment(attachment); !valid) return valid.error();
  auto lock = store_.lock();
  if (!lock) return lock.error();
  auto held = held_by(attachment);
  if (!held) return held.error();
  std::vector<Ipv4Address> per_set;
  for (const auto& set : config_.range_sets) {
    auto in = std::find_if(held->begin(), held->end(), [&](Ipv4Address a) { return set.range_for(a) != nullptr; });
    if (in == held->end())
      return err(
          describe(attachment) + " holds no address in " + set.path + " (" + set.str() + ") on network " + network_,
          ErrorCode::kNotFound);
    per_set.push_back(*in);
  }
  return result_for(per_set);
}

Result<std::vector<Reservation>> Ipam::gc(const std::vector<Attachment>& valid) {
  auto lock = store_.lock();
  if (!lock) return lock.error();
  auto all = store_.scan();
  if (!all) return all.error();
  std::set<Attachment> keep(valid.begin(), valid.end());
  std::vector<Attachment> holders;
  std::vector<Reservation> freed;
  for (auto& reservation : *all) {
    if (keep.contains(reservation.second)) {
      holders.push_back(reservation.second);
      continue;
    }
    if (auto released = store_.release(reservation.first); !released) return released.error();
    freed.push_back(std::move(reservation));
  }
  if (auto unmarked = store_.unmark_all_except(holders); !unmarked) return unmarked.error();
  return freed;
}

Result<std::vector<std::pair<Ipv4Address, Attachment>>> Ipam::list() {
  auto lock = store_.lock();
  if (!lock) return lock.error();
  return store_.scan();
}

Status Ipam::free_address_available() {
  auto lock = store_.lock();
  if (!lock) return lock.error();
  auto all = store_.scan();  // reading each holder, so that empty leftovers count as free
  if (!all) return all.error();
  for (std::size_t i = 0; i < config_.range_sets.size(); ++i) {
    std::uint64_t used = in_use(config_, i, *all);
    if (used >= capacity(config_, i)) return exhausted(config_, i, used);
  }
  return {};
}

IpamResult Ipam::result_for(const std::vector<Ipv4Address>& addresses) const {
  IpamResult result;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const IpamRange* r = config_.range_sets[i].range_for(addresses[i]);
    result.ips.push_back({Ipv4Prefix{addresses[i], r->subnet.length}, r->gateway});
  }
  result.routes = config_.routes;
  return result;
}

}  // namespace xebec::cni::ipam
