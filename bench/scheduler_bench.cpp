// The scheduler's decision rate: filter + score per pod against its cached picture of the
// cluster, 10 000 pods of 100 ReplicaSets onto 1 000 nodes (nodes are objects, no agents), with
// kube-scheduler's adaptive node sampling and, in the same run, scoring every node. Each pod is
// read from its JSON, placed and recorded as the scheduler's loop does. Prints figures; asserts
// nothing.
//
//   scheduler_bench [--nodes N] [--pods N] [--anti-affinity]
//
// The end-to-end rate through the apiserver (create to bind) needs `xebec scheduler`; see
// bench/README.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/timing.h"
#include "controlplane/scheduler/placement.h"

namespace {

using namespace xebec;
using nlohmann::json;

json node(int i) {
  return {{"metadata",
           {{"name", "node-" + std::to_string(i)},
            {"labels", {{"kubernetes.io/hostname", "node-" + std::to_string(i)}, {"zone", "z" + std::to_string(i % 10)}}}}},
          {"status",
           {{"allocatable", {{"cpu", "32"}, {"memory", "128Gi"}, {"pods", "110"}}},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

json pod(int i, int owners, bool anti_affinity) {
  const std::string owner = "rs-" + std::to_string(i % owners);
  const json container = {{"name", "app"},
                          {"image", "busybox"},
                          {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}}}};
  json p = {{"metadata",
             {{"name", owner + "-" + std::to_string(i)},
              {"namespace", "default"},
              {"labels", {{"app", owner}}},
              {"ownerReferences", {{{"kind", "ReplicaSet"}, {"name", owner}, {"uid", owner}, {"controller", true}}}}}},
            {"spec", {{"containers", {container}}}}};
  if (anti_affinity)
    p["spec"]["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] = {
        {{"weight", 100},
         {"podAffinityTerm", {{"labelSelector", {{"matchLabels", {{"app", owner}}}}}, {"topologyKey", "zone"}}}}};
  return p;
}

// Pods placed per second, reading each from JSON as the scheduler's informer hands it over.
double decisions_per_second(int nodes, const std::vector<json>& pods, unsigned percentage) {
  scheduler::Cluster cluster;
  for (int i = 0; i < nodes; ++i) cluster.set_node(*scheduler::read_node(node(i)));
  scheduler::Placer placer(percentage);
  std::size_t unplaced = 0;
  bench::Stopwatch clock;
  for (const auto& p : pods) {
    auto info = std::make_shared<scheduler::PodInfo>(*scheduler::read_pod(p));
    const auto placement = placer.place(*info, cluster);
    if (placement.node.empty()) ++unplaced;
    else cluster.place(std::move(info), placement.node);
  }
  const double seconds = clock.seconds();
  if (unplaced > 0) std::printf("  (%zu pods fit nowhere)\n", unplaced);
  return static_cast<double>(pods.size()) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The scheduler's in-process decision rate", "scheduler_bench"};
  int nodes = 1000, pod_count = 10000;
  bool anti_affinity = false;
  app.add_option("--nodes", nodes, "Nodes in the cluster")->capture_default_str();
  app.add_option("--pods", pod_count, "Pods to place")->capture_default_str();
  app.add_flag("--anti-affinity", anti_affinity, "Give each ReplicaSet's pods a preferred anti-affinity by zone");
  CLI11_PARSE(app, argc, argv);

  std::vector<json> pods;
  for (int i = 0; i < pod_count; ++i) pods.push_back(pod(i, 100, anti_affinity));
  std::printf("scheduler_bench: %d pods of 100 ReplicaSets onto %d nodes%s\n\n", pod_count, nodes,
              anti_affinity ? ", preferred anti-affinity by zone" : "");
  const double sampled = decisions_per_second(nodes, pods, 0);
  const double every = decisions_per_second(nodes, pods, 100);
  std::printf("  %-52s %10.0f pods/s\n", "adaptive sampling (kube-scheduler's default)", sampled);
  std::printf("  %-52s %10.0f pods/s\n", "every node scored (percentageOfNodesToScore=100)", every);
  std::printf("\n  sampling is %.1fx scoring every node\n", sampled / every);
  std::printf("  target >= 20000 pods/s in process: %s (%.2fx)\n", sampled >= 20000 ? "met" : "NOT met", sampled / 20000);
  return 0;
}
