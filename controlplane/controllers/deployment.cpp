// DeploymentController: deployment and ReplicaSet events (and, for Recreate, pod deletions)
// queue deployment keys; sync takes at most one rollout step from the caches and writes status.
// ReplicaSets are written with their resourceVersion, so a step decided on a cache that is
// behind fails with a conflict and is decided again, instead of being taken twice.
#include "controlplane/controllers/deployment.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <set>

#include "controlplane/api/object_meta.h"
#include "controlplane/api/selector.h"
#include "controlplane/client/json_field.h"
#include "controlplane/controllers/pods.h"

namespace xebec::controllers {

namespace {

using nlohmann::json;

const auto& at = client::object_field;  // a missing part reads as {}

constexpr const char* kRevision = "deployment.kubernetes.io/revision";
constexpr const char* kDesiredReplicas = "deployment.kubernetes.io/desired-replicas";
constexpr const char* kMaxReplicas = "deployment.kubernetes.io/max-replicas";
constexpr const char* kHashLabel = "pod-template-hash";
constexpr const char* kSource = "deployment-controller";  // what its events say they come from

// Deployment annotations that are not copied to its ReplicaSets: they describe the Deployment.
bool own_annotation(const std::string& key) {
  return key == kRevision || key == kDesiredReplicas || key == kMaxReplicas ||
         key == "deployment.kubernetes.io/revision-history" ||
         key == "kubectl.kubernetes.io/last-applied-configuration";
}

const api::ResourceType& deployments_type() { return *api::find_resource("apps", "v1", "deployments"); }
const api::ResourceType& replica_sets_type() { return *api::find_resource("apps", "v1", "replicasets"); }


std::string annotation(const json& o, const char* key) {
  return client::string_field(o, {"metadata", "annotations", key});
}

// An annotation holding a number; -1 when missing or not a number.
std::int64_t number_annotation(const json& o, const char* key) {
  const std::string text = annotation(o, key);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 18) return -1;
  return std::stoll(text);
}

std::int64_t revision_of(const json& rs) { return std::max<std::int64_t>(0, number_annotation(rs, kRevision)); }

std::int64_t number(const json& object, const char* part, const char* field, std::int64_t fallback = 0) {
  const json& value = at(at(object, part), field);
  return value.is_number_integer() ? value.get<std::int64_t>() : fallback;
}
std::int64_t spec_replicas(const json& o) { return number(o, "spec", "replicas", 1); }
std::int64_t available_of(const json& rs) { return number(rs, "status", "availableReplicas"); }

bool older(const json& a, const json& b) {
  const std::string ta = at(a, "metadata").value("creationTimestamp", "");
  const std::string tb = at(b, "metadata").value("creationTimestamp", "");
  return ta != tb ? ta < tb : name_of(a) < name_of(b);
}

// Progress is judged against a deadline unless progressDeadlineSeconds is unset or "never".
std::optional<std::int64_t> progress_deadline(const json& deployment) {
  const json& value = at(at(deployment, "spec"), "progressDeadlineSeconds");
  if (!value.is_number_integer() || value.get<std::int64_t>() == 2147483647) return std::nullopt;
  return value.get<std::int64_t>();
}

json* find_condition(json& conditions, const std::string& type) {
  for (auto& c : conditions)
    if (c.value("type", "") == type) return &c;
  return nullptr;
}

// Sets a condition as Kubernetes does: a condition whose status and reason stay is left as it
// was; one whose status stays keeps its lastTransitionTime.
void set_condition(json& conditions, const std::string& type, const std::string& status, const std::string& reason,
                   const std::string& message) {
  const std::string now = api::now_rfc3339();
  json wanted = {{"type", type},     {"status", status},  {"lastUpdateTime", now}, {"lastTransitionTime", now},
                 {"reason", reason}, {"message", message}};
  json* current = find_condition(conditions, type);
  if (!current) {
    conditions.push_back(std::move(wanted));
    return;
  }
  if (current->value("status", "") == status) {
    if (current->value("reason", "") == reason) return;
    wanted["lastTransitionTime"] = current->value("lastTransitionTime", now);
  }
  *current = std::move(wanted);
}

// The deployment status fields that count pods, zero when missing, as the Go types read them.
struct Counts {
  std::int64_t replicas, updated, ready, available;
  explicit Counts(const json& status)
      : replicas(status.value("replicas", std::int64_t{0})),
        updated(status.value("updatedReplicas", std::int64_t{0})),
        ready(status.value("readyReplicas", std::int64_t{0})),
        available(status.value("availableReplicas", std::int64_t{0})) {}
};

// The rollout moved since the stored status: more pods updated, ready or available, or fewer old.
bool progressed(const json& before, const json& after) {
  const Counts b(before), a(after);
  return a.updated > b.updated || a.replicas - a.updated < b.replicas - b.updated || a.ready > b.ready ||
         a.available > b.available;
}

// Every pod runs the current template and is available, and the spec is the one observed.
bool complete(const json& deployment, const json& status) {
  const Counts c(status);
  const std::int64_t wanted = spec_replicas(deployment);
  return c.updated == wanted && c.replicas == wanted && c.available == wanted &&
         status.value("observedGeneration", std::int64_t{0}) >= at(deployment, "metadata").value("generation", 0);
}

}  // namespace

