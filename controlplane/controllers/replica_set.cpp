// ReplicaSetController: owner and pod events queue owner keys; sync compares the owner's
// replicas with its active pods in the cache and writes the difference.
#include "controlplane/controllers/replica_set.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <tuple>

#include "controlplane/client/json_field.h"
#include "controlplane/api/selector.h"
#include "controlplane/controllers/pods.h"

namespace xebec::controllers {

namespace {

using nlohmann::json;

// At most this many creates or deletes per sync, as kube-controller-manager's burstReplicas.
constexpr std::int64_t kBurstReplicas = 500;

const auto& at = client::object_field;  // a missing part reads as {}


// Which surplus pods go first: unscheduled, then pending, then not ready, then the newest.
bool deleted_before(const json& a, const json& b) {
  auto rank = [](const json& p) {
    const std::string phase = at(p, "status").value("phase", "");
    return std::tuple{!at(p, "spec").value("nodeName", "").empty(), phase == "Running", is_ready(p)};
  };
  if (rank(a) != rank(b)) return rank(a) < rank(b);
  return at(a, "metadata").value("creationTimestamp", "") > at(b, "metadata").value("creationTimestamp", "");
}

}  // namespace

std::string ReplicaSetController::source() const {
  return type_.group.empty() ? "replication-controller" : "replicaset-controller";
}

ReplicaSetController::ReplicaSetController(client::ApiClient& client, client::Informer& owners,
                                           client::Informer& pods, const api::ResourceType& type,
                                           client::EventRecorder& events)
    : client_(client),
      owners_(owners),
      pods_(pods),
      type_(type),
      events_(events),
      reconciler_(type.singular, [this](const std::string& key) { return sync(key); }) {
  auto enqueue = [this](const json& owner) { reconciler_.enqueue(client::object_key(owner)); };
  owners_.add_handlers({.on_add = enqueue,
                        .on_update = [enqueue](const json&, const json& owner) { enqueue(owner); },
                        .on_delete = enqueue});
  pods_.add_handlers({.on_add = [this](const json& pod) { on_pod(pod, PodChange::kAdded); },
                      .on_update =
                          [this](const json& old_pod, const json& pod) {
                            // A pod whose labels or owner changed may leave one owner for another.
                            if (at(old_pod, "metadata") != at(pod, "metadata")) on_pod(old_pod, PodChange::kUpdated);
                            on_pod(pod, PodChange::kUpdated);
                          },
                      .on_delete = [this](const json& pod) { on_pod(pod, PodChange::kDeleted); }});
}

void ReplicaSetController::on_pod(const json& pod, PodChange change) {
  const json* owner = controller_of(pod);
  if (!owner) {
    if (change != PodChange::kDeleted && is_active(pod))
      for (const auto& key : matching_owners(pod)) reconciler_.enqueue(key);
    return;
  }
  if (owner->value("kind", "") != type_.kind) return;
  const std::string key = ns_of(pod) + "/" + owner->value("name", "");
  if (change == PodChange::kAdded) expectations_.created(key);
  if (change == PodChange::kDeleted) expectations_.deleted(key);
  reconciler_.enqueue(key);
}

std::vector<std::string> ReplicaSetController::matching_owners(const json& pod) {
  std::vector<std::string> keys;
  const bool map_selector = type_.group.empty();
  for (const auto& owner : owners_.list()) {
    if (ns_of(*owner) != ns_of(pod)) continue;
    auto selector = selector_of(*owner, map_selector);
    if (selector && selector->matches(at(at(pod, "metadata"), "labels"))) keys.push_back(client::object_key(*owner));
  }
  return keys;
}

Status ReplicaSetController::sync(const std::string& key) {
  const client::ObjectPtr owner = owners_.get(key);
  if (!owner) {
    expectations_.forget(key);
    return {};
  }
  if (at(*owner, "metadata").contains("deletionTimestamp")) return {};
  const auto selector = selector_of(*owner, type_.group.empty());
  if (!selector) return {};
  const std::string ns = ns_of(*owner), uid = uid_of(*owner);

  std::vector<json> active;
  for (const auto& pod : pods_.list()) {
    if (ns_of(*pod) != ns || !is_active(*pod)) continue;
    const json* controller = controller_of(*pod);
    const bool labelled = selector->matches(at(at(*pod, "metadata"), "labels"));
    if (controller && controller->value("uid", "") == uid) {
      if (labelled) active.push_back(*pod);  // one relabelled out of the selection is no longer counted
    } else if (!controller && labelled) {
      // An orphan the selector matches: adopt it.
      json patch = {{"metadata", {{"ownerReferences", {controller_reference(*owner)}}, {"uid", uid_of(*pod)}}}};
      auto adopted = client_.patch(*api::find_resource("", "v1", "pods"), ns, name_of(*pod),
                                   client::PatchType::kStrategic, patch);
      if (adopted) active.push_back(*adopted);
      else if (adopted.error().code != ErrorCode::kNotFound) return adopted.error();
    }
  }

  const std::int64_t replicas = at(*owner, "spec").value("replicas", 1);
  if (expectations_.satisfied(key))
    if (Status scaled = scale(*owner, key, active, replicas); !scaled) return scaled;
  return write_status(*owner, active);
}

Status ReplicaSetController::scale(const json& owner, const std::string& key, const std::vector<json>& active,
                                   std::int64_t replicas) {
  const std::int64_t have = static_cast<std::int64_t>(active.size());
  const api::ResourceType& pods = *api::find_resource("", "v1", "pods");
  const std::string ns = ns_of(owner);
  if (have < replicas) {
    const int creates = static_cast<int>(std::min(replicas - have, kBurstReplicas));
    expectations_.expect(key, creates, 0);
    const json& tmpl = at(at(owner, "spec"), "template");
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata",
                 {{"generateName", name_of(owner) + "-"},
                  {"namespace", ns},
                  {"labels", at(at(tmpl, "metadata"), "labels")},
                  {"ownerReferences", {controller_reference(owner)}}}},
                {"spec", at(tmpl, "spec")}};
    if (at(at(tmpl, "metadata"), "annotations").is_object() && !at(at(tmpl, "metadata"), "annotations").empty())
      pod["metadata"]["annotations"] = at(at(tmpl, "metadata"), "annotations");
    for (int i = 0; i < creates; ++i) {
      auto created = client_.create(pods, ns, pod);
      if (!created) {
        // What was not created will not be seen either.
        for (int left = creates - i; left > 0; --left) expectations_.created(key);
        events_.record(type_, owner, "Warning", "FailedCreate", "Error creating: " + created.error().message,
                       source());
        return created.error();
      }
      events_.record(type_, owner, "Normal", "SuccessfulCreate", "Created pod: " + name_of(*created), source());
    }
    return {};
  }
  if (have > replicas) {
    std::vector<json> victims = active;
    std::sort(victims.begin(), victims.end(), deleted_before);
    victims.resize(static_cast<std::size_t>(std::min(have - replicas, kBurstReplicas)));
    expectations_.expect(key, 0, static_cast<int>(victims.size()));
    for (const auto& pod : victims) {
      if (auto gone = client_.remove(pods, ns, name_of(pod)); !gone) {
        expectations_.deleted(key);
        if (gone.error().code != ErrorCode::kNotFound) return gone.error();
        continue;
      }
      events_.record(type_, owner, "Normal", "SuccessfulDelete", "Deleted pod: " + name_of(pod), source());
    }
  }
  return {};
}

