// JSON through nlohmann::json; YAML through yaml-cpp's node tree, walked into JSON.
#include "common/document.h"

#include <yaml-cpp/yaml.h>

#include <exception>
#include <string>

namespace xebec {

namespace {

using nlohmann::json;

json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(yaml_to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "?") {  // plain, not quoted
        if (s == "true" || s == "false") return s == "true";
        if (s == "null" || s == "~") return nullptr;
        if (!s.empty() && s.find_first_not_of("-0123456789") == std::string::npos) {
          try {
            return std::stoll(s);
          } catch (const std::exception&) {
          }
        }
      }
      return s;
    }
    default:
      return nullptr;
  }
}

}  // namespace

Result<json> parse_document(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    try {
      return json::parse(text);
    } catch (const json::parse_error& e) {
      return err(std::string("invalid JSON: ") + e.what(), ErrorCode::kBadRequest);
    }
  }
  try {
    return yaml_to_json(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return err(std::string("invalid YAML: ") + e.what(), ErrorCode::kBadRequest);
  }
}

}  // namespace xebec
