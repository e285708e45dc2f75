// Scheduler: informer handlers keep the cluster picture and queue pods; one loop places them
// (placement is quick and needs the picture whole); a pool of workers binds them (binding is an
// API round trip); the event recorder writes events. A pod is recorded on its node as soon as it is
// placed ("assumed", as kube-scheduler says), so the next placement counts it before the bind
// comes back through the watch.
#include "controlplane/scheduler/scheduler.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "controlplane/api/object_meta.h"

namespace xebec::scheduler {

namespace {

using nlohmann::json;

const api::ResourceType& type(const char* resource) { return *api::find_resource("", "v1", resource); }

const json& field(const json& object, const char* a, const char* b) {
  static const json kNull;
  if (!object.contains(a) || !object[a].is_object() || !object[a].contains(b)) return kNull;
  return object[a][b];
}

std::string text(const json& value) { return value.is_string() ? value.get<std::string>() : ""; }

bool finished(const json& pod) {
  const std::string phase = text(field(pod, "status", "phase"));
  return phase == "Succeeded" || phase == "Failed";
}

// The pod's conditions with PodScheduled=False saying `why`; nullopt when they say so already.
std::optional<json> unschedulable_conditions(const json& pod, const std::string& why) {
  json conditions = field(pod, "status", "conditions").is_array() ? field(pod, "status", "conditions") : json::array();
  for (auto& c : conditions)
    if (c.value("type", "") == "PodScheduled") {
      if (c.value("status", "") == "False" && c.value("message", "") == why) return std::nullopt;
      c = nullptr;
    }
  conditions.erase(std::remove(conditions.begin(), conditions.end(), nullptr), conditions.end());
  conditions.push_back({{"type", "PodScheduled"},
                        {"status", "False"},
                        {"reason", "Unschedulable"},
                        {"message", why},
                        {"lastProbeTime", nullptr},
                        {"lastTransitionTime", api::now_rfc3339()}});
  return conditions;
}

}  // namespace

Scheduler::Scheduler(client::ApiClient& client, SchedulerOptions options)
    : client_(client),
      options_(std::move(options)),
      events_(client, options_.name),
      placer_(options_.percentage_of_nodes_to_score),
      nodes_(client, type("nodes")),
      pods_(client, type("pods")) {}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  bind_ready_.notify_all();
  stopped_.notify_all();
  queue_.shut_down();
  threads_.clear();  // joins
}

void Scheduler::start() {
  nodes_.add_handlers({.on_add = [this](const json& n) { on_node(n, false); },
                       .on_update = [this](const json&, const json& n) { on_node(n, false); },
                       .on_delete = [this](const json& n) { on_node(n, true); }});
  pods_.add_handlers({.on_add = [this](const json& p) { on_pod(p, false); },
                      .on_update = [this](const json&, const json& p) { on_pod(p, false); },
                      .on_delete = [this](const json& p) { on_pod(p, true); }});
  nodes_.start();
  pods_.start();
  threads_.emplace_back([this] { place_loop(); });
  for (std::size_t i = 0; i < options_.bind_workers; ++i) threads_.emplace_back([this] { bind_loop(); });
  threads_.emplace_back([this] {
    std::unique_lock lock(mu_);
    while (!stopped_.wait_for(lock, options_.retry_unschedulable, [&] { return stopping_; })) {
      lock.unlock();
      retry_unschedulable();
      lock.lock();
    }
  });
}

bool Scheduler::wait_for_sync(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  return nodes_.wait_for_sync(timeout) &&
         pods_.wait_for_sync(std::chrono::duration_cast<std::chrono::milliseconds>(
             std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration::zero())));
}

void Scheduler::on_node(const json& node, bool deleted) {
  {
    std::lock_guard lock(mu_);
    if (deleted) {
      cluster_.remove_node(text(field(node, "metadata", "name")));
    } else {
      auto info = read_node(node);
      if (!info) {
        std::fprintf(stderr, "scheduler: ignoring a node: %s\n", info.error().message.c_str());
        return;
      }
      cluster_.set_node(std::move(*info));
    }
  }
  retry_unschedulable();
}

