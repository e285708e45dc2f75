// Spec versions: parsing, printing, and which ones are supported.
#include "cni/spec/version.h"

#include <charconv>

namespace xebec::cni {

namespace {

// One decimal component of a version, up to the next '.' or the end.
bool read_component(std::string_view& text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end == text.data() || out < 0) return false;
  text.remove_prefix(end - text.data());
  return true;
}

}  // namespace

std::string Version::str() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string supported_versions_text() {
  std::string out;
  for (const auto& v : kSupportedVersions) out += (out.empty() ? "" : ", ") + v.str();
  return out;
}

Result<Version> supported_version(std::string_view text) {
  Version v;
  std::string_view rest = text;
  bool ok = read_component(rest, v.major) && rest.starts_with('.') && (rest.remove_prefix(1), true) &&
            read_component(rest, v.minor) && rest.starts_with('.') && (rest.remove_prefix(1), true) &&
            read_component(rest, v.patch) && rest.empty();
  if (!ok) return err("'" + std::string(text) + "' is not a CNI version (like 1.1.0)", ErrorCode::kInvalid);
  for (const auto& s : kSupportedVersions)
    if (s == v) return v;
  return err("CNI version " + v.str() + " is not supported; xebec supports " + supported_versions_text(),
             ErrorCode::kNotFound);
}

}  // namespace xebec::cni
