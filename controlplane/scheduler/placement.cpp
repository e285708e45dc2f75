// Placement: filter nodes in turn until enough fit, score those, take the best.
#include "controlplane/scheduler/placement.h"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace xebec::scheduler {

namespace {

using nlohmann::json;

constexpr std::size_t kMinFeasibleNodesToFind = 100;
constexpr std::size_t kMinFeasiblePercent = 5;

// kube-scheduler's default plugin weights.
constexpr std::int64_t kWeightLeastAllocated = 1;
constexpr std::int64_t kWeightSpread = 2;
constexpr std::int64_t kWeightNodeAffinity = 2;
constexpr std::int64_t kWeightPodAffinity = 2;
constexpr std::int64_t kWeightTaints = 3;
constexpr std::int64_t kMaxScore = 100;

const std::string* label(const json& labels, const std::string& key) {
  if (!labels.is_object()) return nullptr;
  auto it = labels.find(key);
  return it != labels.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

// "zone\0eu-1": one topology domain.
std::string domain(const std::string& key, const std::string& value) { return key + '\0' + value; }

// What pod (anti-)affinity needs of the whole cluster, gathered once per pod: which topology
// domains hold pods that its terms select, and which domains the anti-affinity of placed pods
// keeps it out of.
struct AffinityView {
  std::vector<std::unordered_set<std::string>> affinity;       // per required term: domains with a match
  std::vector<bool> affinity_matches_anywhere;                  // per required term
  std::vector<std::unordered_set<std::string>> anti_affinity;  // per required anti term
  std::unordered_set<std::string> excluded;                    // by placed pods' anti-affinity
  std::unordered_map<std::string, std::int64_t> preferred;     // domain -> weight of matches (anti: minus)
  std::vector<std::string> preferred_keys;                      // the topology keys of preferred terms
  bool needed = false;

  AffinityView(const PodInfo& pod, const Cluster& cluster) {
    const bool preferred_terms = !pod.preferred_affinity.empty() || !pod.preferred_anti_affinity.empty();
    needed = !pod.affinity.empty() || !pod.anti_affinity.empty() || preferred_terms || cluster.any_anti_affinity();
    if (!needed) return;
    for (const auto* terms : {&pod.preferred_affinity, &pod.preferred_anti_affinity})
      for (const auto& term : *terms)
        if (std::find(preferred_keys.begin(), preferred_keys.end(), term.topology_key) == preferred_keys.end())
          preferred_keys.push_back(term.topology_key);
    affinity.resize(pod.affinity.size());
    affinity_matches_anywhere.resize(pod.affinity.size());
    anti_affinity.resize(pod.anti_affinity.size());
    for (const auto& node : cluster.nodes()) {
      for (const auto& placed : node.pods) {
        for (std::size_t i = 0; i < pod.affinity.size(); ++i)
          if (pod.affinity[i].selects(placed->ns, placed->labels)) {
            affinity_matches_anywhere[i] = true;
            if (auto v = label(node.labels, pod.affinity[i].topology_key))
              affinity[i].insert(domain(pod.affinity[i].topology_key, *v));
          }
        for (std::size_t i = 0; i < pod.anti_affinity.size(); ++i)
          if (pod.anti_affinity[i].selects(placed->ns, placed->labels))
            if (auto v = label(node.labels, pod.anti_affinity[i].topology_key))
              anti_affinity[i].insert(domain(pod.anti_affinity[i].topology_key, *v));
        for (const auto& term : placed->anti_affinity)
          if (term.selects(pod.ns, pod.labels))
            if (auto v = label(node.labels, term.topology_key)) excluded.insert(domain(term.topology_key, *v));
        for (const auto& term : pod.preferred_affinity)
          if (term.selects(placed->ns, placed->labels))
            if (auto v = label(node.labels, term.topology_key)) preferred[domain(term.topology_key, *v)] += term.weight;
        for (const auto& term : pod.preferred_anti_affinity)
          if (term.selects(placed->ns, placed->labels))
            if (auto v = label(node.labels, term.topology_key)) preferred[domain(term.topology_key, *v)] -= term.weight;
      }
    }
  }

  bool in(const std::unordered_set<std::string>& domains, const std::string& key, const NodeInfo& node) const {
    const std::string* v = label(node.labels, key);
    return v && domains.contains(domain(key, *v));
  }

  // The first reason `node` breaks the pod's required terms or a placed pod's, or nullptr.
  const char* violation(const PodInfo& pod, const NodeInfo& node) const {
    for (std::size_t i = 0; i < pod.affinity.size(); ++i) {
      // A pod whose term selects itself may start a group where none exists yet.
      const bool first_of_group = !affinity_matches_anywhere[i] && pod.affinity[i].selects(pod.ns, pod.labels);
      if (!label(node.labels, pod.affinity[i].topology_key) ||
          (!first_of_group && !in(affinity[i], pod.affinity[i].topology_key, node)))
        return "node(s) didn't match pod affinity rules";
    }
    for (std::size_t i = 0; i < pod.anti_affinity.size(); ++i)
      if (in(anti_affinity[i], pod.anti_affinity[i].topology_key, node))
        return "node(s) didn't match pod anti-affinity rules";
    if (!excluded.empty())
      for (const auto& [key, value] : node.labels.items())
        if (value.is_string() && excluded.contains(domain(key, value.get<std::string>())))
          return "node(s) didn't satisfy existing pods anti-affinity rules";
    return nullptr;
  }

  // The weights of the pods the preferred terms select in the node's domains: affinity adds,
  // anti-affinity takes away.
  std::int64_t preference(const NodeInfo& node) const {
    std::int64_t sum = 0;
    for (const auto& key : preferred_keys)
      if (auto v = label(node.labels, key))
        if (auto it = preferred.find(domain(key, *v)); it != preferred.end()) sum += it->second;
    return sum;
  }
};

bool node_selected(const PodInfo& pod, const NodeInfo& node) {
  for (const auto& [key, value] : pod.node_selector) {
    const std::string* have = label(node.labels, key);
    if (!have || *have != value) return false;
  }
  if (pod.required_node_terms.empty()) return true;
  return std::any_of(pod.required_node_terms.begin(), pod.required_node_terms.end(),
                     [&](const NodeSelectorTerm& t) { return t.matches(node.labels); });
}

// The reasons `node` cannot take `pod`, appended to `reasons`; false when there is one.
bool fits(const PodInfo& pod, const NodeInfo& node, const AffinityView& view, std::vector<std::string>& reasons) {
  if (node.unschedulable) return reasons.emplace_back("node(s) were unschedulable"), false;
  if (!node.ready) return reasons.emplace_back("node(s) were not ready"), false;
  if (!node_selected(pod, node)) return reasons.emplace_back("node(s) didn't match Pod's node affinity/selector"), false;
  for (const auto& taint : node.taints)
    if ((taint.effect == "NoSchedule" || taint.effect == "NoExecute") && !taint.tolerated_by(pod.tolerations))
      return reasons.emplace_back("node(s) had untolerated taint {" + taint.key + ": " + taint.value + "}"), false;
  const std::size_t before = reasons.size();
  const Resources& free = node.allocatable;
  if (node.requested.pods + 1 > free.pods) reasons.emplace_back("Too many pods");
  if (pod.requests.cpu_milli > 0 && node.requested.cpu_milli + pod.requests.cpu_milli > free.cpu_milli)
    reasons.emplace_back("Insufficient cpu");
  if (pod.requests.memory > 0 && node.requested.memory + pod.requests.memory > free.memory)
    reasons.emplace_back("Insufficient memory");
  if (reasons.size() > before) return false;
  if (view.needed)
    if (const char* why = view.violation(pod, node)) return reasons.emplace_back(why), false;
  return true;
}

std::int64_t least_allocated(const PodInfo& pod, const NodeInfo& node) {
  auto share = [](std::int64_t capacity, std::int64_t used) -> std::int64_t {
    if (capacity <= 0 || used > capacity) return 0;
    return (capacity - used) * kMaxScore / capacity;
  };
  return (share(node.allocatable.cpu_milli, node.score_requested.cpu_milli + pod.score_requests.cpu_milli) +
          share(node.allocatable.memory, node.score_requested.memory + pod.score_requests.memory)) /
         2;
}

std::int64_t untolerated_soft_taints(const PodInfo& pod, const NodeInfo& node) {
  return std::count_if(node.taints.begin(), node.taints.end(), [&](const Taint& t) {
    return t.effect == "PreferNoSchedule" && !t.tolerated_by(pod.tolerations);
  });
}

std::int64_t preferred_node_affinity(const PodInfo& pod, const NodeInfo& node) {
  std::int64_t sum = 0;
  for (const auto& [weight, term] : pod.preferred_node_terms)
    if (term.matches(node.labels)) sum += weight;
  return sum;
}

// Raw per-node figures scaled to 0..kMaxScore; `reverse`: the smallest figure scores highest.
std::vector<std::int64_t> normalized(const std::vector<std::int64_t>& raw, bool reverse) {
  if (raw.empty()) return {};
  const auto [lo, hi] = std::minmax_element(raw.begin(), raw.end());
  std::vector<std::int64_t> out(raw.size(), kMaxScore);
  if (*hi == *lo) return out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const std::int64_t scaled = (raw[i] - *lo) * kMaxScore / (*hi - *lo);
    out[i] = reverse ? kMaxScore - scaled : scaled;
  }
  return out;
}

// "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) didn't match pod anti-affinity rules."
std::string unavailable(std::size_t nodes, const std::vector<std::string>& reasons) {
  std::map<std::string, int> counts;
  for (const auto& r : reasons) ++counts[r];
  std::vector<std::pair<int, std::string>> sorted;
  for (const auto& [reason, count] : counts) sorted.emplace_back(count, reason);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string out = "0/" + std::to_string(nodes) + " nodes are available";
  for (std::size_t i = 0; i < sorted.size(); ++i)
    out += (i == 0 ? ": " : ", ") + std::to_string(sorted[i].first) + " " + sorted[i].second;
  return out + ".";
}

}  // namespace

