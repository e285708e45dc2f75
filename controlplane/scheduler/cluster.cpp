// The cluster picture: nodes in a vector (the scheduler walks them in order), an index by name,
// and where each pod sits.
#include "controlplane/scheduler/cluster.h"

#include <algorithm>

#include "controlplane/api/quantity.h"

namespace xebec::scheduler {

namespace {

using nlohmann::json;

constexpr std::int64_t kDefaultMaxPods = 110;  // the kubelet's default

bool has_anti_affinity(const PodInfo& pod) { return !pod.anti_affinity.empty(); }

}  // namespace

bool Taint::tolerated_by(const std::vector<Toleration>& tolerations) const {
  return std::any_of(tolerations.begin(), tolerations.end(), [&](const Toleration& t) {
    if (!t.effect.empty() && t.effect != effect) return false;
    if (t.exists) return t.key.empty() || t.key == key;
    return t.key == key && t.value == value;
  });
}

void NodeInfo::add(std::shared_ptr<const PodInfo> pod) {
  requested += pod->requests;
  score_requested += pod->score_requests;
  if (pod->owner != 0) ++pods_by_owner[pod->owner];
  pods.push_back(std::move(pod));
}

void NodeInfo::remove(const std::string& pod_key) {
  auto it = std::find_if(pods.begin(), pods.end(), [&](const auto& p) { return p->key() == pod_key; });
  if (it == pods.end()) return;
  requested -= (*it)->requests;
  score_requested -= (*it)->score_requests;
  if ((*it)->owner != 0 && --pods_by_owner[(*it)->owner] == 0) pods_by_owner.erase((*it)->owner);
  pods.erase(it);
}

Result<NodeInfo> read_node(const json& node) {
  NodeInfo n;
  const json meta = node.value("metadata", json::object());
  const json spec = node.value("spec", json::object());
  const json status = node.value("status", json::object());
  n.name = meta.value("name", "");
  if (meta.contains("labels") && meta["labels"].is_object()) n.labels = meta["labels"];
  n.unschedulable = spec.value("unschedulable", false);
  for (const auto& t : spec.value("taints", json::array()))
    n.taints.push_back({t.value("key", ""), t.value("value", ""), t.value("effect", "")});
  for (const auto& c : status.value("conditions", json::array()))
    if (c.value("type", "") == "Ready") n.ready = c.value("status", "") == "True";
  const json offered = status.contains("allocatable") ? status["allocatable"] : status.value("capacity", json::object());
  auto quantity = [&](const char* resource, bool milli) -> Result<std::int64_t> {
    if (!offered.contains(resource) || !offered[resource].is_string()) return std::int64_t{0};
    const std::string text = offered[resource].get<std::string>();
    auto q = milli ? api::parse_quantity_milli(text) : api::parse_quantity(text);
    if (!q) return err("node " + n.name + ": status.allocatable." + resource + ": " + q.error().message, ErrorCode::kInvalid);
    return q;
  };
  auto cpu = quantity("cpu", true);
  if (!cpu) return cpu.error();
  auto memory = quantity("memory", false);
  if (!memory) return memory.error();
  auto pods = quantity("pods", false);
  if (!pods) return pods.error();
  n.allocatable = {*cpu, *memory, offered.contains("pods") ? *pods : kDefaultMaxPods};
  return n;
}

void Cluster::set_node(NodeInfo node) {
  if (auto it = index_.find(node.name); it != index_.end()) {
    NodeInfo& old = nodes_[it->second];
    node.pods = std::move(old.pods);
    node.requested = old.requested;
    node.score_requested = old.score_requested;
    node.pods_by_owner = std::move(old.pods_by_owner);
    old = std::move(node);
    return;
  }
  index_[node.name] = nodes_.size();
  nodes_.push_back(std::move(node));
  NodeInfo& added = nodes_.back();
  if (auto w = waiting_.find(added.name); w != waiting_.end()) {
    for (auto& pod : w->second) added.add(std::move(pod));
    waiting_.erase(w);
  }
}

void Cluster::remove_node(const std::string& name) {
  auto it = index_.find(name);
  if (it == index_.end()) return;
  auto& waiting = waiting_[name];
  waiting.insert(waiting.end(), nodes_[it->second].pods.begin(), nodes_[it->second].pods.end());
  nodes_.erase(nodes_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (std::size_t i = 0; i < nodes_.size(); ++i) index_[nodes_[i].name] = i;
}

void Cluster::place(std::shared_ptr<const PodInfo> pod, const std::string& node) {
  unplace(pod->key());
  placed_[pod->key()] = node;
  if (has_anti_affinity(*pod)) ++anti_affinity_pods_;
  if (auto it = index_.find(node); it != index_.end()) nodes_[it->second].add(std::move(pod));
  else waiting_[node].push_back(std::move(pod));
}

void Cluster::unplace(const std::string& pod_key) {
  auto it = placed_.find(pod_key);
  if (it == placed_.end()) return;
  auto drop = [&](std::vector<std::shared_ptr<const PodInfo>>& pods) {
    auto p = std::find_if(pods.begin(), pods.end(), [&](const auto& x) { return x->key() == pod_key; });
    if (p != pods.end() && has_anti_affinity(**p)) --anti_affinity_pods_;
  };
  if (auto n = index_.find(it->second); n != index_.end()) {
    drop(nodes_[n->second].pods);
    nodes_[n->second].remove(pod_key);
  } else if (auto w = waiting_.find(it->second); w != waiting_.end()) {
    drop(w->second);
    std::erase_if(w->second, [&](const auto& x) { return x->key() == pod_key; });
  }
  placed_.erase(it);
}

const NodeInfo* Cluster::node(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &nodes_[it->second];
}

}  // namespace xebec::scheduler
