// FieldReader: typed access to configuration fields, errors naming the field.
#include "cni/spec/fields.h"

namespace xebec::cni {

FieldReader::FieldReader(const nlohmann::json& object, std::string path) : object_(object), path_(std::move(path)) {
  if (!object_.is_object())
    fail_at(path_.empty() ? "configuration" : path_, "expected an object, got " + describe(object_));
}

std::string FieldReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::string FieldReader::element(const std::string& array_path, std::size_t index) {
  return array_path + "[" + std::to_string(index) + "]";
}

const nlohmann::json* FieldReader::find(std::string_view key) const {
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool FieldReader::has(std::string_view key) const { return find(key) != nullptr; }

bool FieldReader::expect(std::string_view key, const nlohmann::json& value, bool ok, const char* type) {
  if (!ok) fail(key, std::string("expected ") + type + ", got " + describe(value));
  return ok;
}

std::optional<std::string> FieldReader::string(std::string_view key) {
  const auto* v = find(key);
  if (!v || !expect(key, *v, v->is_string(), "a string")) return std::nullopt;
  return v->get<std::string>();
}

std::optional<std::int64_t> FieldReader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  const auto* v = find(key);
  if (!v || !expect(key, *v, v->is_number_integer(), "an integer")) return std::nullopt;
  auto n = v->get<std::int64_t>();
  if (n < min || n > max) {
    fail(key, std::to_string(n) + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return std::nullopt;
  }
  return n;
}

std::optional<bool> FieldReader::boolean(std::string_view key) {
  const auto* v = find(key);
  if (!v || !expect(key, *v, v->is_boolean(), "true or false")) return std::nullopt;
  return v->get<bool>();
}

const nlohmann::json* FieldReader::object(std::string_view key) {
  const auto* v = find(key);
  return v && expect(key, *v, v->is_object(), "an object") ? v : nullptr;
}

const nlohmann::json* FieldReader::array(std::string_view key) {
  const auto* v = find(key);
  return v && expect(key, *v, v->is_array(), "a list") ? v : nullptr;
}

std::optional<std::vector<std::string>> FieldReader::strings(std::string_view key) {
  const auto* v = array(key);
  if (!v) return std::nullopt;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      fail_at(element(path_of(key), i), "expected a string, got " + describe((*v)[i]));
      return std::nullopt;
    }
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

void FieldReader::fail(std::string_view key, const std::string& problem) { fail_at(path_of(key), problem); }

void FieldReader::fail_at(const std::string& path, const std::string& problem) {
  if (!error_) error_ = err(path + ": " + problem, ErrorCode::kInvalid);
}

std::string describe(const nlohmann::json& value) {
  constexpr std::size_t kMax = 60;
  std::string text = value.dump();
  if (text.size() > kMax) text = text.substr(0, kMax) + "…";
  return text;
}

}  // namespace xebec::cni
