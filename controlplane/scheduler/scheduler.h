// Scheduler: the running component behind `xebec scheduler`. It watches nodes and pods, keeps
// its picture of the cluster from them, places each unscheduled pod of its own (spec.schedulerName)
// and binds it through pods/binding. A pod that fits nowhere gets a PodScheduled=False condition
// and a FailedScheduling event that say why, and is tried again when the cluster changes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/client/api_client.h"
#include "controlplane/client/event_recorder.h"
#include "controlplane/client/informer.h"
#include "controlplane/client/work_queue.h"
#include "controlplane/scheduler/cluster.h"
#include "controlplane/scheduler/placement.h"

namespace xebec::scheduler {

struct SchedulerOptions {
  std::string name = "default-scheduler";  // the pods it places name it in spec.schedulerName
  std::size_t bind_workers = 16;           // binds in flight at once (each an API round trip)
  // How often pods that fit nowhere are tried again even if nothing in the cluster changed.
  std::chrono::milliseconds retry_unschedulable = std::chrono::seconds(60);
  unsigned percentage_of_nodes_to_score = 0;  // 0: kube-scheduler's adaptive figure
};

// Owns its threads: the informers', the placing loop and the bind workers.
// The client must outlive it.
class Scheduler {
 public:
  Scheduler(client::ApiClient& client, SchedulerOptions options = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Whether the node and pod caches hold their first lists, at most `timeout` from now.
  bool wait_for_sync(std::chrono::milliseconds timeout);

 private:
  struct Bind {
    std::shared_ptr<const PodInfo> pod;
    std::string node;
  };

  void on_node(const nlohmann::json& node, bool deleted);
  void on_pod(const nlohmann::json& pod, bool deleted);
  void retry_unschedulable();  // the cluster changed: pods that fit nowhere get another look
  void place_loop();
  void schedule(const std::string& key);
  void bind_loop();
  void unschedulable(const nlohmann::json& pod, const std::string& why);

  client::ApiClient& client_;
  const SchedulerOptions options_;
  client::EventRecorder events_;
  client::WorkQueue queue_;  // keys of pods to place

  std::mutex mu_;  // guards what follows
  Cluster cluster_;
  Placer placer_;
  std::set<std::string> unschedulable_;  // keys of pods that fit nowhere, waiting for a change
  std::deque<Bind> binds_;
  bool stopping_ = false;
  std::condition_variable bind_ready_, stopped_;

  std::vector<std::jthread> threads_;  // joined by the destructor, before the rest goes
  // Last, so destroyed first: their threads call the handlers, which use all of the above.
  client::Informer nodes_;
  client::Informer pods_;
};

}  // namespace xebec::scheduler
