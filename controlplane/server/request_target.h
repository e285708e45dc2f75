// Splitting an HTTP request target ("/api/v1/pods?watch=true&x=a%20b") into its decoded path
// and query parameters.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace xebec::server {

struct RequestTarget {
  std::string path;                               // percent-decoded
  std::multimap<std::string, std::string> query;  // names and values percent-decoded, '+' as space
};

// Errors (kBadRequest) for a target that is not an absolute path or has a malformed %-escape.
Result<RequestTarget> parse_request_target(std::string_view target);

}  // namespace xebec::server
