#include "controlplane/controllers/rollout.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "controlplane/client/json_field.h"

namespace xebec::controllers::rollout {

namespace {

using nlohmann::json;

const auto& at = client::object_field;

// An IntOrString against `total`: a count, or a percentage of it rounded up or down.
Result<std::int64_t> scaled_value(const json& value, std::int64_t total, bool round_up, const std::string& field) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    std::size_t used = 0;
    int percent = -1;
    try {
      if (text.size() > 1 && text.back() == '%') percent = std::stoi(text.substr(0, text.size() - 1), &used);
    } catch (const std::exception&) {
      percent = -1;
    }
    if (percent >= 0 && used == text.size() - 1) {
      const std::int64_t scaled = percent * total;
      return round_up ? (scaled + 99) / 100 : scaled / 100;
    }
  }
  return err("spec.strategy.rollingUpdate." + field + ": " + value.dump() +
                 " is neither a number of pods nor a percentage (\"25%\")",
             ErrorCode::kInvalid);
}

// The template as Go's typed structs see it: a null, {} or [] field is the same as none
// (kubectl's "creationTimestamp": null, say, which `rollout undo` writes back).
json canonical(const json& value) {
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : value.items()) {
      json c = canonical(v);
      if (!c.is_null() && !((c.is_object() || c.is_array()) && c.empty())) out[k] = std::move(c);
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& v : value) out.push_back(canonical(v));
    return out;
  }
  return value;
}

}  // namespace

Result<Limits> limits(const json& spec) {
  if (at(spec, "strategy").value("type", "RollingUpdate") != "RollingUpdate") return Limits{};
  const json& rolling = at(at(spec, "strategy"), "rollingUpdate");
  const std::int64_t replicas = spec.value("replicas", std::int64_t{1});
  auto surge = scaled_value(rolling.value("maxSurge", json("25%")), replicas, true, "maxSurge");
  if (!surge) return surge.error();
  auto unavailable = scaled_value(rolling.value("maxUnavailable", json("25%")), replicas, false, "maxUnavailable");
  if (!unavailable) return unavailable.error();
  Limits out{.max_surge = *surge, .max_unavailable = std::min(*unavailable, replicas)};
  if (out.max_surge == 0 && out.max_unavailable == 0) out.max_unavailable = 1;
  return out;
}

std::int64_t new_replica_set_size(const Limits& limits, std::int64_t wanted, std::int64_t all_replicas,
                                  std::int64_t new_replicas) {
  const std::int64_t most = wanted + limits.max_surge;
  if (all_replicas >= most) return new_replicas;
  return new_replicas + std::min(most - all_replicas, wanted - new_replicas);
}

std::vector<std::int64_t> old_replica_set_sizes(const Limits& limits, std::int64_t wanted,
                                                const ReplicaSetCounts& new_rs,
                                                const std::vector<ReplicaSetCounts>& old_oldest_first) {
  std::vector<std::int64_t> sizes;
  std::int64_t old_total = 0, available = new_rs.available;
  for (const auto& rs : old_oldest_first) {
    sizes.push_back(rs.replicas);
    old_total += rs.replicas;
    available += rs.available;
  }
  if (old_total == 0) return sizes;
  const std::int64_t all = old_total + new_rs.replicas;
  const std::int64_t min_available = wanted - limits.max_unavailable;
  const std::int64_t new_unavailable = new_rs.replicas - new_rs.available;
  const std::int64_t budget = all - min_available - new_unavailable;
  if (budget <= 0) return sizes;

  // Pods that are not available go first: removing them costs no availability.
  std::int64_t removed = 0;
  for (std::size_t i = 0; i < sizes.size() && removed < budget; ++i) {
    const std::int64_t unhealthy = sizes[i] - std::min(sizes[i], old_oldest_first[i].available);
    const std::int64_t n = std::min(budget - removed, unhealthy);
    sizes[i] -= n;
    removed += n;
  }
  // Then available ones, as long as enough stay available.
  if (available <= min_available) return sizes;
  std::int64_t left = available - min_available;
  for (auto& size : sizes) {
    if (left <= 0) break;
    const std::int64_t n = std::min(size, left);
    size -= n;
    left -= n;
  }
  return sizes;
}

std::vector<std::int64_t> proportional_sizes(std::int64_t wanted, std::int64_t max_surge, std::int64_t fallback_total,
                                             const std::vector<Share>& shares) {
  std::vector<std::int64_t> sizes;
  std::int64_t current = 0;
  for (const auto& s : shares) {
    sizes.push_back(s.replicas);
    current += s.replicas;
  }
  const std::int64_t allowed = wanted > 0 ? wanted + max_surge : 0;
  const std::int64_t to_add = allowed - current;
  if (to_add == 0 || shares.empty()) return sizes;

  // Largest first; among equals the newest when growing, the oldest when shrinking.
  std::vector<std::size_t> order(shares.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (shares[a].replicas != shares[b].replicas) return shares[a].replicas > shares[b].replicas;
    return to_add > 0 ? shares[a].age > shares[b].age : shares[a].age < shares[b].age;
  });
  const std::int64_t target_total = wanted + max_surge;
  std::int64_t added = 0;
  for (std::size_t i : order) {
    const Share& s = shares[i];
    if (s.replicas == 0 || added == to_add) continue;
    std::int64_t fraction = -s.replicas;
    if (wanted > 0) {
      const std::int64_t base = s.annotated_max > 0 ? s.annotated_max : fallback_total;
      if (base <= 0) continue;
      fraction = std::llround(static_cast<double>(s.replicas * target_total) / static_cast<double>(base)) - s.replicas;
    }
    const std::int64_t room = to_add - added;
    const std::int64_t share = to_add > 0 ? std::min(fraction, room) : std::max(fraction, room);
    sizes[i] += share;
    added += share;
  }
  sizes[order.front()] = std::max<std::int64_t>(0, sizes[order.front()] + to_add - added);
  return sizes;
}

std::string template_hash(const json& pod_template, std::int64_t collision_count) {
  std::uint32_t hash = 2166136261u;
  auto mix = [&](const std::string& bytes) {
    for (unsigned char c : bytes) hash = (hash ^ c) * 16777619u;
  };
  mix(canonical(pod_template).dump());
  if (collision_count > 0) mix(std::to_string(collision_count));
  // The decimal digits, each spelled as a letter or digit that spells no word (no vowels).
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (char digit : std::to_string(hash)) out += kAlphabet[static_cast<unsigned char>(digit) % (sizeof kAlphabet - 1)];
  return out;
}

bool same_template(const json& replica_set_template, const json& deployment_template) {
  json a = canonical(replica_set_template), b = canonical(deployment_template);
  for (json* t : {&a, &b}) {
    if (!t->is_object()) continue;
    auto meta = t->find("metadata");
    if (meta == t->end() || !meta->is_object()) continue;
    if (auto labels = meta->find("labels"); labels != meta->end() && labels->is_object()) {
      labels->erase("pod-template-hash");
      if (labels->empty()) meta->erase(labels);
    }
    if (meta->empty()) t->erase(meta);
  }
  return a == b;
}

}  // namespace xebec::controllers::rollout
