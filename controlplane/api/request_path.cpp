// Paths: /api/v1/RESOURCE[/NAME[/SUB]] and /api/v1/namespaces/NS/RESOURCE[/NAME[/SUB]], the
// same under /apis/GROUP/VERSION.
#include "controlplane/api/request_path.h"

#include <vector>

namespace xebec::api {

namespace {

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

Error not_found(const std::string& path) {
  return err("the server could not find the requested resource (" + path + ")", ErrorCode::kNotFound);
}

bool has_subresource(const ResourceType& t, const std::string& sub) {
  if (sub == "status") return t.has_status;
  if (sub == "scale") return t.has_scale;
  if (sub == "binding") return t.resource == "pods";
  if (sub == "finalize") return t.resource == "namespaces";
  return false;
}

}  // namespace

Result<ResourcePath> parse_resource_path(const std::string& path) {
  const auto parts = split(path);
  std::size_t i = 0;
  std::string group, version;
  if (parts.size() >= 2 && parts[0] == "api") {
    version = parts[1];
    i = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    group = parts[1];
    version = parts[2];
    i = 3;
  } else {
    return not_found(path);
  }
  if (i >= parts.size()) return not_found(path);

  ResourcePath out;
  // namespaces/NS/RESOURCE...: a namespaced resource inside NS (not the namespace's own status).
  if (parts[i] == "namespaces" && i + 2 < parts.size()) {
    if (const ResourceType* t = find_resource(group, version, parts[i + 2]); t && t->namespaced) {
      out.ns = parts[i + 1];
      i += 2;
    }
  }
  out.type = find_resource(group, version, parts[i]);
  if (!out.type) return not_found(path);
  const std::size_t rest = parts.size() - i - 1;
  if (rest > 2) return not_found(path);
  if (rest >= 1) out.name = parts[i + 1];
  if (rest == 2) out.subresource = parts[i + 2];
  if (!out.ns.empty() && !out.type->namespaced) return not_found(path);
  if (!out.subresource.empty() && !has_subresource(*out.type, out.subresource)) return not_found(path);
  return out;
}

}  // namespace xebec::api
