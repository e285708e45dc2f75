// The scheduler's picture of the cluster: each node with what it offers and the pods placed on
// it (bound, or assumed bound by this scheduler and not yet seen back from the apiserver).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "controlplane/scheduler/pod_info.h"

namespace xebec::scheduler {

struct Taint {
  std::string key, value, effect;  // effect: NoSchedule, PreferNoSchedule, NoExecute
  bool tolerated_by(const std::vector<Toleration>& tolerations) const;
};

struct NodeInfo {
  std::string name;
  nlohmann::json labels = nlohmann::json::object();
  std::vector<Taint> taints;
  bool ready = false;
  bool unschedulable = false;
  Resources allocatable;
  Resources requested;         // the sum of its pods' requests
  Resources score_requested;   // the same, with the scoring defaults
  std::vector<std::shared_ptr<const PodInfo>> pods;
  std::unordered_map<std::uint64_t, int> pods_by_owner;  // PodInfo::owner -> pods of it here

  void add(std::shared_ptr<const PodInfo> pod);
  void remove(const std::string& pod_key);
};

// Reads a Node object: labels, taints, spec.unschedulable, the Ready condition and
// status.allocatable (status.capacity when it has none; 110 pods when neither says).
Result<NodeInfo> read_node(const nlohmann::json& node);

// Not thread-safe: the scheduler's one loop owns it.
class Cluster {
 public:
  // Adds or replaces a node, keeping the pods already placed on it.
  void set_node(NodeInfo node);
  void remove_node(const std::string& name);
  // Places a pod on a node (replacing where it was); pods on unknown nodes are kept aside and
  // join their node when it arrives.
  void place(std::shared_ptr<const PodInfo> pod, const std::string& node);
  void unplace(const std::string& pod_key);

  std::vector<NodeInfo>& nodes() { return nodes_; }
  const std::vector<NodeInfo>& nodes() const { return nodes_; }
  const NodeInfo* node(const std::string& name) const;
  bool placed(const std::string& pod_key) const { return placed_.contains(pod_key); }
  // Whether any placed pod has a required anti-affinity term: only then must every placement
  // check that it does not break one.
  bool any_anti_affinity() const { return anti_affinity_pods_ > 0; }

 private:
  std::vector<NodeInfo> nodes_;
  std::unordered_map<std::string, std::size_t> index_;                  // node name -> nodes_
  std::unordered_map<std::string, std::string> placed_;                 // pod key -> node name
  std::map<std::string, std::vector<std::shared_ptr<const PodInfo>>> waiting_;  // node name -> its pods
  int anti_affinity_pods_ = 0;
};

}  // namespace xebec::scheduler
