// response_error over a table of apiserver answers: the code a caller acts on, the message a
// user reads.
#include "controlplane/client/status_error.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace xebec::client {
namespace {

std::string status(int code, const std::string& reason, const std::string& message) {
  return R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")" + message +
         R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}";
}

}  // namespace

TEST_CASE("response_error maps Status answers to codes and keeps their message", "[status]") {
  struct Case {
    int status;
    std::string body;
    ErrorCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {404, status(404, "NotFound", "pods \\\"web\\\" not found"), ErrorCode::kNotFound,
       "get pods default/web: pods \"web\" not found"},
      {409, status(409, "AlreadyExists", "pods \\\"web\\\" already exists"), ErrorCode::kAlreadyExists,
       "get pods default/web: pods \"web\" already exists"},
      {409, status(409, "Conflict", "the object has been modified"), ErrorCode::kConflict,
       "get pods default/web: the object has been modified"},
      {410, status(410, "Expired", "too old resource version: 5 (9)"), ErrorCode::kGone,
       "get pods default/web: too old resource version: 5 (9)"},
      {422, status(422, "Invalid", "spec.containers: Required value"), ErrorCode::kInvalid,
       "get pods default/web: spec.containers: Required value"},
      {400, status(400, "BadRequest", "bad"), ErrorCode::kBadRequest, "get pods default/web: bad"},
      {415, status(415, "UnsupportedMediaType", "no"), ErrorCode::kBadRequest, "get pods default/web: no"},
      {403, status(403, "Forbidden", "may not be deleted"), ErrorCode::kForbidden,
       "get pods default/web: may not be deleted"},
      {503, status(503, "ServiceUnavailable", "etcd is down"), ErrorCode::kUnavailable,
       "get pods default/web: etcd is down"},
      {429, "", ErrorCode::kUnavailable, "get pods default/web: HTTP 429"},
      {500, status(500, "InternalError", "boom"), ErrorCode::kUnknown, "get pods default/web: boom"},
      {401, status(401, "Unauthorized", "Unauthorized"), ErrorCode::kUnknown,
       "get pods default/web: Unauthorized (HTTP 401: the apiserver does not accept the bearer token; check the "
       "kubeconfig's user)"},
      {502, "<html>bad gateway</html>", ErrorCode::kUnavailable,
       "get pods default/web: HTTP 502: <html>bad gateway</html>"},
      {404, R"({"kind":"Status","code":404,"message":7})", ErrorCode::kNotFound, "get pods default/web: HTTP 404"},
  };
  for (const Case& c : cases) {
    INFO(c.status << " " << c.body);
    const Error e = response_error(c.status, c.body, "get pods default/web");
    CHECK(e.code == c.code);
    CHECK(e.message == c.message);
  }
}

}  // namespace xebec::client
