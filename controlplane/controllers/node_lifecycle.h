// NodeLifecycleController: notices nodes whose kubelet stopped posting status and moves their
// pods elsewhere, as Kubernetes' node lifecycle controller with its taint manager. The heartbeat
// is the Ready condition's lastHeartbeatTime (xebec has no Lease type). A node silent for longer
// than grace_period gets its kubelet conditions set to Unknown ("Kubelet stopped posting node
// status.") and the node.kubernetes.io/unreachable taints (NoSchedule, NoExecute); a node whose
// kubelet reports Ready=False gets the node.kubernetes.io/not-ready taints; a Ready node loses
// both. Pods on an unreachable node are marked Ready=False at once (so Endpoints drop them), and
// pods on a tainted node are deleted once the NoExecute taint is older than what they tolerate:
// their toleration's tolerationSeconds, forever for a toleration without it, eviction_timeout
// for none (which stands in for the 300 s tolerations Kubernetes' DefaultTolerationSeconds
// admission gives every pod).
//
// Left out: eviction rate limits per zone and the stop of evictions when every node is down
// (Kubernetes' "full disruption" mode), taints for the pressure conditions, and eviction for
// NoExecute taints other than these two.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "common/result.h"
#include "controlplane/client/api_client.h"
#include "controlplane/client/informer.h"
#include "controlplane/controllers/reconciler.h"

namespace xebec::controllers {

// The taints this controller owns.
inline constexpr const char* kTaintUnreachable = "node.kubernetes.io/unreachable";
inline constexpr const char* kTaintNotReady = "node.kubernetes.io/not-ready";

struct NodeLifecycleOptions {
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  // How long a node may go without a heartbeat before it is Unknown (node-monitor-grace-period).
  std::chrono::seconds grace_period{10};
  // How long pods without a toleration stay on a node tainted not-ready or unreachable.
  std::chrono::seconds eviction_timeout{20};
  // How often every node is looked at again (node-monitor-period).
  std::chrono::milliseconds monitor_period{1000};
  // What time it is: what heartbeats are compared with and what is written. Tests inject theirs.
  Clock clock = [] { return std::chrono::system_clock::now(); };
};

// Node and pod events queue node names; a ticker queues every node each monitor_period, since
// the event that matters here, a heartbeat that does not come, is no event. Thread-safe; the
// client and the informers (of nodes, and of every pod) must outlive it, and are started by
// the caller. Destroying it stops the ticker, then the workers.
class NodeLifecycleController {
 public:
  NodeLifecycleController(client::ApiClient& client, client::Informer& nodes, client::Informer& pods,
                          NodeLifecycleOptions options = {});
  // Starts the workers and the ticker.
  void start(int workers);

  // One reconcile of the node `key` (its name): what the workers run (public for tests).
  Status sync(const std::string& key);

  // How long after the NoExecute taint `taint_key` was added `pod` may stay on the node: the
  // shortest tolerationSeconds of its tolerations of that taint (0 when one is not positive),
  // nullopt (forever) when they all tolerate it without a limit, `untolerated` when none
  // tolerates it. Exposed for table tests.
  static std::optional<std::chrono::seconds> eviction_delay(const nlohmann::json& pod, const std::string& taint_key,
                                                            std::chrono::seconds untolerated);

 private:
  // When the node's heartbeat is due by: its last heartbeat (or creation) or, if later, when
  // this controller first saw it, plus grace_period. A controller started after an outage so
  // gives every node a grace period before calling it Unknown.
  std::chrono::system_clock::time_point heartbeat_deadline(const std::string& name, const nlohmann::json& node,
                                                           std::chrono::system_clock::time_point now);
  // Writes the Unknown conditions; returns the node as written (or as given if nothing changed).
  Result<nlohmann::json> mark_unknown(const nlohmann::json& node, std::chrono::system_clock::time_point now);
  // Writes spec.taints for a Ready status of "True", "False" or "Unknown"; returns the node.
  Result<nlohmann::json> write_taints(const nlohmann::json& node, const std::string& ready,
                                      std::chrono::system_clock::time_point now);
  // Marks the node's pods Ready=False and deletes those whose toleration ran out.
  Status handle_pods(const nlohmann::json& node, const std::string& ready, std::chrono::system_clock::time_point now);
  void tick(std::stop_token stop);

  client::ApiClient& client_;
  client::Informer& nodes_;
  client::Informer& pods_;
  const NodeLifecycleOptions options_;

  std::mutex mu_;  // guards first_seen_, by node name
  std::map<std::string, std::chrono::system_clock::time_point> first_seen_;

  Reconciler reconciler_;  // after the rest: its workers use it
  std::jthread ticker_;    // last, so stopped first: it queues into reconciler_
};

}  // namespace xebec::controllers
