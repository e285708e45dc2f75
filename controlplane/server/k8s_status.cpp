// Builds Kubernetes Status error bodies with nlohmann::json (see k8s_status.h).
#include "controlplane/server/k8s_status.h"

#include <nlohmann/json.hpp>

namespace xebec::server {

Response status_response(int code, std::string_view reason, const std::string& message) {
  nlohmann::ordered_json status = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::ordered_json::object()},
      {"status", "Failure"}, {"message", message},
  };
  if (!reason.empty()) status["reason"] = reason;
  status["code"] = code;
  // The message may quote request bytes that are not UTF-8: replace those rather than throw.
  return Response{
      code, "application/json", status.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace), {}};
}

}  // namespace xebec::server
