// Tests of request-target decoding: paths, query parameters, malformed escapes.
#include "controlplane/server/request_target.h"

#include <catch2/catch.hpp>

namespace xebec::server {
namespace {

using Query = std::multimap<std::string, std::string>;

TEST_CASE("parse_request_target decodes path and query") {
  struct Row {
    const char* target;
    const char* path;
    Query query;
  };
  const Row rows[] = {
      {"/", "/", {}},
      {"/api/v1/namespaces/default/pods", "/api/v1/namespaces/default/pods", {}},
      {"/api/v1/pods?watch=true", "/api/v1/pods", {{"watch", "true"}}},
      {"/a%20b?x=1&y=2", "/a b", {{"x", "1"}, {"y", "2"}}},
      {"/p+q?label=a+b%3Dc", "/p+q", {{"label", "a b=c"}}},  // '+' is a space in the query only
      {"/x?a=1&a=2&flag&empty=", "/x", {{"a", "1"}, {"a", "2"}, {"flag", ""}, {"empty", ""}}},
      {"/x?&&a=%2F%2f", "/x", {{"a", "//"}}},
      {"/x?", "/x", {}},
  };
  for (const Row& row : rows) {
    INFO(row.target);
    auto parsed = parse_request_target(row.target);
    REQUIRE(parsed.ok());
    CHECK(parsed->path == row.path);
    CHECK(parsed->query == row.query);
  }
}

TEST_CASE("parse_request_target refuses what it cannot read") {
  for (const char* target : {"", "*", "http://host/x", "/a%2", "/a%zz", "/x?a=%", "/x?%G1=1"}) {
    INFO(target);
    auto parsed = parse_request_target(target);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == ErrorCode::kBadRequest);
  }
}

}  // namespace
}  // namespace xebec::server
