#include "controlplane/controllers/pods.h"

#include <chrono>
#include <cstdint>

#include "common/time.h"
#include "controlplane/client/json_field.h"

namespace xebec::controllers {

namespace {

using nlohmann::json;

const json& metadata(const json& object) {
  static const json kEmpty = json::object();
  return object.contains("metadata") && object["metadata"].is_object() ? object["metadata"] : kEmpty;
}

const json* ready_condition(const json& pod) {
  if (!pod.contains("status") || !pod["status"].is_object()) return nullptr;
  const json& status = pod["status"];
  if (!status.contains("conditions") || !status["conditions"].is_array()) return nullptr;
  for (const auto& c : status["conditions"])
    if (c.is_object() && c.value("type", "") == "Ready") return &c;
  return nullptr;
}

}  // namespace

std::int64_t epoch_seconds(const std::string& text) {
  const auto t = parse_rfc3339(text);
  return t ? std::chrono::system_clock::to_time_t(*t) : -1;
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string name_of(const json& object) { return metadata(object).value("name", ""); }
std::string ns_of(const json& object) { return metadata(object).value("namespace", ""); }
std::string uid_of(const json& object) { return metadata(object).value("uid", ""); }

std::optional<api::LabelSelector> selector_of(const json& owner, bool map_selector) {
  const json& given = client::object_field(client::object_field(owner, "spec"), "selector");
  if (given.empty()) return std::nullopt;
  auto selector = api::LabelSelector::from_object(map_selector ? json{{"matchLabels", given}} : given);
  if (!selector || selector->empty()) return std::nullopt;
  return std::move(*selector);
}

const json* controller_of(const json& object) {
  const json& meta = metadata(object);
  if (!meta.contains("ownerReferences") || !meta["ownerReferences"].is_array()) return nullptr;
  for (const auto& ref : meta["ownerReferences"])
    if (ref.value("controller", false)) return &ref;
  return nullptr;
}

bool is_active(const json& pod) {
  if (metadata(pod).contains("deletionTimestamp")) return false;
  const std::string phase = pod.contains("status") ? pod["status"].value("phase", "") : "";
  return phase != "Succeeded" && phase != "Failed";
}

bool is_ready(const json& pod) {
  const json* ready = ready_condition(pod);
  return ready && ready->value("status", "") == "True";
}

bool is_available(const json& pod, std::int64_t min_ready_seconds, std::int64_t now) {
  if (!is_ready(pod)) return false;
  if (min_ready_seconds <= 0) return true;
  const std::int64_t since = epoch_seconds(ready_condition(pod)->value("lastTransitionTime", ""));
  return since >= 0 && now - since >= min_ready_seconds;
}

json controller_reference(const json& owner) {
  const json& meta = metadata(owner);
  return {{"apiVersion", owner.value("apiVersion", "")},
          {"kind", owner.value("kind", "")},
          {"name", meta.value("name", "")},
          {"uid", meta.value("uid", "")},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

}  // namespace xebec::controllers
