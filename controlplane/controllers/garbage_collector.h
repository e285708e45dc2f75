// GarbageCollector: deletes what its owners left behind, as Kubernetes' garbage collector does.
// From the events of one informer per watched type it keeps a graph of owner -> dependents by
// uid (ownerReferences), and reconciles each object it has reason to look at:
//   - a dependent none of whose owners is still there (each checked against the apiserver: a
//     404, or an object of that name with another uid) is deleted, propagation Background (or
//     as its own orphan / foregroundDeletion finalizer says); one with owners gone and owners
//     left keeps the live ones and loses the references to the others;
//   - an owner deleted with propagationPolicy=Foreground (deletionTimestamp, "foregroundDeletion"
//     finalizer) has its dependents deleted first (Foreground for those with dependents of
//     their own), and loses the finalizer once no dependent with blockOwnerDeletion is left;
//   - an owner deleted with propagationPolicy=Orphan ("orphan" finalizer) has its reference
//     removed from every dependent, then loses the finalizer.
// Whether an owner is gone is always asked of the apiserver, never of a cache alone; so is, before
// a foregroundDeletion or orphan finalizer goes, which dependents are left (a list of each served
// type in the owner's namespace), as the graph may not show yet one just made.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "controlplane/client/api_client.h"
#include "controlplane/client/informer.h"
#include "controlplane/controllers/reconciler.h"

namespace xebec::controllers {

class GarbageCollector {
 public:
  // `informers`: one per resource type whose objects may be owners or dependents (pods,
  // replicasets, deployments, ...), shared and started by the caller; they and the client must
  // outlive this. Objects of types not watched are seen only as the owners dependents name.
  GarbageCollector(client::ApiClient& client, std::vector<client::Informer*> informers);
  // Workers wait (re-queueing) until every informer has synced: a graph without some dependents
  // would let a Foreground owner go before them.
  void start(int workers) { reconciler_.start(workers); }

  // One reconcile of the object with uid `key` (public for tests).
  Status sync(const std::string& key);

 private:
  // An object of the graph: one an informer showed, or one only named by ownerReferences.
  struct Node {
    const api::ResourceType* type = nullptr;  // nullptr: a kind not served (never looked up)
    std::string ns, name;
    bool observed = false;               // in an informer's cache; else "virtual": named by dependents only
    bool being_deleted = false;          // it has a deletionTimestamp
    bool deleting_dependents = false;    // ... and the foregroundDeletion finalizer
    std::vector<nlohmann::json> owners;  // its ownerReferences, as last seen
    std::set<std::string> dependents;    // uids of the observed objects that name it as owner
  };
  // Who to ask the apiserver about.
  struct Identity {
    const api::ResourceType* type = nullptr;
    std::string ns, name, uid;
  };
  struct Dependent {
    Identity id;
    bool blocking = false;  // its reference to the owner has blockOwnerDeletion
    bool being_deleted = false;
  };

  void on_object(const nlohmann::json& object);
  void on_deleted(const nlohmann::json& object);
  // Removes `uid` from its owners' dependents (under mu_); returns the owners.
  std::vector<std::string> unlink_locked(const std::string& uid, const std::vector<nlohmann::json>& owners);
  bool synced() const;

  // The three things a reconcile may do, on the object `item` as the apiserver has it now.
  Status delete_if_orphaned(const Identity& id, const nlohmann::json& item);
  Status delete_dependents(const Identity& id, const nlohmann::json& item);
  Status orphan_dependents(const Identity& id, const nlohmann::json& item);
  // Removes the ownerReferences to `owners` (uids) from the object `id`, as it is now.
  Status remove_owner_references(const Identity& id, const std::set<std::string>& owners);
  Status remove_finalizer(const Identity& id, const nlohmann::json& item, const std::string& finalizer);
  // The observed dependents of `uid`, as the graph has them.
  std::vector<Dependent> dependents_of(const std::string& uid);
  // The dependents of `owner` the apiserver has now, of every served type (lists of the owner's
  // namespace): for the last word before a finalizer goes.
  Result<std::vector<Dependent>> live_dependents(const Identity& owner);
  bool has_dependents(const std::string& uid);

  client::ApiClient& client_;
  const std::vector<client::Informer*> informers_;
  std::mutex mu_;  // the graph below: written by the informers' threads, read by the workers
  std::unordered_map<std::string, Node> graph_;  // by uid
  Reconciler reconciler_;                        // last: its workers use the rest
};

}  // namespace xebec::controllers