DeploymentController::DeploymentController(client::ApiClient& client, client::Informer& deployments,
                                           client::Informer& replica_sets, client::Informer& pods,
                                           client::EventRecorder& events)
    : client_(client),
      deployments_(deployments),
      replica_sets_(replica_sets),
      pods_(pods),
      events_(events),
      reconciler_("deployment", [this](const std::string& key) { return sync(key); }) {
  auto enqueue = [this](const json& d) { reconciler_.enqueue(client::object_key(d)); };
  deployments_.add_handlers(
      {.on_add = enqueue, .on_update = [enqueue](const json&, const json& d) { enqueue(d); }, .on_delete = enqueue});
  replica_sets_.add_handlers({.on_add = [this](const json& rs) { on_replica_set(rs); },
                              .on_update =
                                  [this](const json& old_rs, const json& rs) {
                                    if (at(old_rs, "metadata") != at(rs, "metadata")) on_replica_set(old_rs);
                                    on_replica_set(rs);
                                  },
                              .on_delete = [this](const json& rs) { on_replica_set(rs); }});
  // Recreate waits for the old pods to go before it starts new ones.
  pods_.add_handlers({.on_add = {}, .on_update = {}, .on_delete = [this](const json& pod) {
                        const json* rs_ref = controller_of(pod);
                        if (!rs_ref || rs_ref->value("kind", "") != "ReplicaSet") return;
                        const client::ObjectPtr rs = replica_sets_.get(ns_of(pod) + "/" + rs_ref->value("name", ""));
                        const json* d_ref = rs ? controller_of(*rs) : nullptr;
                        if (d_ref && d_ref->value("kind", "") == "Deployment")
                          reconciler_.enqueue(ns_of(pod) + "/" + d_ref->value("name", ""));
                      }});
}

void DeploymentController::on_replica_set(const json& rs) {
  if (const json* owner = controller_of(rs)) {
    if (owner->value("kind", "") == "Deployment") reconciler_.enqueue(ns_of(rs) + "/" + owner->value("name", ""));
    return;
  }
  // An orphan: the Deployments that would adopt it.
  for (const auto& d : deployments_.list()) {
    if (ns_of(*d) != ns_of(rs)) continue;
    auto selector = selector_of(*d);
    if (selector && selector->matches(at(at(rs, "metadata"), "labels"))) reconciler_.enqueue(client::object_key(*d));
  }
}

