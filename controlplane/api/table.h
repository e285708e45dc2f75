// Server-side printing: objects and lists as meta.k8s.io/v1 Tables with the columns
// `kubectl get` shows for each type (priority 1 columns appear with -o wide).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "controlplane/api/resource.h"

namespace xebec::api {

// What each row carries besides its cells (?includeObject=): nothing, the object's metadata
// (the default), or the whole object (kubectl asks for it for custom columns and sorting).
enum class RowObject { kNone, kMetadata, kObject };

// A Table of one object, or of a list's items; `columns` false leaves the column definitions
// out (watch events after the first).
nlohmann::json to_table(const ResourceType& type, const nlohmann::json& object_or_list, bool columns = true,
                        RowObject row_object = RowObject::kMetadata);

// kubectl's rendering of an age: "45s", "3m12s", "5h", "2d3h", "400d", "3y".
std::string human_duration(std::chrono::seconds age);

}  // namespace xebec::api
