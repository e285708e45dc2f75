// Patching. JSON patch and merge patch are nlohmann::json's; the strategic merge is here, with
// the merge keys of the served types (k8s.io/api's patchMergeKey tags) by field name.
#include "controlplane/api/patch.h"

#include <algorithm>
#include <map>

namespace xebec::api {

namespace {

using nlohmann::json;

// Fields whose lists merge by a key. "ports" is keyed by containerPort in a container and by
// port in a Service: the elements tell which.
std::string merge_key(const std::string& field, const json& original, const json& patch) {
  static const std::map<std::string, std::string> keys = {
      {"containers", "name"},       {"initContainers", "name"},  {"ephemeralContainers", "name"},
      {"volumes", "name"},          {"env", "name"},             {"imagePullSecrets", "name"},
      {"volumeMounts", "mountPath"}, {"volumeDevices", "devicePath"}, {"hostAliases", "ip"},
      {"conditions", "type"},       {"ownerReferences", "uid"},  {"topologySpreadConstraints", "topologyKey"},
      {"readinessGates", "conditionType"}, {"addresses", "type"},
  };
  if (field == "ports") {
    for (const json* list : {&patch, &original})
      if (list->is_array())
        for (const auto& e : *list)
          if (e.is_object() && e.contains("containerPort")) return "containerPort";
    return "port";
  }
  auto it = keys.find(field);
  return it == keys.end() ? "" : it->second;
}

// Primitive lists that merge as a set union (patchStrategy "merge" without a key).
bool union_list(const std::string& field) { return field == "finalizers"; }

Result<json> merge_list(const json& original, const json& patch, const std::string& key);

Result<json> merge_object(const json& original, const json& patch) {
  if (!patch.is_object()) return patch;
  const std::string directive = patch.value("$patch", "");
  json clean = patch;
  clean.erase("$patch");
  if (directive == "replace") return strategic_merge(json::object(), clean);
  if (directive == "delete") return json();  // the caller removes the field
  if (!directive.empty() && directive != "merge")
    return err("unknown $patch directive '" + directive + "'", ErrorCode::kBadRequest);

  json result = original.is_object() ? original : json::object();
  for (const auto& [k, v] : clean.items()) {
    if (k.starts_with("$setElementOrder/") || k == "$retainKeys") continue;
    if (k.starts_with("$deleteFromPrimitiveList/")) {
      const std::string field = k.substr(std::string("$deleteFromPrimitiveList/").size());
      if (result.contains(field) && result[field].is_array() && v.is_array()) {
        json kept = json::array();
        for (const auto& e : result[field])
          if (std::find(v.begin(), v.end(), e) == v.end()) kept.push_back(e);
        result[field] = kept;
      }
      continue;
    }
    if (v.is_null()) {
      result.erase(k);
    } else if (v.is_object()) {
      auto merged = merge_object(result.value(k, json()), v);
      if (!merged) return merged;
      if (merged->is_null()) result.erase(k);
      else result[k] = std::move(*merged);
    } else if (v.is_array()) {
      const json current = result.value(k, json::array());
      if (const std::string key = merge_key(k, current, v); !key.empty()) {
        auto merged = merge_list(current, v, key);
        if (!merged) return merged;
        result[k] = std::move(*merged);
      } else if (union_list(k)) {
        json merged = current.is_array() ? current : json::array();
        for (const auto& e : v)
          if (std::find(merged.begin(), merged.end(), e) == merged.end()) merged.push_back(e);
        result[k] = merged;
      } else {
        result[k] = v;
      }
    } else {
      result[k] = v;
    }
  }
  if (clean.contains("$retainKeys")) {
    const json& keep = clean["$retainKeys"];
    if (!keep.is_array()) return err("$retainKeys must be a list", ErrorCode::kBadRequest);
    for (auto it = result.begin(); it != result.end();)
      it = std::find(keep.begin(), keep.end(), it.key()) == keep.end() ? result.erase(it) : std::next(it);
  }
  return result;
}

Result<json> merge_list(const json& original, const json& patch, const std::string& key) {
  json result = original.is_array() ? original : json::array();
  // {"$patch": "replace"} among the elements: the list becomes the other elements.
  const bool replace = std::any_of(patch.begin(), patch.end(),
                                   [](const json& e) { return e.is_object() && e.value("$patch", "") == "replace"; });
  if (replace) result = json::array();
  for (const auto& element : patch) {
    if (!element.is_object()) return err("a list merged by " + key + " holds a non-object", ErrorCode::kBadRequest);
    if (element.value("$patch", "") == "replace") continue;
    if (!element.contains(key))
      return err("an element of a list merged by " + key + " has no " + key, ErrorCode::kBadRequest);
    auto same = std::find_if(result.begin(), result.end(),
                             [&](const json& e) { return e.is_object() && e.value(key, json()) == element[key]; });
    if (element.value("$patch", "") == "delete") {
      if (same != result.end()) result.erase(same);
      continue;
    }
    auto merged = merge_object(same == result.end() ? json::object() : *same, element);
    if (!merged) return merged;
    if (same == result.end()) result.push_back(std::move(*merged));
    else *same = std::move(*merged);
  }
  return result;
}

}  // namespace

Result<PatchType> patch_type(const std::string& content_type) {
  const std::string base = content_type.substr(0, content_type.find(';'));
  if (base == "application/json-patch+json") return PatchType::kJson;
  if (base == "application/merge-patch+json") return PatchType::kMerge;
  if (base == "application/strategic-merge-patch+json") return PatchType::kStrategic;
  return err("the body of the request was in an unknown format - accepted media types include: "
             "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json",
             ErrorCode::kBadRequest);
}

Result<json> strategic_merge(const json& original, const json& patch) {
  if (!patch.is_object()) return err("a strategic merge patch must be a JSON object", ErrorCode::kBadRequest);
  auto merged = merge_object(original, patch);
  if (merged && merged->is_null()) return json::object();
  return merged;
}

Result<json> apply_patch(const json& original, const std::string& text, PatchType type) {
  const json patch = json::parse(text, nullptr, false);
  if (patch.is_discarded()) return err("the patch is not valid JSON", ErrorCode::kBadRequest);
  switch (type) {
    case PatchType::kJson:
      if (!patch.is_array()) return err("a JSON patch must be a list of operations", ErrorCode::kBadRequest);
      try {
        return original.patch(patch);
      } catch (const json::exception& e) {
        return err(std::string("the JSON patch cannot be applied: ") + e.what(), ErrorCode::kInvalid);
      }
    case PatchType::kMerge: {
      if (!patch.is_object()) return err("a merge patch must be a JSON object", ErrorCode::kBadRequest);
      json result = original;
      result.merge_patch(patch);
      return result;
    }
    case PatchType::kStrategic: return strategic_merge(original, patch);
  }
  return err("unknown patch type", ErrorCode::kBadRequest);
}

}  // namespace xebec::api
