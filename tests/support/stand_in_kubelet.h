// StandInKubelet: what integration tests run in place of a node's kubelet until xebec has one.
// It registers its Node, posts the node's status (the Ready heartbeat) every heartbeat period,
// and reports the pods bound to it as running: phase Running, an IP from the node's pod CIDR,
// Ready, container statuses. No container runs; stop() makes it fall silent as a dead kubelet.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "common/result.h"
#include "controlplane/client/api_client.h"
#include "controlplane/client/informer.h"
#include "controlplane/client/work_queue.h"

namespace xebec::testing {

struct StandInKubeletOptions {
  std::string cpu = "4";  // status.capacity and allocatable
  std::string memory = "8Gi";
  std::string pods = "110";
  // spec.podCIDR of a node it registers, an IPv4 /8 to /30; pod IPs come from the node's
  // spec.podCIDR (this one unless the node already had another), from its third address on.
  std::string pod_cidr = "10.244.0.0/24";
  // The node's InternalIP, each pod's hostIP. "": the pod CIDR's first address (the one a
  // bridge CNI gives the node), so that nodes with different CIDRs have different IPs.
  std::string internal_ip{};
  std::chrono::milliseconds heartbeat_period = std::chrono::seconds(1);
  // How long after a pod is first seen it turns Running, so that rollouts take observable time.
  std::chrono::milliseconds start_delay{0};
  std::map<std::string, std::string> labels{};  // besides kubernetes.io/hostname, os and arch
};

// Owns its threads: the pod informer's, one that heartbeats and one that writes pod statuses.
// Thread-safe; the client must outlive it. Destroying it stops it.
class StandInKubelet {
 public:
  StandInKubelet(client::ApiClient& client, std::string node, StandInKubeletOptions options = {});
  ~StandInKubelet();
  StandInKubelet(const StandInKubelet&) = delete;
  StandInKubelet& operator=(const StandInKubelet&) = delete;

  // Registers the node if it is absent and posts its status, waits for the first list of its
  // pods, then starts heartbeating and running pods. Errors: a pod CIDR that is not IPv4, a
  // node that cannot be registered (kUnavailable while the apiserver is not up: start() may
  // then be called again), pods that cannot be listed within 30 s.
  Status start();
  // Stops the heartbeat and all work on pods; once it returns, it writes nothing more.
  void stop();

  const std::string& node() const { return node_; }

 private:
  struct Range {  // host order
    std::uint32_t first = 0, last = 0;
  };

  Status create_node();  // with the status of a first heartbeat
  Status post_status();  // one heartbeat
  nlohmann::json node_status(const nlohmann::json& current) const;
  // The status the pod has once running with IP `ip`, times kept from `current`'s.
  nlohmann::json pod_status(const nlohmann::json& pod, const std::string& ip) const;
  void heartbeat_loop(std::stop_token stop);
  void pod_loop();
  Status sync_pod(const std::string& key);
  // The IP of the pod with that uid: the one it has (if in range and free), or the next free one.
  Result<std::string> address_for(const std::string& uid, const std::string& current);
  void release(const nlohmann::json& pod);

  client::ApiClient& client_;
  const std::string node_;
  const StandInKubeletOptions options_;
  std::string cidr_, internal_ip_;  // set by start(), read-only after

  std::mutex mu_;  // guards what follows
  Range range_;
  std::map<std::string, std::uint32_t> ips_;                           // pod uid -> address
  std::map<std::uint32_t, std::string> owners_;                        // address -> pod uid
  std::map<std::string, std::chrono::steady_clock::time_point> seen_;  // pod key -> first seen

  client::WorkQueue queue_;                 // keys of pods to look at
  std::unique_ptr<client::Informer> pods_;  // of the pods bound to the node; after queue_, which it feeds
  std::atomic<bool> stopping_ = false;
  std::jthread heartbeat_, worker_;
};

}  // namespace xebec::testing