Status DeploymentController::sync(const std::string& key) {
  const client::ObjectPtr deployment = deployments_.get(key);
  if (!deployment) return {};
  if (!selector_of(*deployment)) return {};  // validation refuses it; nothing can be selected
  Family family;
  family.deployment = *deployment;
  auto limits = rollout::limits(at(*deployment, "spec"));
  if (!limits) {
    events_.record(deployments_type(), *deployment, "Warning", "InvalidStrategy", limits.error().message, kSource);
    return {};  // until the spec changes
  }
  family.limits = *limits;
  auto replica_sets = replica_sets_of(*deployment);
  if (!replica_sets) return replica_sets.error();
  if (Status found = find_current(family, std::move(*replica_sets), false); !found) return found;

  if (at(*deployment, "metadata").contains("deletionTimestamp")) return write_status(family, false);
  if (at(*deployment, "spec").value("paused", false)) {
    if (Status resized = resize(family); !resized) return resized;
    if (Status cleaned = clean_up(family); !cleaned) return cleaned;
    return write_status(family, false);
  }
  if (is_resize(family)) {
    if (Status resized = resize(family); !resized) return resized;
    return write_status(family, false);
  }
  if (at(at(*deployment, "spec"), "strategy").value("type", "RollingUpdate") == "Recreate") return recreate(family);
  return roll(family);
}

Result<std::vector<json>> DeploymentController::replica_sets_of(const json& deployment) {
  const auto selector = selector_of(deployment);
  const std::string ns = ns_of(deployment), uid = uid_of(deployment);
  const bool being_deleted = at(deployment, "metadata").contains("deletionTimestamp");
  std::vector<json> owned;
  for (const auto& rs : replica_sets_.list()) {
    if (ns_of(*rs) != ns) continue;
    const json* controller = controller_of(*rs);
    if (controller) {
      if (controller->value("uid", "") == uid) owned.push_back(*rs);
      continue;
    }
    // An orphan the selector matches is adopted, unless either is going (a Deployment deleted
    // with --cascade=orphan has just let it go).
    if (being_deleted || !selector->matches(at(at(*rs, "metadata"), "labels")) ||
        at(*rs, "metadata").contains("deletionTimestamp"))
      continue;
    json patch = {{"metadata", {{"ownerReferences", {controller_reference(deployment)}}, {"uid", uid_of(*rs)}}}};
    auto adopted = client_.patch(replica_sets_type(), ns, name_of(*rs), client::PatchType::kStrategic, patch);
    if (adopted)
      owned.push_back(*adopted);
    else if (adopted.error().code != ErrorCode::kNotFound)
      return adopted.error();
  }
  return owned;
}

Status DeploymentController::find_current(Family& family, std::vector<json> replica_sets, bool create) {
  std::sort(replica_sets.begin(), replica_sets.end(), older);
  const json& tmpl = at(at(family.deployment, "spec"), "template");
  family.current.reset();
  family.old.clear();
  for (auto& rs : replica_sets) {
    if (!family.current && rollout::same_template(at(at(rs, "spec"), "template"), tmpl))
      family.current = std::move(rs);
    else
      family.old.push_back(std::move(rs));
  }
  if (!family.current) return create ? create_current(family) : Status{};

  // The template's ReplicaSet is current again (a rollback): it gets the newest revision, and
  // the Deployment's annotations (its change-cause) as a new one would.
  std::int64_t newest_old = 0;
  for (const auto& rs : family.old) newest_old = std::max(newest_old, revision_of(rs));
  json rs = *family.current;
  json annotations = at(at(rs, "metadata"), "annotations");
  for (const auto& [k, v] : at(at(family.deployment, "metadata"), "annotations").items())
    if (!own_annotation(k)) annotations[k] = v;
  if (revision_of(rs) <= newest_old) annotations[kRevision] = std::to_string(newest_old + 1);
  if (!annotations.empty()) rs["metadata"]["annotations"] = std::move(annotations);
  const json& min_ready = at(at(family.deployment, "spec"), "minReadySeconds");
  if (min_ready.is_number_integer() && min_ready != 0)
    rs["spec"]["minReadySeconds"] = min_ready;
  else
    rs["spec"].erase("minReadySeconds");
  if (rs != *family.current) {
    auto written = client_.update(replica_sets_type(), ns_of(rs), rs);
    if (!written) return written.error();
    family.current = std::move(*written);
  }
  return set_revision(family, annotation(*family.current, kRevision));
}

