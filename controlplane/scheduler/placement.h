// Where a pod goes: the filters that rule nodes out and the scores that rank the rest, as
// kube-scheduler's default plugins do, against the scheduler's picture of the cluster.
//
// Filters: node ready and schedulable; nodeSelector and required node affinity; taints
// (NoSchedule, NoExecute) and tolerations; cpu, memory and pod count within allocatable;
// required pod affinity and anti-affinity, including the anti-affinity of pods already placed.
// Scores: least allocated (cpu and memory), spreading of a controller's pods over nodes,
// preferred node affinity, preferred pod (anti-)affinity, and fewest untolerated
// PreferNoSchedule taints.
#pragma once

#include <cstddef>
#include <string>

#include "controlplane/scheduler/cluster.h"
#include "controlplane/scheduler/pod_info.h"

namespace xebec::scheduler {

struct Placement {
  std::string node;  // "" when the pod fits nowhere
  // Then why, node by node, in kube-scheduler's words: "0/3 nodes are available: 2 Insufficient
  // cpu, 1 node(s) didn't match pod anti-affinity rules."
  std::string reason;
};

// Not thread-safe. Like kube-scheduler, in a large cluster it stops looking once it has found
// enough feasible nodes (all of them up to 100 nodes; at 1 000 nodes, 420), and starts each
// search where the last one stopped, so that every node gets its turn.
class Placer {
 public:
  // `percentage_of_nodes_to_score`: kube-scheduler's setting of that name; 0 adapts it to the
  // cluster's size, 100 scores every feasible node.
  explicit Placer(unsigned percentage_of_nodes_to_score = 0) : percentage_(percentage_of_nodes_to_score) {}
  Placement place(const PodInfo& pod, const Cluster& cluster);

 private:
  unsigned percentage_;
  std::size_t next_start_ = 0;
};

// How many feasible nodes a search of `nodes` nodes looks for, with percentageOfNodesToScore
// `percentage` (0: kube-scheduler's adaptive one).
std::size_t feasible_nodes_to_find(std::size_t nodes, unsigned percentage = 0);

}  // namespace xebec::scheduler
