// What the scheduler needs to know of a pod, read once from its JSON: what it requests, where it
// may go (node selector, node affinity, tolerations) and whom it wants near or away (pod
// affinity and anti-affinity). Filters and scores then never touch JSON on the hot path.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "controlplane/api/selector.h"

namespace xebec::scheduler {

struct Resources {
  std::int64_t cpu_milli = 0;
  std::int64_t memory = 0;  // bytes
  std::int64_t pods = 0;
  Resources& operator+=(const Resources& o) {
    cpu_milli += o.cpu_milli;
    memory += o.memory;
    pods += o.pods;
    return *this;
  }
  Resources& operator-=(const Resources& o) {
    cpu_milli -= o.cpu_milli;
    memory -= o.memory;
    pods -= o.pods;
    return *this;
  }
};

// One requirement of a node selector term: In, NotIn, Exists, DoesNotExist, Gt, Lt.
struct NodeRequirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt };
  std::string key;
  Op op = Op::kIn;
  std::vector<std::string> values;
};

// A node selector term: every requirement holds. Terms of one affinity are ORed.
struct NodeSelectorTerm {
  std::vector<NodeRequirement> requirements;
  bool matches(const nlohmann::json& node_labels) const;
};

struct Toleration {
  std::string key;  // "" with Exists: every key
  bool exists = false;  // operator Exists (else Equal)
  std::string value;
  std::string effect;  // "" : every effect
};

// A pod (anti-)affinity term: the pods its selector picks in its namespaces, in the same
// topology domain (same value of the node label topology_key) as the node.
struct PodAffinityTerm {
  api::LabelSelector selector;
  std::vector<std::string> namespaces;  // never empty: the pod's own when the term names none
  std::string topology_key;
  int weight = 0;  // for preferred terms: 1-100
  bool selects(const std::string& ns, const nlohmann::json& labels) const;
};

struct PodInfo {
  std::string ns, name, uid;
  nlohmann::json labels = nlohmann::json::object();
  std::string owner_uid;     // the controller's (ReplicaSet, ...), for spreading its pods
  std::uint64_t owner = 0;   // a hash of owner_uid (0: none): counting per node stays cheap
  std::string scheduler_name = "default-scheduler";

  Resources requests;        // what filters count: the requests as given (pods = 1)
  Resources score_requests;  // what scores count: unset requests as 100m CPU and 200 MiB

  std::vector<std::pair<std::string, std::string>> node_selector;
  std::vector<NodeSelectorTerm> required_node_terms;  // ORed; empty: any node
  std::vector<std::pair<int, NodeSelectorTerm>> preferred_node_terms;
  std::vector<Toleration> tolerations;
  std::vector<PodAffinityTerm> affinity, anti_affinity;                    // required
  std::vector<PodAffinityTerm> preferred_affinity, preferred_anti_affinity;

  std::string key() const { return ns + "/" + name; }
};

// Reads a Pod object. kInvalid naming the field when a quantity, selector or operator is wrong
// (the apiserver stores some parts of a pod as given).
Result<PodInfo> read_pod(const nlohmann::json& pod);

}  // namespace xebec::scheduler