Status DeploymentController::create_current(Family& family) {
  const json& d = family.deployment;
  const json& spec = at(d, "spec");
  const std::int64_t collisions = number(d, "status", "collisionCount");
  const std::string hash = rollout::template_hash(at(spec, "template"), collisions);
  json tmpl = at(spec, "template");
  tmpl["metadata"]["labels"][kHashLabel] = hash;
  json selector = at(spec, "selector");
  selector["matchLabels"][kHashLabel] = hash;

  std::int64_t newest_old = 0, old_replicas = 0;
  for (const auto& rs : family.old) {
    newest_old = std::max(newest_old, revision_of(rs));
    old_replicas += spec_replicas(rs);
  }
  const std::int64_t wanted = spec_replicas(d);
  const bool recreate = at(spec, "strategy").value("type", "RollingUpdate") == "Recreate";
  const std::int64_t replicas =
      recreate ? wanted : rollout::new_replica_set_size(family.limits, wanted, old_replicas, 0);
  json annotations = json::object();
  for (const auto& [k, v] : at(at(d, "metadata"), "annotations").items())
    if (!own_annotation(k)) annotations[k] = v;
  annotations[kRevision] = std::to_string(newest_old + 1);
  annotations[kDesiredReplicas] = std::to_string(wanted);
  annotations[kMaxReplicas] = std::to_string(wanted + family.limits.max_surge);
  json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata",
              {{"name", name_of(d) + "-" + hash},
               {"namespace", ns_of(d)},
               {"labels", tmpl["metadata"]["labels"]},
               {"annotations", annotations},
               {"ownerReferences", {controller_reference(d)}}}},
             {"spec", {{"replicas", replicas}, {"selector", selector}, {"template", tmpl}}}};
  if (spec.contains("minReadySeconds")) rs["spec"]["minReadySeconds"] = spec["minReadySeconds"];

  auto created = client_.create(replica_sets_type(), ns_of(d), rs);
  if (!created && created.error().code == ErrorCode::kAlreadyExists) {
    // Made by an earlier sync whose cache was behind, or a different template with the same hash.
    auto existing = client_.get(replica_sets_type(), ns_of(d), name_of(rs));
    if (!existing) return existing.error();
    const json* owner = controller_of(*existing);
    if (owner && owner->value("uid", "") == uid_of(d) &&
        rollout::same_template(at(at(*existing, "spec"), "template"), at(spec, "template"))) {
      family.current = std::move(*existing);
      return set_revision(family, annotation(*family.current, kRevision));
    }
    json bumped = d;
    bumped["status"]["collisionCount"] = collisions + 1;
    if (auto written = client_.update(deployments_type(), ns_of(d), bumped, "status"); !written) return written.error();
    return err("replicaset " + name_of(rs) + " exists with another template; trying the next pod-template-hash",
               ErrorCode::kConflict);
  }
  if (!created) return created.error();
  family.current = std::move(*created);
  family.created = true;
  if (replicas > 0)
    events_.record(deployments_type(), d, "Normal", "ScalingReplicaSet",
                   "Scaled up replica set " + name_of(rs) + " from 0 to " + std::to_string(replicas), kSource);
  return set_revision(family, annotation(*family.current, kRevision));
}

Status DeploymentController::set_revision(Family& family, const std::string& revision) {
  if (annotation(family.deployment, kRevision) == revision) return {};
  json patch = {{"metadata", {{"annotations", {{kRevision, revision}}}}}};
  auto written = client_.patch(deployments_type(), ns_of(family.deployment), name_of(family.deployment),
                               client::PatchType::kMerge, patch);
  if (!written) return written.error();
  // Keep the generation this sync read the spec at: the status reports that one as observed.
  family.deployment["metadata"]["annotations"] = (*written)["metadata"]["annotations"];
  family.deployment["metadata"]["resourceVersion"] = (*written)["metadata"]["resourceVersion"];
  return {};
}

bool DeploymentController::is_resize(const Family& family) const {
  const std::int64_t wanted = spec_replicas(family.deployment);
  auto differs = [&](const json& rs) {
    const std::int64_t desired = number_annotation(rs, kDesiredReplicas);
    return spec_replicas(rs) > 0 && desired >= 0 && desired != wanted;
  };
  if (family.current && differs(*family.current)) return true;
  return std::any_of(family.old.begin(), family.old.end(), differs);
}

