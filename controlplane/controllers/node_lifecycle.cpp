// NodeLifecycleController: sync looks at one node's heartbeat, writes its conditions and taints
// when they are out of date, then deals with the pods of a node that is not ready.
#include "controlplane/controllers/node_lifecycle.h"

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <stop_token>
#include <string_view>

#include "common/time.h"
#include "controlplane/client/json_field.h"
#include "controlplane/controllers/pods.h"

namespace xebec::controllers {

namespace {

using nlohmann::json;

const auto& at = client::object_field;  // a missing part reads as {}

const api::ResourceType& nodes_type() { return *api::find_resource("", "v1", "nodes"); }
const api::ResourceType& pods_type() { return *api::find_resource("", "v1", "pods"); }

// The conditions a kubelet posts, which go Unknown with its heartbeat. NetworkUnavailable is not
// the kubelet's and stays (as in Kubernetes).
constexpr const char* kKubeletConditions[] = {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"};
constexpr const char* kEffects[] = {"NoSchedule", "NoExecute"};

// A time field of an object, if it holds one.
std::optional<TimePoint> parse_time(const json& text) {
  return text.is_string() ? parse_rfc3339(text.get<std::string>()) : std::nullopt;
}


// The condition of that type in status.conditions, or nullptr.
const json* condition(const json& object, const std::string& type) {
  const json& conditions = at(at(object, "status"), "conditions");
  if (!conditions.is_array()) return nullptr;
  for (const auto& c : conditions)
    if (c.is_object() && c.value("type", "") == type) return &c;
  return nullptr;
}

// The node's Ready status as this controller reads it: "True", "False", or "Unknown" for any
// other value; "" when the node has no Ready condition.
std::string ready_status(const json& node) {
  const json* ready = condition(node, "Ready");
  if (!ready) return "";
  const std::string status = ready->value("status", "");
  return status == "True" || status == "False" ? status : "Unknown";
}

// The taint key a Ready status calls for: none for True.
std::string taint_for(const std::string& ready) {
  if (ready == "True") return "";
  return ready == "False" ? kTaintNotReady : kTaintUnreachable;
}

bool is_ours(const json& taint) {
  const std::string key = taint.value("key", ""), effect = taint.value("effect", "");
  return (key == kTaintUnreachable || key == kTaintNotReady) && (effect == "NoSchedule" || effect == "NoExecute");
}

// Whether the node carries one of this controller's taints or is not Ready: whether a pod
// landing on it needs a look.
bool needs_watching(const json& node) {
  if (ready_status(node) != "True") return true;
  const json& taints = at(at(node, "spec"), "taints");
  return taints.is_array() && std::any_of(taints.begin(), taints.end(), is_ours);
}

}  // namespace

NodeLifecycleController::NodeLifecycleController(client::ApiClient& client, client::Informer& nodes,
                                                 client::Informer& pods, NodeLifecycleOptions options)
    : client_(client),
      nodes_(nodes),
      pods_(pods),
      options_(std::move(options)),
      reconciler_("node", [this](const std::string& key) { return sync(key); }) {
  auto enqueue = [this](const json& node) { reconciler_.enqueue(client::object_key(node)); };
  nodes_.add_handlers({.on_add = enqueue,
                       .on_update = [enqueue](const json&, const json& node) { enqueue(node); },
                       .on_delete = enqueue});
  // A pod bound to a node that is not ready may have to go (or be marked not ready) before the
  // next tick.
  auto on_pod = [this](const json& pod) {
    const std::string node = at(pod, "spec").value("nodeName", "");
    if (node.empty()) return;
    if (const client::ObjectPtr cached = nodes_.get(node); cached && needs_watching(*cached)) reconciler_.enqueue(node);
  };
  pods_.add_handlers(
      {.on_add = on_pod, .on_update = [on_pod](const json&, const json& pod) { on_pod(pod); }, .on_delete = {}});
}

void NodeLifecycleController::start(int workers) {
  reconciler_.start(workers);
  ticker_ = std::jthread([this](std::stop_token stop) { tick(stop); });
}

void NodeLifecycleController::tick(std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any wake;
  std::unique_lock lock(mu);
  while (!stop.stop_requested()) {
    wake.wait_for(lock, stop, options_.monitor_period, [] { return false; });
    if (stop.stop_requested()) return;
    for (const auto& node : nodes_.list()) reconciler_.enqueue(client::object_key(*node));
  }
}

Status NodeLifecycleController::sync(const std::string& key) {
  const client::ObjectPtr cached = nodes_.get(key);
  if (!cached) {
    std::lock_guard lock(mu_);
    first_seen_.erase(key);
    return {};
  }
  const TimePoint now = options_.clock();
  json node = *cached;
  if (now > heartbeat_deadline(key, node, now)) {
    auto marked = mark_unknown(node, now);
    if (!marked) return marked.error().code == ErrorCode::kNotFound ? Status() : Status(marked.error());
    node = std::move(*marked);
  }
  const std::string ready = ready_status(node);
  if (ready.empty()) return {};  // it never posted status, and its grace period is still running
  auto tainted = write_taints(node, ready, now);
  if (!tainted) return tainted.error().code == ErrorCode::kNotFound ? Status() : Status(tainted.error());
  if (ready == "True") return {};
  return handle_pods(*tainted, ready, now);
}

TimePoint NodeLifecycleController::heartbeat_deadline(const std::string& name, const json& node, TimePoint now) {
  TimePoint first_seen;
  {
    std::lock_guard lock(mu_);
    first_seen = first_seen_.try_emplace(name, now).first->second;
  }
  const json* ready = condition(node, "Ready");
  std::optional<TimePoint> beat = ready ? parse_time(ready->value("lastHeartbeatTime", json())) : std::nullopt;
  if (!beat) beat = parse_time(at(node, "metadata").value("creationTimestamp", json()));
  return std::max(beat.value_or(first_seen), first_seen) + options_.grace_period;
}

Result<json> NodeLifecycleController::mark_unknown(const json& node, TimePoint now) {
  json status = at(node, "status");
  json conditions = status.value("conditions", json::array());
  if (!conditions.is_array()) conditions = json::array();
  const std::string time = rfc3339(now);
  bool changed = false;
  for (const char* type : kKubeletConditions) {
    auto it = std::find_if(conditions.begin(), conditions.end(),
                           [&](const json& c) { return c.is_object() && c.value("type", "") == type; });
    if (it == conditions.end()) {
      json never = {{"type", type},
                    {"status", "Unknown"},
                    {"reason", "NodeStatusNeverUpdated"},
                    {"message", "Kubelet never posted node status."},
                    {"lastTransitionTime", time}};
      if (const json& created = at(node, "metadata").value("creationTimestamp", json()); created.is_string())
        never["lastHeartbeatTime"] = created;
      conditions.push_back(std::move(never));
      changed = true;
    } else if (it->value("status", "") != "Unknown") {
      (*it)["status"] = "Unknown";
      (*it)["reason"] = "NodeStatusUnknown";
      (*it)["message"] = "Kubelet stopped posting node status.";
      (*it)["lastTransitionTime"] = time;
      changed = true;
    }
  }
  if (!changed) return node;
  status["conditions"] = std::move(conditions);
  json updated = node;
  updated["status"] = std::move(status);
  std::fprintf(stderr, "node %s: no heartbeat for %lld s: conditions Unknown\n", name_of(node).c_str(),
               static_cast<long long>(options_.grace_period.count()));
  // Conditional on the node as cached: a heartbeat that came meanwhile wins.
  return client_.update(nodes_type(), "", updated, "status");
}

Result<json> NodeLifecycleController::write_taints(const json& node, const std::string& ready, TimePoint now) {
  const std::string wanted = taint_for(ready);
  const json& current = at(at(node, "spec"), "taints");
  json taints = json::array();
  bool changed = false;
  std::map<std::string, bool> present;  // effect -> the wanted key carries it
  for (const auto& t : current.is_array() ? current : json::array()) {
    if (is_ours(t) && t.value("key", "") != wanted) {
      changed = true;  // dropped
      continue;
    }
    if (is_ours(t)) present[t.value("effect", "")] = true;
    taints.push_back(t);
  }
  if (!wanted.empty())
    for (const char* effect : kEffects)
      if (!present[effect]) {
        taints.push_back({{"key", wanted}, {"effect", effect}, {"timeAdded", rfc3339(now)}});
        changed = true;
      }
  if (!changed) return node;
  json updated = node;
  if (taints.empty())
    updated["spec"].erase("taints");
  else
    updated["spec"]["taints"] = std::move(taints);
  return client_.update(nodes_type(), "", updated);
}

Status NodeLifecycleController::handle_pods(const json& node, const std::string& ready, TimePoint now) {
  const std::string name = name_of(node), taint_key = taint_for(ready);
  // The eviction clock starts when the NoExecute taint was added (kept on the node, so a restart
  // of this controller does not reset it); else when the node stopped being Ready.
  std::optional<TimePoint> tainted;
  for (const auto& t : at(at(node, "spec"), "taints").is_array() ? at(at(node, "spec"), "taints") : json::array())
    if (t.value("key", "") == taint_key && t.value("effect", "") == "NoExecute")
      tainted = parse_time(t.value("timeAdded", json()));
  if (!tainted) tainted = parse_time(condition(node, "Ready")->value("lastTransitionTime", json()));
  if (!tainted) tainted = now;

  Status result;
  auto keep_first_error = [&](const Error& e) {
    if (result) result = e;
  };
  std::optional<TimePoint> next;  // the next eviction due
  for (const auto& cached : pods_.list()) {
    const json& pod = *cached;
    const json& meta = at(pod, "metadata");
    if (at(pod, "spec").value("nodeName", "") != name || meta.contains("deletionTimestamp")) continue;
    const std::string ns = meta.value("namespace", ""), pod_name = meta.value("name", "");
    if (auto delay = eviction_delay(pod, taint_key, options_.eviction_timeout)) {
      const TimePoint due = *tainted + *delay;
      if (now >= due) {
        std::fprintf(stderr, "node %s: evicting pod %s/%s: the node is %s\n", name.c_str(), ns.c_str(),
                     pod_name.c_str(), ready == "False" ? "not ready" : "unreachable");
        auto gone = client_.remove(pods_type(), ns, pod_name, {.precondition_uid = meta.value("uid", "")});
        // Gone already, or replaced by a new pod of that name (the uid precondition): done.
        if (!gone && gone.error().code != ErrorCode::kNotFound && gone.error().code != ErrorCode::kConflict)
          keep_first_error(gone.error());
        continue;
      }
      next = next ? std::min(*next, due) : due;
    }
    // No kubelet speaks for the pods of an unreachable node: they are not ready (Kubernetes'
    // MarkPodsNotReady), which takes them out of Endpoints long before they are evicted.
    if (ready != "Unknown") continue;
    const json* pod_ready = condition(pod, "Ready");
    if (!pod_ready || pod_ready->value("status", "") == "False") continue;
    json updated = pod;
    for (auto& c : updated["status"]["conditions"])
      if (c.is_object() && c.value("type", "") == "Ready") {
        c["status"] = "False";
        c["lastTransitionTime"] = rfc3339(now);
      }
    auto written = client_.update(pods_type(), ns, updated, "status");
    if (!written && written.error().code != ErrorCode::kNotFound) keep_first_error(written.error());
  }
  if (next) reconciler_.enqueue_after(name, std::chrono::duration_cast<client::Delay>(*next - now));
  return result;
}

std::optional<std::chrono::seconds> NodeLifecycleController::eviction_delay(const json& pod,
                                                                            const std::string& taint_key,
                                                                            std::chrono::seconds untolerated) {
  const json& tolerations = at(at(pod, "spec"), "tolerations");
  bool tolerated = false;
  std::optional<std::int64_t> shortest;  // of the tolerationSeconds given
  for (const auto& t : tolerations.is_array() ? tolerations : json::array()) {
    if (!t.is_object()) continue;
    const std::string effect = t.value("effect", ""), key = t.value("key", "");
    if (!effect.empty() && effect != "NoExecute") continue;
    if (t.value("operator", "Equal") == "Exists") {
      if (!key.empty() && key != taint_key) continue;
    } else if (key != taint_key || !t.value("value", "").empty()) {  // Equal: these taints have no value
      continue;
    }
    tolerated = true;
    if (const auto it = t.find("tolerationSeconds"); it != t.end() && it->is_number_integer())
      shortest = std::min(shortest.value_or(INT64_MAX), std::max<std::int64_t>(it->get<std::int64_t>(), 0));
  }
  if (!tolerated) return untolerated;
  if (!shortest) return std::nullopt;
  return std::chrono::seconds(*shortest);
}

}  // namespace xebec::controllers
