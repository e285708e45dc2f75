// NamespaceController: namespace events queue the names of namespaces being deleted; sync deletes
// their content type by type, writes the conditions that say what is left, and finalizes them
// once nothing is.
#include "controlplane/controllers/namespace.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include "controlplane/api/object_meta.h"
#include "controlplane/client/json_field.h"

namespace xebec::controllers {

namespace {

using nlohmann::json;

// How soon a namespace whose content is not all gone (objects held by finalizers) is looked at
// again, as kube-controller-manager requeues after its estimate.
constexpr std::chrono::seconds kContentRecheck{1};

// The finalizer of spec.finalizers this controller owns.
constexpr const char* kFinalizer = "kubernetes";

const auto& at = client::object_field;  // a missing part reads as {}

const api::ResourceType& namespaces_type() { return *api::find_resource("", "v1", "namespaces"); }

bool being_deleted(const json& object) { return at(object, "metadata").contains("deletionTimestamp"); }

json spec_finalizers(const json& ns) {
  const json& finalizers = at(at(ns, "spec"), "finalizers");
  return finalizers.is_array() ? finalizers : json::array();
}

// The conditions the controller keeps, in Kubernetes' order, with what they say when all is well.
struct ConditionKind {
  const char* type;
  const char* ok_reason;
  const char* ok_message;
};
constexpr ConditionKind kConditions[] = {
    {"NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered", "All resources successfully discovered"},
    {"NamespaceDeletionGroupVersionParsingFailure", "ParsedGroupVersions", "All legacy kube types successfully parsed"},
    {"NamespaceDeletionContentFailure", "ContentDeleted",
     "All content successfully deleted, may be waiting on finalization"},
    {"NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"},
    {"NamespaceFinalizersRemaining", "ContentRemoved", "All content successfully removed"},
};

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

struct NamespaceController::Content {
  std::map<std::string, int> remaining;   // "pods." (resource.group) -> objects still there
  std::map<std::string, int> finalizers;  // finalizer -> objects still there that it holds
  std::vector<std::string> errors;        // deletes and lists that failed
};

NamespaceController::NamespaceController(client::ApiClient& client, client::Informer& namespaces)
    : client_(client),
      namespaces_(namespaces),
      reconciler_("namespace", [this](const std::string& key) { return sync(key); }) {
  auto enqueue = [this](const json& ns) {
    if (being_deleted(ns)) reconciler_.enqueue(client::object_key(ns));
  };
  namespaces_.add_handlers(
      {.on_add = enqueue, .on_update = [enqueue](const json&, const json& ns) { enqueue(ns); }, .on_delete = {}});
}

Status NamespaceController::sync(const std::string& key) {
  auto ns = client_.get(namespaces_type(), "", key);
  if (!ns) return ns.error().code == ErrorCode::kNotFound ? Status{} : Status{ns.error()};
  if (!being_deleted(*ns)) return {};
  json finalizers = spec_finalizers(*ns);
  if (std::find(finalizers.begin(), finalizers.end(), kFinalizer) == finalizers.end()) return {};

  const Content content = delete_content(key);
  json current = std::move(*ns);
  if (json status = status_for(current, content); status != at(current, "status")) {
    current["status"] = std::move(status);
    auto written = client_.update(namespaces_type(), "", current, "status");
    if (!written) return written.error().code == ErrorCode::kNotFound ? Status{} : Status{written.error()};
    current = std::move(*written);
  }
  if (!content.errors.empty())
    return err("namespace " + key + ": " + std::to_string(content.errors.size()) +
               " deletes of its content failed: " + join(content.errors));
  if (!content.remaining.empty()) {
    reconciler_.enqueue_after(key, kContentRecheck);
    return {};
  }

  // Empty: hand the namespace back to the apiserver, which erases it once no finalizer is left.
  finalizers.erase(std::remove(finalizers.begin(), finalizers.end(), kFinalizer), finalizers.end());
  current["spec"]["finalizers"] = finalizers;
  auto finalized = client_.update(namespaces_type(), "", current, "finalize");
  if (!finalized && finalized.error().code != ErrorCode::kNotFound) return finalized.error();
  return {};
}

NamespaceController::Content NamespaceController::delete_content(const std::string& ns) {
  Content content;
  for (const auto& type : api::resource_types()) {
    if (!type.namespaced) continue;
    auto list = client_.list(type, ns);
    if (!list) {
      content.errors.push_back(list.error().message);
      continue;
    }
    const std::string resource = type.resource + "." + type.group;
    for (const auto& item : at(*list, "items").is_array() ? (*list)["items"] : json::array()) {
      json last = item;
      if (!being_deleted(item)) {
        const client::DeleteOptions options{.propagation_policy = "Background",
                                            .precondition_uid = client::string_field(item, {"metadata", "uid"})};
        auto gone = client_.remove(type, ns, client::string_field(item, {"metadata", "name"}), options);
        if (!gone) {
          // Gone already, or replaced by another of the same name (the next look deletes it).
          if (gone.error().code == ErrorCode::kNotFound) continue;
          if (gone.error().code != ErrorCode::kConflict) content.errors.push_back(gone.error().message);
          ++content.remaining[resource];
          continue;
        }
        if (!being_deleted(*gone)) continue;  // erased
        last = std::move(*gone);
      }
      // Marked for deletion and held by its finalizers.
      ++content.remaining[resource];
      for (const auto& f :
           at(at(last, "metadata"), "finalizers").is_array() ? last["metadata"]["finalizers"] : json::array())
        if (f.is_string()) ++content.finalizers[f.get<std::string>()];
    }
  }
  return content;
}

json NamespaceController::status_for(const json& ns, const Content& content) {
  // The failing variant of each condition that fails now; the others say all is well.
  std::map<std::string, std::pair<std::string, std::string>> failing;  // type -> {reason, message}
  if (!content.errors.empty()) {
    std::vector<std::string> errors = content.errors;
    std::sort(errors.begin(), errors.end());
    failing["NamespaceDeletionContentFailure"] = {
        "ContentDeletionFailed",
        "Failed to delete all resource types, " + std::to_string(errors.size()) + " remaining: " + join(errors)};
  }
  if (!content.remaining.empty()) {
    std::vector<std::string> parts;
    for (const auto& [resource, n] : content.remaining)
      parts.push_back(resource + " has " + std::to_string(n) + " resource instances");
    std::sort(parts.begin(), parts.end());
    failing["NamespaceContentRemaining"] = {"SomeResourcesRemain", "Some resources are remaining: " + join(parts)};
  }
  if (!content.finalizers.empty()) {
    std::vector<std::string> parts;
    for (const auto& [finalizer, n] : content.finalizers)
      parts.push_back(finalizer + " in " + std::to_string(n) + " resource instances");
    std::sort(parts.begin(), parts.end());
    failing["NamespaceFinalizersRemaining"] = {"SomeFinalizerRemain", "Some finalizers are remaining: " + join(parts)};
  }

  json status = at(ns, "status");
  status["phase"] = "Terminating";
  json conditions = at(status, "conditions").is_array() ? status["conditions"] : json::array();
  for (const auto& kind : kConditions) {
    const auto fails = failing.find(kind.type);
    const std::string state = fails == failing.end() ? "False" : "True";
    const std::string reason = fails == failing.end() ? kind.ok_reason : fails->second.first;
    const std::string message = fails == failing.end() ? kind.ok_message : fails->second.second;
    auto old = std::find_if(conditions.begin(), conditions.end(),
                            [&](const json& c) { return client::string_field(c, {"type"}) == kind.type; });
    if (old == conditions.end()) {
      conditions.push_back({{"type", kind.type},
                            {"status", state},
                            {"lastTransitionTime", api::now_rfc3339()},
                            {"reason", reason},
                            {"message", message}});
      continue;
    }
    if (client::string_field(*old, {"status"}) != state) (*old)["lastTransitionTime"] = api::now_rfc3339();
    (*old)["status"] = state;
    (*old)["reason"] = reason;
    (*old)["message"] = message;
  }
  status["conditions"] = std::move(conditions);
  return status;
}

}  // namespace xebec::controllers