Status DeploymentController::resize(Family& family) {
  const std::int64_t wanted = spec_replicas(family.deployment);
  std::vector<json*> active;
  if (family.current && spec_replicas(*family.current) > 0) active.push_back(&*family.current);
  for (auto& rs : family.old)
    if (spec_replicas(rs) > 0) active.push_back(&rs);

  // One ReplicaSet with pods (or none, then the current or newest): it takes the whole size.
  if (active.size() <= 1) {
    json* target = !active.empty()       ? active.front()
                   : family.current      ? &*family.current
                   : !family.old.empty() ? &family.old.back()
                                         : nullptr;
    if (!target) return {};
    if (auto scaled = scale(family, *target, wanted); !scaled) return scaled.error();
    return {};
  }
  // The current one is complete: the old ones go.
  const json* current = family.current ? &*family.current : nullptr;
  if (current && number_annotation(*current, kDesiredReplicas) == wanted && spec_replicas(*current) == wanted &&
      available_of(*current) == wanted) {
    for (auto& rs : family.old)
      if (spec_replicas(rs) > 0)
        if (auto scaled = scale(family, rs, 0); !scaled) return scaled.error();
    return {};
  }
  if (at(at(family.deployment, "spec"), "strategy").value("type", "RollingUpdate") != "RollingUpdate") return {};
  // Mid-rollout: every ReplicaSet with pods grows or shrinks in proportion.
  std::vector<rollout::Share> shares;
  for (json* rs : active) {
    const std::int64_t age =
        std::count_if(family.old.begin(), family.old.end(), [&](const json& other) { return older(other, *rs); });
    shares.push_back(
        {.replicas = spec_replicas(*rs), .annotated_max = number_annotation(*rs, kMaxReplicas), .age = age});
  }
  const auto sizes = rollout::proportional_sizes(wanted, family.limits.max_surge,
                                                 number(family.deployment, "status", "replicas"), shares);
  for (std::size_t i = 0; i < active.size(); ++i)
    if (auto scaled = scale(family, *active[i], sizes[i]); !scaled) return scaled.error();
  return {};
}

Result<bool> DeploymentController::scale(const Family& family, json& rs, std::int64_t replicas) {
  const std::int64_t wanted = spec_replicas(family.deployment), before = spec_replicas(rs);
  const std::string desired = std::to_string(wanted);
  const std::string most = std::to_string(wanted + family.limits.max_surge);
  if (before == replicas && annotation(rs, kDesiredReplicas) == desired && annotation(rs, kMaxReplicas) == most)
    return false;
  json updated = rs;
  updated["spec"]["replicas"] = replicas;
  updated["metadata"]["annotations"][kDesiredReplicas] = desired;
  updated["metadata"]["annotations"][kMaxReplicas] = most;
  auto written = client_.update(replica_sets_type(), ns_of(rs), updated);
  if (!written) return written.error();
  rs = std::move(*written);
  if (before != replicas)
    events_.record(deployments_type(), family.deployment, "Normal", "ScalingReplicaSet",
                   std::string("Scaled ") + (replicas > before ? "up" : "down") + " replica set " + name_of(rs) +
                       " from " + std::to_string(before) + " to " + std::to_string(replicas), kSource);
  return true;
}

