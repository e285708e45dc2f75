// Reading a JSON configuration's fields by type, with errors that name the field's path
// ("ipam.ranges[0][1].subnet: expected a string, got 24"), as CNI configuration errors must.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace xebec::cni {

// Reads the fields of one JSON object and keeps the first error met, so a parser reads
// straight through and checks error() once. A missing field and a null one are both absent.
// Errors are ErrorCode::kInvalid. Holds a reference to the object: it must outlive the reader.
class FieldReader {
 public:
  // `path` is where the object sits in the document ("" at the top, "ipam", "ipam.ranges[0][1]").
  FieldReader(const nlohmann::json& object, std::string path);

  // The path of a field of this object, or of an element of an array field.
  std::string path_of(std::string_view key) const;
  static std::string element(const std::string& array_path, std::size_t index);

  bool has(std::string_view key) const;
  std::optional<std::string> string(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<bool> boolean(std::string_view key);
  // Absent: nullptr. Present but of another type: nullptr and an error.
  const nlohmann::json* object(std::string_view key);
  const nlohmann::json* array(std::string_view key);
  std::optional<std::vector<std::string>> strings(std::string_view key);

  // Records an error about a field (the first one wins); for checks beyond the type.
  void fail(std::string_view key, const std::string& problem);
  // The same for a whole object or array element, at its full path.
  void fail_at(const std::string& path, const std::string& problem);

  const std::optional<Error>& error() const { return error_; }

 private:
  const nlohmann::json* find(std::string_view key) const;
  bool expect(std::string_view key, const nlohmann::json& value, bool ok, const char* type);

  const nlohmann::json& object_;
  std::string path_;
  std::optional<Error> error_;
};

// A JSON value as a user would recognise it in a message: strings quoted, long values cut.
std::string describe(const nlohmann::json& value);

}  // namespace xebec::cni
