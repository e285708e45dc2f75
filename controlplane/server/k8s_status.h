// Kubernetes `Status` objects: the JSON body of the apiserver's error responses.
#pragma once

#include <string>
#include <string_view>

#include "controlplane/server/handler.h"

namespace xebec::server {

// A Response with HTTP status `code` whose body is a v1 Status with status "Failure", that
// `code`, the Kubernetes StatusReason `reason` ("NotFound", "AlreadyExists", "Conflict", ...;
// left out if empty; 409 alone has two) and `message`, the sentence a user reads.
Response status_response(int code, std::string_view reason, const std::string& message);

}  // namespace xebec::server
