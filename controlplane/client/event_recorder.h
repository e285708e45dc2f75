// EventRecorder: how components tell users what they did and why, as core/v1 Events (what
// `kubectl get events` and `kubectl describe` show). Best effort, as client-go's recorder: the
// events wait in a bounded queue for one writer thread, and under load the newest are dropped
// rather than slow the component's real work down; a failed write is not retried.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "controlplane/client/api_client.h"

namespace xebec::client {

// Thread-safe. The client must outlive it.
class EventRecorder {
 public:
  static constexpr std::size_t kMaxQueued = 1000;

  // `component`: the event's source ("default-scheduler", "deployment-controller").
  EventRecorder(ApiClient& client, std::string component);
  // Stops the writer; what is still queued is dropped.
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // An event about `object` (of `type`): `kind` is "Normal" or "Warning", `reason` one
  // CamelCase word ("ScalingReplicaSet"), `message` a sentence for people. `source` names
  // the part of the component that acted ("deployment-controller"); "": the component.
  void record(const api::ResourceType& type, const nlohmann::json& object, const std::string& kind,
              const std::string& reason, const std::string& message, const std::string& source = "");

 private:
  void write_loop();

  ApiClient& client_;
  const std::string component_;
  std::mutex mu_;
  std::deque<nlohmann::json> queue_;
  bool stopping_ = false;
  std::condition_variable ready_;
  std::jthread writer_;  // last: started once the rest exists
};

}  // namespace xebec::client