void Scheduler::on_pod(const json& pod, bool deleted) {
  const std::string key = client::object_key(pod);
  const std::string node = text(field(pod, "spec", "nodeName"));
  if (deleted || finished(pod)) {
    {
      std::lock_guard lock(mu_);
      cluster_.unplace(key);
      unschedulable_.erase(key);
    }
    if (!node.empty()) retry_unschedulable();  // what it used is free
    return;
  }
  if (node.empty()) {
    if (text(field(pod, "spec", "schedulerName")) == options_.name) queue_.add(key);
    return;
  }
  auto info = read_pod(pod);
  std::lock_guard lock(mu_);
  unschedulable_.erase(key);
  if (info) cluster_.place(std::make_shared<PodInfo>(std::move(*info)), node);
}

void Scheduler::retry_unschedulable() {
  std::set<std::string> keys;
  {
    std::lock_guard lock(mu_);
    keys.swap(unschedulable_);
  }
  for (const auto& key : keys) queue_.add(key);
}

void Scheduler::place_loop() {
  while (auto key = queue_.get()) {
    schedule(*key);
    queue_.done(*key);
  }
}

void Scheduler::schedule(const std::string& key) {
  const client::ObjectPtr pod = pods_.get(key);
  if (!pod || !text(field(*pod, "spec", "nodeName")).empty() || field(*pod, "metadata", "deletionTimestamp").is_string())
    return;
  auto info = read_pod(*pod);
  if (!info) return unschedulable(*pod, info.error().message);
  auto placed = std::make_shared<PodInfo>(std::move(*info));
  Placement placement;
  {
    std::lock_guard lock(mu_);
    if (cluster_.placed(key)) return;  // assumed already: its bind is on its way
    placement = placer_.place(*placed, cluster_);
    if (!placement.node.empty()) {
      cluster_.place(placed, placement.node);
      binds_.push_back({placed, placement.node});
    }
  }
  if (placement.node.empty()) return unschedulable(*pod, placement.reason);
  bind_ready_.notify_one();
}

void Scheduler::bind_loop() {
  while (true) {
    Bind bind;
    {
      std::unique_lock lock(mu_);
      bind_ready_.wait(lock, [&] { return stopping_ || !binds_.empty(); });
      if (stopping_) return;
      bind = std::move(binds_.front());
      binds_.pop_front();
    }
    const PodInfo& pod = *bind.pod;
    if (auto bound = client_.bind(pod.ns, pod.name, bind.node); !bound) {
      {
        std::lock_guard lock(mu_);
        cluster_.unplace(pod.key());
      }
      // Bound by someone else, or gone: the watch tells. Anything else: try again later.
      if (bound.error().code != ErrorCode::kConflict && bound.error().code != ErrorCode::kNotFound)
        queue_.add_rate_limited(pod.key());
      continue;
    }
    queue_.forget(pod.key());
    const json object = {{"metadata", {{"namespace", pod.ns}, {"name", pod.name}, {"uid", pod.uid}}}};
    events_.record(type("pods"), object, "Normal", "Scheduled", "Successfully assigned " + pod.key() + " to " + bind.node);
  }
}

void Scheduler::unschedulable(const json& pod, const std::string& why) {
  const std::string key = client::object_key(pod);
  {
    std::lock_guard lock(mu_);
    unschedulable_.insert(key);
  }
  auto conditions = unschedulable_conditions(pod, why);
  if (!conditions) return;  // told already
  const std::string ns = text(field(pod, "metadata", "namespace")), name = text(field(pod, "metadata", "name"));
  // Best effort: the condition is for the user; the retry does not depend on it.
  (void)client_.patch(type("pods"), ns, name, client::PatchType::kMerge, {{"status", {{"conditions", *conditions}}}},
                      "status");
  events_.record(type("pods"), pod, "Warning", "FailedScheduling", why);
}

}  // namespace xebec::scheduler
