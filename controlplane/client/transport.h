// Transport: how RestClient's HTTP requests reach an apiserver. HTTPS to a real one
// (https_api_client.cpp) or straight into an ApiHandler in memory (in_process_api_client.cpp).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "controlplane/client/api_client.h"

namespace xebec::client {

struct HttpRequest {
  std::string method;        // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string target;        // path and query, percent-encoded: /api/v1/namespaces/default/pods?limit=5
  std::string content_type;  // of the body; "" when there is none
  std::string body;
  std::string what;  // the call as errors name it: "create pods default/web"
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Where a streamed response's body goes, line by line: the same guarantees as WatchSink (one
// thread, in order, on_end once unless the handle went first).
struct LineSink {
  std::function<void(std::string_view line)> on_line;  // without its "\n"
  // ok(): the body ended properly; kUnavailable: the connection dropped before it did.
  std::function<void(Status)> on_end;
};

// Thread-safe. Errors are whole (their message starts with request.what).
class Transport {
 public:
  virtual ~Transport() = default;
  // One request and its response, whatever its status; an error only when no response came.
  virtual Result<HttpResponse> round_trip(const HttpRequest& request) = 0;
  // A request answered by a stream (a watch): returns once the response's head is in. Status
  // 200 starts the stream; any other is the error response_error() makes of it.
  virtual Result<std::unique_ptr<WatchHandle>> stream(const HttpRequest& request, LineSink sink) = 0;
};

}  // namespace xebec::client
