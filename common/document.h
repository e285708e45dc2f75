// A document that is JSON or YAML, read into the one JSON model, so that every decoder above it
// (the services file, the apiserver's request bodies) has one schema to check.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/result.h"

namespace xebec {

// JSON when the text starts with '{' or '[', else YAML. Plain YAML scalars that look like
// integers, booleans or null become those JSON types; quoted ones stay strings. kBadRequest,
// "invalid JSON: ..." or "invalid YAML: ...", when the text is neither.
Result<nlohmann::json> parse_document(std::string_view text);

}  // namespace xebec
