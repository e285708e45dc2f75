// GarbageCollector: informer events keep the owner graph and queue the uids of the objects to look
// at (dependents whose owners the informers do not show or that are deleting their dependents,
// owners being deleted with the orphan or foregroundDeletion finalizer); sync reads the object
// from the apiserver and does what its state asks.
#include "controlplane/controllers/garbage_collector.h"

#include <algorithm>
#include <chrono>
#include <string_view>

#include "controlplane/client/json_field.h"

namespace xebec::controllers {

namespace {

using nlohmann::json;

// How soon a key taken before every informer synced is looked at again.
constexpr std::chrono::milliseconds kSyncWait{100};
// How soon a Foreground owner whose dependents the apiserver has but the graph does not yet
// show is looked at again (their events normally bring it back sooner).
constexpr std::chrono::seconds kGraphWait{1};

constexpr const char* kForeground = "foregroundDeletion";
constexpr const char* kOrphan = "orphan";

const auto& at = client::object_field;  // a missing part reads as {}

// Fields read without exceptions: ownerReferences are what users wrote.
std::string str(const json& o, std::string_view field) { return client::string_field(o, {field}); }
std::string meta_str(const json& o, std::string_view field) { return client::string_field(o, {"metadata", field}); }
std::string uid_of(const json& o) { return meta_str(o, "uid"); }
bool being_deleted(const json& o) { return at(o, "metadata").contains("deletionTimestamp"); }

bool has_finalizer(const json& o, const char* finalizer) {
  const json& finalizers = at(at(o, "metadata"), "finalizers");
  return finalizers.is_array() && std::find(finalizers.begin(), finalizers.end(), finalizer) != finalizers.end();
}

// The served type of apiVersion + kind ("apps/v1", "ReplicaSet"); nullptr for one not served.
const api::ResourceType* type_for(const json& object) {
  const std::string api_version = str(object, "apiVersion"), kind = str(object, "kind");
  for (const auto& t : api::resource_types())
    if (t.api_version() == api_version && t.kind == kind) return &t;
  return nullptr;
}

// The object's ownerReferences that name an owner by uid.
std::vector<json> owner_references(const json& object) {
  std::vector<json> refs;
  const json& given = at(at(object, "metadata"), "ownerReferences");
  if (!given.is_array()) return refs;
  for (const auto& ref : given)
    if (!str(ref, "uid").empty()) refs.push_back(ref);
  return refs;
}

std::string uid_of_ref(const json& ref) { return str(ref, "uid"); }

bool blocks(const json& ref) {
  const json& block = client::object_field(ref, "blockOwnerDeletion");
  return block.is_boolean() && block.get<bool>();
}

// A read, delete or patch that found the object gone has nothing left to do.
Status ignore_not_found(const Error& e) {
  if (e.code == ErrorCode::kNotFound) return {};
  return e;
}

}  // namespace

GarbageCollector::GarbageCollector(client::ApiClient& client, std::vector<client::Informer*> informers)
    : client_(client),
      informers_(std::move(informers)),
      reconciler_("garbagecollector", [this](const std::string& key) { return sync(key); }) {
  for (client::Informer* informer : informers_)
    informer->add_handlers({.on_add = [this](const json& o) { on_object(o); },
                            .on_update =
                                [this](const json& old_object, const json& object) {
                                  // A missed delete and create of the same name: two objects.
                                  if (uid_of(old_object) != uid_of(object)) on_deleted(old_object);
                                  on_object(object);
                                },
                            .on_delete = [this](const json& o) { on_deleted(o); }});
}

bool GarbageCollector::synced() const {
  return std::all_of(informers_.begin(), informers_.end(), [](const client::Informer* i) { return i->has_synced(); });
}

void GarbageCollector::on_object(const json& object) {
  const std::string uid = uid_of(object);
  if (uid.empty()) return;
  std::vector<std::string> queue;
  {
    std::lock_guard lock(mu_);
    Node& node = graph_[uid];  // references to map elements outlive rehashing
    const std::vector<json> before = std::move(node.owners);
    node.type = type_for(object);
    node.ns = meta_str(object, "namespace");
    node.name = meta_str(object, "name");
    node.observed = true;
    node.being_deleted = being_deleted(object);
    node.deleting_dependents = node.being_deleted && has_finalizer(object, kForeground);
    node.owners = owner_references(object);

    std::set<std::string> now;
    for (const auto& ref : node.owners) now.insert(uid_of_ref(ref));
    std::vector<json> dropped;
    for (const auto& ref : before)
      if (!now.contains(uid_of_ref(ref))) dropped.push_back(ref);
    for (const auto& owner : unlink_locked(uid, dropped)) queue.push_back(owner);

    bool look = false;
    for (const auto& ref : node.owners) {
      Node& owner = graph_[uid_of_ref(ref)];
      if (!owner.observed && owner.name.empty()) {  // first named here: a virtual node
        owner.type = type_for(ref);
        owner.ns = owner.type && owner.type->namespaced ? node.ns : "";
        owner.name = str(ref, "name");
      }
      owner.dependents.insert(uid);
      // An owner the informers do not show may be gone (or of a type not watched); one deleting
      // its dependents waits for this one.
      look = look || !owner.observed || owner.deleting_dependents;
    }
    if (look || (node.being_deleted && (has_finalizer(object, kOrphan) || node.deleting_dependents)))
      queue.push_back(uid);
  }
  for (const auto& key : queue) reconciler_.enqueue(key);
}

void GarbageCollector::on_deleted(const json& object) {
  const std::string uid = uid_of(object);
  std::vector<std::string> queue;
  {
    std::lock_guard lock(mu_);
    auto it = graph_.find(uid);
    if (it == graph_.end()) return;
    queue = unlink_locked(uid, it->second.owners);
    it = graph_.find(uid);  // unlinking erases virtual nodes: not this one, unless it owned itself
    if (it == graph_.end()) return;
    Node& node = it->second;
    // Its dependents now name an owner that is gone.
    for (const auto& dependent : node.dependents) queue.push_back(dependent);
    if (node.dependents.empty()) {
      graph_.erase(it);
    } else {
      node.observed = node.being_deleted = node.deleting_dependents = false;
      node.owners.clear();
    }
  }
  for (const auto& key : queue) reconciler_.enqueue(key);
}

std::vector<std::string> GarbageCollector::unlink_locked(const std::string& uid, const std::vector<json>& owners) {
  std::vector<std::string> waiting;  // owners that wait for their dependents to go
  for (const auto& ref : owners) {
    auto it = graph_.find(uid_of_ref(ref));
    if (it == graph_.end()) continue;
    it->second.dependents.erase(uid);
    if (it->second.deleting_dependents) waiting.push_back(it->first);
    if (!it->second.observed && it->second.dependents.empty()) graph_.erase(it);
  }
  return waiting;
}

std::vector<GarbageCollector::Dependent> GarbageCollector::dependents_of(const std::string& uid) {
  std::vector<Dependent> out;
  std::lock_guard lock(mu_);
  auto it = graph_.find(uid);
  if (it == graph_.end()) return out;
  for (const auto& d : it->second.dependents) {
    auto dep = graph_.find(d);
    if (dep == graph_.end() || !dep->second.observed || !dep->second.type) continue;
    const Node& node = dep->second;
    bool blocking = false;
    for (const auto& ref : node.owners) blocking = blocking || (uid_of_ref(ref) == uid && blocks(ref));
    out.push_back({{node.type, node.ns, node.name, d}, blocking, node.being_deleted});
  }
  return out;
}

bool GarbageCollector::has_dependents(const std::string& uid) {
  std::lock_guard lock(mu_);
  auto it = graph_.find(uid);
  return it != graph_.end() && !it->second.dependents.empty();
}

Status GarbageCollector::sync(const std::string& key) {
  if (!synced()) {
    reconciler_.enqueue_after(key, kSyncWait);
    return {};
  }
  Identity id;
  {
    std::lock_guard lock(mu_);
    auto it = graph_.find(key);
    if (it == graph_.end() || !it->second.observed || !it->second.type) return {};
    id = {it->second.type, it->second.ns, it->second.name, key};
  }
  // The object as it is now: the cache may be behind.
  auto live = client_.get(*id.type, id.ns, id.name);
  if (!live) return ignore_not_found(live.error());
  if (uid_of(*live) != key) return {};  // replaced: the informer tells of the old one's end
  if (being_deleted(*live)) {
    if (has_finalizer(*live, kOrphan)) return orphan_dependents(id, *live);
    if (has_finalizer(*live, kForeground)) return delete_dependents(id, *live);
    return {};
  }
  return delete_if_orphaned(id, *live);
}

Status GarbageCollector::delete_if_orphaned(const Identity& id, const json& item) {
  const std::vector<json> refs = owner_references(item);
  if (refs.empty()) return {};
  bool solid = false, waiting = false;
  std::set<std::string> dropped;  // owners gone, or deleting their dependents
  for (const auto& ref : refs) {
    const api::ResourceType* type = type_for(ref);
    // A kind not served, or a namespaced owner of a cluster-scoped object, cannot be looked up:
    // kept, as Kubernetes keeps what it cannot resolve.
    if (!type || (type->namespaced && id.ns.empty())) {
      solid = true;
      continue;
    }
    auto owner = client_.get(*type, type->namespaced ? id.ns : "", str(ref, "name"));
    if (!owner && owner.error().code != ErrorCode::kNotFound) return owner.error();
    if (!owner || uid_of(*owner) != uid_of_ref(ref)) {
      dropped.insert(uid_of_ref(ref));
    } else if (being_deleted(*owner) && has_finalizer(*owner, kForeground)) {
      waiting = true;
      dropped.insert(uid_of_ref(ref));
    } else {
      solid = true;
    }
  }
  // An owner is left: it keeps the object, which no longer names the others.
  if (solid) return dropped.empty() ? Status{} : remove_owner_references(id, dropped);

  std::string policy = "Background";
  if (waiting && has_dependents(id.uid))
    policy = "Foreground";  // its owner waits for its dependents too
  else if (has_finalizer(item, kOrphan))
    policy = "Orphan";
  else if (has_finalizer(item, kForeground))
    policy = "Foreground";
  auto gone = client_.remove(*id.type, id.ns, id.name, {.propagation_policy = policy, .precondition_uid = id.uid});
  if (!gone && gone.error().code != ErrorCode::kConflict) return ignore_not_found(gone.error());
  return {};
}

Status GarbageCollector::delete_dependents(const Identity& id, const json& item) {
  bool blocked = false;
  for (const auto& dependent : dependents_of(id.uid)) {
    blocked = blocked || dependent.blocking;
    if (!dependent.being_deleted) reconciler_.enqueue(dependent.id.uid);  // it sees its owner waiting
  }
  // Called again as dependents go (their deletes reach the graph).
  if (blocked) return {};
  // The graph may not show yet a dependent just made: the apiserver has the last word.
  auto live = live_dependents(id);
  if (!live) return live.error();
  if (std::any_of(live->begin(), live->end(), [](const Dependent& d) { return d.blocking; })) {
    reconciler_.enqueue_after(id.uid, kGraphWait);  // once the informers show them
    return {};
  }
  return remove_finalizer(id, item, kForeground);
}

Status GarbageCollector::orphan_dependents(const Identity& id, const json& item) {
  // Every dependent the apiserver has, not only those the graph shows yet.
  auto live = live_dependents(id);
  if (!live) return live.error();
  for (const auto& dependent : *live)
    if (Status ok = remove_owner_references(dependent.id, {id.uid}); !ok) return ok;
  return remove_finalizer(id, item, kOrphan);
}

Result<std::vector<GarbageCollector::Dependent>> GarbageCollector::live_dependents(const Identity& owner) {
  std::vector<Dependent> out;
  for (const auto& type : api::resource_types()) {
    // Dependents live in their owner's namespace; a cluster-scoped owner's anywhere.
    if (owner.type->namespaced && !type.namespaced) continue;
    auto list = client_.list(type, owner.type->namespaced ? owner.ns : "");
    if (!list) return list.error();
    const json& items = at(*list, "items");
    for (const auto& object : items.is_array() ? items : json::array())
      for (const auto& ref : owner_references(object))
        if (uid_of_ref(ref) == owner.uid) {
          out.push_back({{&type, meta_str(object, "namespace"), meta_str(object, "name"), uid_of(object)},
                         blocks(ref),
                         being_deleted(object)});
          break;
        }
  }
  return out;
}

Status GarbageCollector::remove_owner_references(const Identity& id, const std::set<std::string>& owners) {
  auto live = client_.get(*id.type, id.ns, id.name);
  if (!live) return ignore_not_found(live.error());
  if (uid_of(*live) != id.uid) return {};
  json kept = json::array();
  for (const auto& ref : owner_references(*live))
    if (!owners.contains(uid_of_ref(ref))) kept.push_back(ref);
  if (kept.size() == owner_references(*live).size()) return {};
  // Conditional on the version read: a concurrent change is a kConflict, and a retry.
  const json patch = {{"metadata",
                       {{"ownerReferences", kept.empty() ? json(nullptr) : kept},
                        {"resourceVersion", meta_str(*live, "resourceVersion")}}}};
  auto patched = client_.patch(*id.type, id.ns, id.name, client::PatchType::kMerge, patch);
  if (!patched) return ignore_not_found(patched.error());
  return {};
}

Status GarbageCollector::remove_finalizer(const Identity& id, const json& item, const std::string& finalizer) {
  json kept = json::array();
  for (const auto& f : at(at(item, "metadata"), "finalizers"))
    if (f != finalizer) kept.push_back(f);
  const json patch = {
      {"metadata",
       {{"finalizers", kept.empty() ? json(nullptr) : kept}, {"resourceVersion", meta_str(item, "resourceVersion")}}}};
  auto patched = client_.patch(*id.type, id.ns, id.name, client::PatchType::kMerge, patch);
  if (!patched) return ignore_not_found(patched.error());
  return {};
}

}  // namespace xebec::controllers
