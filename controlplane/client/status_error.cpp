// Maps apiserver error responses to Errors (see status_error.h), as client-go's
// k8s.io/apimachinery/pkg/api/errors reads them: the Status reason first, the HTTP status next.
#include "controlplane/client/status_error.h"

#include <nlohmann/json.hpp>

#include "controlplane/client/json_field.h"

namespace xebec::client {
namespace {

constexpr std::size_t kQuotedBody = 200;  // how much of a body that is not a Status an error quotes

ErrorCode code_of(int status, const std::string& reason) {
  if (reason == "AlreadyExists") return ErrorCode::kAlreadyExists;
  if (reason == "Conflict") return ErrorCode::kConflict;
  switch (status) {
    case 400:
    case 405:                                 // MethodNotAllowed
    case 406:                                 // NotAcceptable
    case 413:                                 // RequestEntityTooLarge
    case 415: return ErrorCode::kBadRequest;  // UnsupportedMediaType
    case 403: return ErrorCode::kForbidden;
    case 404: return ErrorCode::kNotFound;
    case 409: return ErrorCode::kConflict;
    case 410: return ErrorCode::kGone;
    case 422: return ErrorCode::kInvalid;
    case 429:  // TooManyRequests
    case 502:
    case 503:
    case 504: return ErrorCode::kUnavailable;
    default: return ErrorCode::kUnknown;  // 401 (a token is not fixed by retrying), 500, ...
  }
}

}  // namespace

Error response_error(int status, std::string_view body, const std::string& what) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  const bool is_status = string_field(parsed, {"kind"}) == "Status";
  std::string message = is_status ? string_field(parsed, {"message"}) : "";
  const std::string reason = is_status ? string_field(parsed, {"reason"}) : "";
  if (message.empty()) {
    message = "HTTP " + std::to_string(status);
    if (!reason.empty()) message += " " + reason;
    if (!is_status && !body.empty()) message += ": " + std::string(body.substr(0, kQuotedBody));
  }
  if (status == 401)
    message += " (HTTP 401: the apiserver does not accept the bearer token; check the kubeconfig's user)";
  return err(what + ": " + message, code_of(status, reason));
}

}  // namespace xebec::client
