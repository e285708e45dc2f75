// ObjectStorage: the objects of every served type, kept in a Store as JSON under
// /registry/RESOURCE/[NAMESPACE/]NAME, with Kubernetes' rules for metadata, defaults and
// validation, optimistic concurrency (resourceVersion = the store revision), Services'
// ClusterIPs and NodePorts, namespaces' lifecycle (no content in one that is missing or being
// deleted; deletion through spec.finalizers), lists with selectors and pages, and the error
// wording kubectl shows.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "controlplane/api/resource.h"
#include "controlplane/api/selector.h"
#include "controlplane/api/service_allocator.h"
#include "controlplane/store/store.h"

namespace xebec::api {

struct ListQuery {
  LabelSelector labels;
  FieldSelector fields;
  std::int64_t limit = 0;          // 0: no limit
  std::string continue_token;      // from the previous page's metadata.continue
  std::string resource_version;    // "" or "0": the latest; else the state at that version
};

struct DeleteOptions {
  std::string propagation_policy;  // "", "Background", "Foreground", "Orphan"
  std::string precondition_uid;    // "" or the uid the object must have
  std::string precondition_resource_version;
  bool dry_run = false;
};

// Stateless over the store; thread-safe as the store is.
class ObjectStorage {
 public:
  explicit ObjectStorage(store::Store& store) : store_(store), services_(store) {}

  static std::string key(const ResourceType& type, const std::string& ns, const std::string& name);

  // Creates, as kube-apiserver with its NamespaceLifecycle admission: a namespaced object only
  // in a namespace that exists (else kNotFound, `namespaces "x" not found`) and is not being
  // deleted (else kForbidden: the only kForbidden create returns).
  Result<nlohmann::json> create(const ResourceType& type, const std::string& ns, nlohmann::json object, bool dry_run);
  // That admission alone, for a create of `name` ("" when it is to be generated) in `ns`:
  // `pods "web" is forbidden: unable to create new content in namespace x because it is being
  // terminated`. Nothing to check for cluster-scoped types.
  Status admit_create(const ResourceType& type, const std::string& ns, const std::string& name);
  Result<nlohmann::json> get(const ResourceType& type, const std::string& ns, const std::string& name);
  // A TYPEList object; ns "" lists every namespace.
  Result<nlohmann::json> list(const ResourceType& type, const std::string& ns, const ListQuery& query);
  // PUT of an object (subresource "") or of its status ("status"): the other part is kept
  // from what is stored. A namespace's spec.finalizers change only through "finalize", which
  // changes nothing else. A resourceVersion in the body makes it conditional (kConflict).
  // An object being deleted whose finalizers are all gone is erased.
  Result<nlohmann::json> update(const ResourceType& type, const std::string& ns, const std::string& name,
                                nlohmann::json object, const std::string& subresource, bool dry_run);
  // Deletes, or with finalizers marks for deletion; returns the object as it was last. A
  // namespace with spec.finalizers is marked (status.phase Terminating) for the namespace
  // controller to empty and finalize; deleting it again is a kConflict, as in Kubernetes.
  Result<nlohmann::json> remove(const ResourceType& type, const std::string& ns, const std::string& name,
                                const DeleteOptions& options);

  // The stored text of an object, back as JSON with its resourceVersion.
  static Result<nlohmann::json> decode(const store::KeyValue& kv);

 private:
  Result<nlohmann::json> write_update(const ResourceType& type, const std::string& ns, const std::string& name,
                                      nlohmann::json object, store::Revision expected, bool dry_run);
  Error translate(const Error& e, const ResourceType& type, const std::string& name) const;
  // Removes the object from the store, and what it held (a Service's addresses and ports).
  Result<nlohmann::json> erase(const ResourceType& type, const std::string& ns, const std::string& name,
                               store::Revision expected);

  store::Store& store_;
  ServiceAllocator services_;  // ClusterIPs and NodePorts of Services
};

}  // namespace xebec::api
