// ApiClient: the seam between the control-plane components (scheduler, controllers, kubelet)
// and the apiserver. Typed calls over JSON objects: get, list, create, update, patch, delete,
// bind and watch. HttpsApiClient talks to a real apiserver; InProcessApiClient hands the same
// requests to an ApiHandler in memory, for tests.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/result.h"
#include "controlplane/api/patch.h"
#include "controlplane/api/resource.h"

namespace xebec::client {

using PatchType = api::PatchType;  // kJson (RFC 6902), kMerge (RFC 7386), kStrategic

// The option structs have default member initializers throughout so that designated
// initializers can name only what they set ({.label_selector = "app=web"}).
struct ListOptions {
  std::string label_selector{};    // "app=web,tier!=db"; "" selects all
  std::string field_selector{};    // "spec.nodeName=n1"
  std::int64_t limit = 0;          // at most this many items per page; 0: all
  std::string continue_token{};    // metadata.continue of the previous page
  std::string resource_version{};  // "": the latest state
};

struct DeleteOptions {
  std::string propagation_policy{};  // "", "Background", "Foreground", "Orphan"
  std::optional<std::int64_t> grace_period_seconds{};
  std::string precondition_uid{};  // "" or the uid the object must still have
};

struct WatchOptions {
  std::string resource_version{};  // "": the objects that exist come first, as ADDED events
  std::string label_selector{};
  std::string field_selector{};
  bool allow_bookmarks = false;      // BOOKMARK events carry the resourceVersion reached
  std::int64_t timeout_seconds = 0;  // the server ends the watch cleanly after this; 0: never
};

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark };
  Type type = Type::kAdded;
  nlohmann::json object;  // kBookmark: only kind, apiVersion and metadata.resourceVersion
};

// Where a watch's events go. Both functions are called from one thread of the watch's own, never
// at the same time: on_event for each event in order, then on_end exactly once, unless the
// watch's handle is destroyed first.
struct WatchSink {
  std::function<void(WatchEvent)> on_event;
  // Why the watch ended:
  //   ok()          the server ended it cleanly (timeoutSeconds): watch again from the last
  //                 resourceVersion seen;
  //   kGone         that resourceVersion is compacted away (an ERROR event with code 410): list
  //                 again, then watch from the list's resourceVersion;
  //   kUnavailable  the connection dropped: watch again from the last resourceVersion, after a pause;
  //   other codes   the server sent an ERROR event with that status.
  std::function<void(Status)> on_end;
};

// A running watch. Destroying it stops the watch: once the destructor returns, the sink is not
// called again. It must not be destroyed from inside the sink's functions (that would wait for
// itself).
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
};

// Thread-safe: any number of threads may call any method at once. Every error's message starts
// with what was asked ("create pods default/web: ..."), and its code says what happened:
// kNotFound (404), kAlreadyExists and kConflict (409), kGone (410), kInvalid (422),
// kBadRequest (400 and other refusals of the request's form), kForbidden (403), kUnavailable
// (no connection, a timeout, 429, 502-504: retrying may help), kUnknown (401, 500, others).
// `ns` is ignored for cluster-scoped types; for a list or watch, "" means every namespace.
// The client must outlive the watches it started.
class ApiClient {
 public:
  virtual ~ApiClient() = default;

  virtual Result<nlohmann::json> get(const api::ResourceType& type, const std::string& ns, const std::string& name) = 0;
  // The TYPEList object: items, metadata.resourceVersion and, when `limit` cut it, metadata.continue.
  virtual Result<nlohmann::json> list(const api::ResourceType& type, const std::string& ns,
                                      const ListOptions& options = {}) = 0;
  // Returns the object as stored (name generated, defaults set, resourceVersion).
  virtual Result<nlohmann::json> create(const api::ResourceType& type, const std::string& ns,
                                        const nlohmann::json& object) = 0;
  // PUT of the object named by object.metadata.name; with its metadata.resourceVersion it is
  // conditional (kConflict when the object changed since). `subresource`: "", "status" or
  // "scale" (the object is then an autoscaling/v1 Scale).
  virtual Result<nlohmann::json> update(const api::ResourceType& type, const std::string& ns,
                                        const nlohmann::json& object, const std::string& subresource = "") = 0;
  virtual Result<nlohmann::json> patch(const api::ResourceType& type, const std::string& ns, const std::string& name,
                                       PatchType patch_type, const nlohmann::json& body,
                                       const std::string& subresource = "") = 0;
  // Deletes (or, with finalizers, marks for deletion); returns the object as it was last.
  virtual Result<nlohmann::json> remove(const api::ResourceType& type, const std::string& ns, const std::string& name,
                                        const DeleteOptions& options = {}) = 0;
  // Assigns pod ns/pod to `node` (a v1 Binding); kConflict when it is already assigned.
  virtual Status bind(const std::string& ns, const std::string& pod, const std::string& node) = 0;
  // Returns once the server has accepted the watch; its refusal is the error (kGone when
  // resource_version is compacted away). Then the sink gets the events (see WatchSink).
  virtual Result<std::unique_ptr<WatchHandle>> watch(const api::ResourceType& type, const std::string& ns,
                                                     const WatchOptions& options, WatchSink sink) = 0;
};

}  // namespace xebec::client