Status DeploymentController::roll(Family& family) {
  if (!family.current)
    if (Status made = create_current(family); !made) return made;
  const std::int64_t wanted = spec_replicas(family.deployment);
  json& current = *family.current;

  // First the new ReplicaSet grows as far as the surge allows (or shrinks to the size wanted).
  std::int64_t all = spec_replicas(current);
  for (const auto& rs : family.old) all += spec_replicas(rs);
  const std::int64_t have = spec_replicas(current);
  const std::int64_t next = have > wanted ? wanted : rollout::new_replica_set_size(family.limits, wanted, all, have);
  if (next != have) {
    auto scaled = scale(family, current, next);
    if (!scaled) return scaled.error();
    return write_status(family, true);
  }
  // Then the old ones shrink as far as availability allows.
  std::vector<rollout::ReplicaSetCounts> counts;
  for (const auto& rs : family.old) counts.push_back({spec_replicas(rs), available_of(rs)});
  const auto sizes =
      rollout::old_replica_set_sizes(family.limits, wanted, {spec_replicas(current), available_of(current)}, counts);
  bool shrunk = false;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == counts[i].replicas) continue;
    auto scaled = scale(family, family.old[i], sizes[i]);
    if (!scaled) return scaled.error();
    shrunk = true;
  }
  if (!shrunk && complete(family.deployment, at(family.deployment, "status")))
    if (Status cleaned = clean_up(family); !cleaned) return cleaned;
  return write_status(family, true);
}

Status DeploymentController::recreate(Family& family) {
  bool shrunk = false;
  for (auto& rs : family.old) {
    if (spec_replicas(rs) == 0) continue;
    auto scaled = scale(family, rs, 0);
    if (!scaled) return scaled.error();
    shrunk = true;
  }
  // The new pods start once every old one is gone.
  if (shrunk || old_pods_running(family)) return write_status(family, true);
  if (!family.current) {
    if (Status made = create_current(family); !made) return made;
  } else if (auto scaled = scale(family, *family.current, spec_replicas(family.deployment)); !scaled) {
    return scaled.error();
  }
  if (complete(family.deployment, at(family.deployment, "status")))
    if (Status cleaned = clean_up(family); !cleaned) return cleaned;
  return write_status(family, true);
}

bool DeploymentController::old_pods_running(const Family& family) const {
  std::set<std::string> old_uids;
  for (const auto& rs : family.old) {
    if (number(rs, "status", "replicas") > 0) return true;
    old_uids.insert(uid_of(rs));
  }
  for (const auto& pod : pods_.list()) {
    if (ns_of(*pod) != ns_of(family.deployment)) continue;
    const json* owner = controller_of(*pod);
    if (!owner || !old_uids.contains(owner->value("uid", ""))) continue;
    const std::string phase = at(*pod, "status").value("phase", "");
    if (phase != "Succeeded" && phase != "Failed") return true;
  }
  return false;
}

Status DeploymentController::clean_up(const Family& family) {
  const json& limit = at(at(family.deployment, "spec"), "revisionHistoryLimit");
  if (!limit.is_number_integer()) return {};
  std::vector<const json*> cleanable;
  for (const auto& rs : family.old)
    if (!at(rs, "metadata").contains("deletionTimestamp")) cleanable.push_back(&rs);
  const std::int64_t surplus = static_cast<std::int64_t>(cleanable.size()) - limit.get<std::int64_t>();
  if (surplus <= 0) return {};
  std::sort(cleanable.begin(), cleanable.end(),
            [](const json* a, const json* b) { return revision_of(*a) < revision_of(*b); });
  for (std::int64_t i = 0; i < surplus; ++i) {
    const json& rs = *cleanable[static_cast<std::size_t>(i)];
    // Only an empty one whose controller has seen it so.
    if (number(rs, "status", "replicas") != 0 || spec_replicas(rs) != 0 ||
        at(rs, "metadata").value("generation", 0) > number(rs, "status", "observedGeneration"))
      continue;
    auto gone = client_.remove(replica_sets_type(), ns_of(rs), name_of(rs));
    if (!gone && gone.error().code != ErrorCode::kNotFound) return gone.error();
  }
  return {};
}