Status ReplicaSetController::write_status(const json& owner, const std::vector<json>& active) {
  const json& spec = at(owner, "spec");
  const std::int64_t min_ready = spec.value("minReadySeconds", 0);
  const json& template_labels = at(at(at(spec, "template"), "metadata"), "labels");
  std::int64_t labelled = 0, ready = 0, available = 0;
  const std::int64_t now = now_seconds();
  for (const auto& pod : active) {
    const json& labels = at(at(pod, "metadata"), "labels");
    bool all = true;
    for (const auto& [label, value] : template_labels.items()) all = all && labels.contains(label) && labels[label] == value;
    if (all) ++labelled;
    if (is_ready(pod)) ++ready;
    if (is_available(pod, min_ready, now)) ++available;
  }
  json status = at(owner, "status");
  json wanted = status.is_object() ? status : json::object();
  wanted["replicas"] = static_cast<std::int64_t>(active.size());
  wanted["fullyLabeledReplicas"] = labelled;
  wanted["readyReplicas"] = ready;
  wanted["availableReplicas"] = available;
  wanted["observedGeneration"] = at(owner, "metadata").value("generation", 0);
  if (wanted == status) return {};
  json updated = owner;
  updated["status"] = wanted;
  auto written = client_.update(type_, ns_of(owner), updated, "status");
  if (!written && written.error().code != ErrorCode::kNotFound) return written.error();
  // A pod that turns available later changes no pod: look again then.
  if (available < ready && min_ready > 0) reconciler_.enqueue_after(client::object_key(owner), std::chrono::seconds(min_ready));
  return {};
}

}  // namespace xebec::controllers
