// Reading a string field of an API object without exceptions (nlohmann::json throws on a
// missing key or a field of another type): objects come from the network and may be anything.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace xebec::client {

// The string at `path` in `object` ({"metadata", "name"}), or "" when there is none.
inline std::string string_field(const nlohmann::json& object, std::initializer_list<std::string_view> path) {
  const nlohmann::json* at = &object;
  for (std::string_view name : path) {
    if (!at->is_object()) return "";
    const auto it = at->find(name);
    if (it == at->end()) return "";
    at = &*it;
  }
  return at->is_string() ? at->get<std::string>() : "";
}

// The field `name` of `object`, or an empty object when there is none (missing, null, or
// `object` not an object): for walking an object's optional parts without a check at each level.
inline const nlohmann::json& object_field(const nlohmann::json& object, std::string_view name) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  if (!object.is_object()) return kEmpty;
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? kEmpty : *it;
}

}  // namespace xebec::client
