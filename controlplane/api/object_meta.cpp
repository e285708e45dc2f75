// Metadata rules, after k8s.io/apimachinery's validation (names) and rest/create.go (stamping).
#include "controlplane/api/object_meta.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <regex>

#include "common/time.h"

namespace xebec::api {

namespace {

using nlohmann::json;

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

// A random (version 4) UUID.
std::string new_uid() {
  std::uniform_int_distribution<std::uint32_t> byte(0, 255);
  unsigned char b[16];
  for (auto& x : b) x = static_cast<unsigned char>(byte(rng()));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

// generateName's suffix: five characters of the alphabet Kubernetes uses (no vowels).
std::string random_suffix() {
  static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kAlphabet - 2);
  std::string s;
  for (int i = 0; i < 5; ++i) s += kAlphabet[pick(rng())];
  return s;
}

const std::regex& dns1123_subdomain() {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return re;
}
const std::regex& dns1123_label() {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return re;
}
const std::regex& dns1035_label() {
  static const std::regex re("[a-z]([-a-z0-9]*[a-z0-9])?");
  return re;
}

// Kubernetes' message for a name its rule refuses; "" when the name is fine.
std::string name_problem(const ResourceType& type, const std::string& name) {
  if (type.resource == "namespaces") {
    if (name.size() > 63 || !std::regex_match(name, dns1123_label()))
      return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
             "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    return "";
  }
  if (type.resource == "services") {
    if (name.size() > 63 || !std::regex_match(name, dns1035_label()))
      return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
             "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
             "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    return "";
  }
  if (name.size() > 253 || !std::regex_match(name, dns1123_subdomain()))
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
           "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  return "";
}

Error invalid(const ResourceType& type, const std::string& name, const std::string& field, const std::string& detail) {
  return err(type.kind + " \"" + name + "\" is invalid: " + field + ": " + detail, ErrorCode::kInvalid);
}

}  // namespace

std::string now_rfc3339() { return rfc3339(std::chrono::system_clock::now()); }

Status check_identity(const ResourceType& type, const std::string& request_ns, json& object) {
  if (!object.is_object()) return err("the body is not a JSON object", ErrorCode::kBadRequest);
  json& meta = object["metadata"];
  if (meta.is_null()) meta = json::object();
  if (!meta.is_object()) return err("metadata must be an object", ErrorCode::kBadRequest);

  std::string name = meta.value("name", "");
  if (name.empty()) {
    const std::string base = meta.value("generateName", "");
    if (base.empty()) return invalid(type, "", "metadata.name", "Required value: name or generateName is required");
    name = base + random_suffix();
    meta["name"] = name;
  }
  if (auto problem = name_problem(type, name); !problem.empty())
    return invalid(type, name, "metadata.name", "Invalid value: \"" + name + "\": " + problem);

  if (!type.namespaced) {
    meta.erase("namespace");
    return {};
  }
  const std::string ns = meta.value("namespace", "");
  if (!ns.empty() && ns != request_ns)
    return err("the namespace of the provided object does not match the namespace sent on the request",
               ErrorCode::kBadRequest);
  meta["namespace"] = request_ns;
  return {};
}

void stamp_created(json& object) {
  json& meta = object["metadata"];
  meta["uid"] = new_uid();
  meta["creationTimestamp"] = now_rfc3339();
  meta["generation"] = 1;
  for (const char* field : {"resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"})
    meta.erase(field);
}

void stamp_updated(const json& old, json& object) {
  json& meta = object["metadata"];
  const json& old_meta = old["metadata"];
  for (const char* field : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"}) {
    if (old_meta.contains(field)) meta[field] = old_meta[field];
    else meta.erase(field);
  }
  meta.erase("resourceVersion");
  auto spec_of = [](const json& o) {
    json s = o;
    s.erase("metadata");
    s.erase("status");
    return s;
  };
  const std::int64_t generation = old_meta.value("generation", std::int64_t{1});
  meta["generation"] = spec_of(old) == spec_of(object) ? generation : generation + 1;
}

}  // namespace xebec::api
