// etcd's JSON spellings, read strictly: a field that is there but unreadable is an error, not a
// zero, so a non-etcd answer cannot pass for data.
#include "controlplane/store/etcd_codec.h"

#include <charconv>

namespace xebec::store::etcd {

using nlohmann::json;

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return std::string(1, '\0');
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

Result<std::int64_t> int64_field(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) return std::int64_t{0};
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec == std::errc() && end == s.data() + s.size()) return value;
  }
  return err(std::string("etcd sent an unreadable \"") + name + "\": " + it->dump());
}

bool bool_field(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::string string_field(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<json> array_field(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) return json::array();
  if (!it->is_array()) return err(std::string("etcd sent an unreadable \"") + name + "\": " + it->dump());
  return *it;
}

Result<std::string> bytes_field(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) return std::string();
  if (!it->is_string()) return err(std::string("etcd sent an unreadable \"") + name + "\": " + it->dump());
  auto bytes = base64_decode(it->get_ref<const std::string&>());
  if (!bytes) return err("etcd sent an unreadable \"" + std::string(name) + "\": " + bytes.error().message);
  return bytes;
}

ErrorCode error_code_of(std::int64_t grpc_code, std::string_view message) {
  // gRPC status codes etcd answers with (google.golang.org/grpc/codes).
  constexpr std::int64_t kInvalidArgument = 3, kDeadlineExceeded = 4, kUnavailable = 14;
  if (message.find("required revision has been compacted") != std::string_view::npos) return ErrorCode::kGone;
  if (message.find("required revision is a future revision") != std::string_view::npos) return ErrorCode::kInvalid;
  if (grpc_code == kUnavailable || grpc_code == kDeadlineExceeded) return ErrorCode::kUnavailable;
  if (grpc_code == kInvalidArgument) return ErrorCode::kInvalid;
  return ErrorCode::kUnknown;
}

Result<Revision> header_revision(const json& response) {
  const auto header = response.find("header");
  if (header == response.end() || !header->is_object()) return err("etcd's answer has no header: " + response.dump());
  return int64_field(*header, "revision");
}

Result<KeyValue> decode_kv(const json& kv, std::string_view key_prefix) {
  if (!kv.is_object()) return err("etcd sent a key-value that is not an object: " + kv.dump());
  auto key = bytes_field(kv, "key");
  auto value = bytes_field(kv, "value");
  const auto created = int64_field(kv, "create_revision");
  const auto modified = int64_field(kv, "mod_revision");
  if (!key) return key.error();
  if (!value) return value.error();
  if (!created) return created.error();
  if (!modified) return modified.error();
  if (!key->starts_with(key_prefix))
    return err("etcd sent key \"" + *key + "\", outside this store's prefix \"" + std::string(key_prefix) + "\"");
  return KeyValue{key->substr(key_prefix.size()), std::move(*value), *created, *modified};
}

}  // namespace xebec::store::etcd