Status DeploymentController::write_status(const Family& family, bool progress) {
  const json& d = family.deployment;
  const json& stored = at(d, "status");
  std::vector<const json*> all;
  if (family.current) all.push_back(&*family.current);
  for (const auto& rs : family.old) all.push_back(&rs);
  std::int64_t replicas = 0, ready = 0, available = 0, spec_total = 0;
  for (const json* rs : all) {
    replicas += number(*rs, "status", "replicas");
    ready += number(*rs, "status", "readyReplicas");
    available += number(*rs, "status", "availableReplicas");
    spec_total += spec_replicas(*rs);
  }
  const std::int64_t updated = family.current ? number(*family.current, "status", "replicas") : 0;
  const std::int64_t wanted = spec_replicas(d);

  // Go leaves out the counts that are zero.
  json status = json::object();
  auto put = [&](const char* field, std::int64_t value) {
    if (value != 0) status[field] = value;
  };
  put("observedGeneration", at(d, "metadata").value("generation", 0));
  put("replicas", replicas);
  put("updatedReplicas", updated);
  put("readyReplicas", ready);
  put("availableReplicas", available);
  put("unavailableReplicas", std::max<std::int64_t>(0, spec_total - available));
  if (stored.contains("collisionCount")) status["collisionCount"] = stored["collisionCount"];
  json conditions = stored.value("conditions", json::array());
  if (!conditions.is_array()) conditions = json::array();

  if (available >= wanted - family.limits.max_unavailable)
    set_condition(conditions, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.");
  else
    set_condition(conditions, "Available", "False", "MinimumReplicasUnavailable",
                  "Deployment does not have minimum availability.");

  const auto deadline = progress_deadline(d);
  const std::string rs_name = family.current ? name_of(*family.current) : "";
  const bool paused = at(d, "spec").value("paused", false);
  json* progressing = find_condition(conditions, "Progressing");
  const std::string reason = progressing ? progressing->value("reason", "") : "";
  std::optional<std::chrono::seconds> recheck;
  if (!deadline) {
    conditions.erase(std::remove_if(conditions.begin(), conditions.end(),
                                    [](const json& c) { return c.value("type", "") == "Progressing"; }),
                     conditions.end());
  } else if (paused) {
    if (reason != "DeploymentPaused")
      set_condition(conditions, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused");
  } else if (reason == "DeploymentPaused") {
    set_condition(conditions, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed");
  } else if (family.created) {
    set_condition(conditions, "Progressing", "True", "NewReplicaSetCreated",
                  "Created new replica set \"" + rs_name + "\"");
  } else if (!progressing && family.current) {
    set_condition(conditions, "Progressing", "True", "FoundNewReplicaSet", "Found new replica set \"" + rs_name + "\"");
  } else if (progress && !(Counts(status).replicas == Counts(status).updated && reason == "NewReplicaSetAvailable")) {
    if (complete(d, status)) {
      set_condition(conditions, "Progressing", "True", "NewReplicaSetAvailable",
                    "ReplicaSet \"" + rs_name + "\" has successfully progressed.");
    } else if (progressed(stored, status)) {
      // Progress renews the condition (its lastUpdateTime) even when its reason stays.
      const std::string since = progressing && progressing->value("status", "") == "True"
                                    ? progressing->value("lastTransitionTime", "")
                                    : api::now_rfc3339();
      set_condition(conditions, "Progressing", "True", "ReplicaSetUpdated",
                    "ReplicaSet \"" + rs_name + "\" is progressing.");
      json* renewed = find_condition(conditions, "Progressing");
      (*renewed)["lastUpdateTime"] = api::now_rfc3339();
      (*renewed)["lastTransitionTime"] = since;
    } else if (progressing && reason != "ProgressDeadlineExceeded") {
      const std::int64_t from = epoch_seconds(progressing->value("lastUpdateTime", ""));
      const std::int64_t left = from < 0 ? 0 : from + *deadline - now_seconds();
      if (left < 0)
        set_condition(conditions, "Progressing", "False", "ProgressDeadlineExceeded",
                      "ReplicaSet \"" + rs_name + "\" has timed out progressing.");
      else
        recheck = std::chrono::seconds(left + 1);  // look again when the deadline passes
    }
  }
  if (!conditions.empty()) status["conditions"] = conditions;

  if (status != stored) {
    json updated_object = d;
    updated_object["status"] = status;
    auto written = client_.update(deployments_type(), ns_of(d), updated_object, "status");
    if (!written && written.error().code != ErrorCode::kNotFound) return written.error();
  }
  if (recheck) reconciler_.enqueue_after(client::object_key(d), *recheck);
  return {};
}

}  // namespace xebec::controllers