std::size_t feasible_nodes_to_find(std::size_t nodes, unsigned percentage) {
  if (nodes < kMinFeasibleNodesToFind || percentage >= 100) return nodes;
  const std::size_t adaptive = std::max(kMinFeasiblePercent, 50 - std::min<std::size_t>(nodes / 125, 50));
  return std::max(kMinFeasibleNodesToFind, nodes * (percentage > 0 ? percentage : adaptive) / 100);
}

Placement Placer::place(const PodInfo& pod, const Cluster& cluster) {
  const auto& nodes = cluster.nodes();
  if (nodes.empty()) return {"", "0/0 nodes are available: no nodes registered."};
  const AffinityView view(pod, cluster);
  const std::size_t wanted = feasible_nodes_to_find(nodes.size(), percentage_);
  std::vector<const NodeInfo*> feasible;
  std::vector<std::string> reasons;
  std::size_t looked = 0;
  const std::size_t start = next_start_ % nodes.size();
  for (; looked < nodes.size() && feasible.size() < wanted; ++looked) {
    const NodeInfo& node = nodes[(start + looked) % nodes.size()];
    if (fits(pod, node, view, reasons)) feasible.push_back(&node);
  }
  next_start_ = (start + looked) % nodes.size();
  if (feasible.empty()) return {"", unavailable(nodes.size(), reasons)};
  if (feasible.size() == 1) return {feasible[0]->name, ""};

  std::vector<std::int64_t> spread, affinity, pod_affinity, taints, total(feasible.size(), 0);
  for (const NodeInfo* node : feasible) {
    auto owned = pod.owner == 0 ? node->pods_by_owner.end() : node->pods_by_owner.find(pod.owner);
    spread.push_back(owned == node->pods_by_owner.end() ? 0 : owned->second);
    affinity.push_back(preferred_node_affinity(pod, *node));
    pod_affinity.push_back(view.needed ? view.preference(*node) : 0);
    taints.push_back(untolerated_soft_taints(pod, *node));
  }
  const auto spread_score = normalized(spread, true), affinity_score = normalized(affinity, false),
             pod_affinity_score = normalized(pod_affinity, false), taint_score = normalized(taints, true);
  std::size_t best = 0;
  for (std::size_t i = 0; i < feasible.size(); ++i) {
    total[i] = kWeightLeastAllocated * least_allocated(pod, *feasible[i]) + kWeightSpread * spread_score[i] +
               kWeightNodeAffinity * affinity_score[i] + kWeightPodAffinity * pod_affinity_score[i] +
               kWeightTaints * taint_score[i];
    if (total[i] > total[best]) best = i;
  }
  return {feasible[best]->name, ""};
}

}  // namespace xebec::scheduler
