// Decodes a request target into path and query (see request_target.h).
#include "controlplane/server/request_target.h"

#include <optional>

namespace xebec::server {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// nullopt if `in` has a malformed %-escape.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      int hi = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
      int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
      if (lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += plus_is_space && in[i] == '+' ? ' ' : in[i];
    }
  }
  return out;
}

}  // namespace

Result<RequestTarget> parse_request_target(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return err("request target '" + std::string(target) + "' is not a path", ErrorCode::kBadRequest);
  }
  auto malformed = [&] {
    return err("request target '" + std::string(target) + "' has a malformed %-escape", ErrorCode::kBadRequest);
  };
  std::size_t qmark = target.find('?');
  RequestTarget out;
  auto path = percent_decode(target.substr(0, qmark), false);
  if (!path) return malformed();
  out.path = std::move(*path);
  if (qmark == std::string_view::npos) return out;
  std::string_view query = target.substr(qmark + 1);
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    if (!name) return malformed();
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!value) return malformed();
    out.query.emplace(std::move(*name), std::move(*value));
  }
  return out;
}

}  // namespace xebec::server
