// What an apiserver's error response means: its HTTP status and Kubernetes Status body, as an
// Error whose code a caller can act on and whose message says which call failed and why.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace xebec::client {

// The Error for a response with HTTP `status` (not 2xx) and `body` (a v1 Status, or anything)
// to the call `what`: "WHAT: MESSAGE", MESSAGE being the Status's message (or the status and
// the start of a body that is not a Status). Codes: see ApiClient.
Error response_error(int status, std::string_view body, const std::string& what);

}  // namespace xebec::client
