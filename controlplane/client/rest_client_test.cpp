// RestClient over a recording Transport: the HTTP request each call makes, answers turned into
// values or errors, and a watch's lines turned into events and one end.
#include "controlplane/client/rest_client.h"

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

namespace xebec::client {
namespace {

using nlohmann::json;

// Records requests; answers each with `answer`, and keeps a stream's LineSink for the test to feed.
class RecordingTransport final : public Transport {
 public:
  Result<HttpResponse> round_trip(const HttpRequest& request) override {
    requests.push_back(request);
    return answer;
  }
  Result<std::unique_ptr<WatchHandle>> stream(const HttpRequest& request, LineSink sink) override {
    requests.push_back(request);
    lines = std::move(sink);
    return std::unique_ptr<WatchHandle>(std::make_unique<WatchHandle>());
  }
  std::vector<HttpRequest> requests;
  HttpResponse answer{200, "{}"};
  LineSink lines;
};

const api::ResourceType& type(const std::string& group, const std::string& resource) {
  const api::ResourceType* t = api::find_resource(group, "v1", resource);
  REQUIRE(t != nullptr);
  return *t;
}

struct Fixture {
  Fixture() : client(std::unique_ptr<Transport>(transport = new RecordingTransport)) {}
  const HttpRequest& last() {
    REQUIRE(!transport->requests.empty());
    return transport->requests.back();
  }
  RecordingTransport* transport;
  RestClient client;
};

}  // namespace

TEST_CASE("RestClient sends each call as kubectl would", "[rest]") {
  Fixture f;
  const auto& pods = type("", "pods");
  const auto& nodes = type("", "nodes");
  const auto& deployments = type("apps", "deployments");
  const json web = {{"metadata", {{"name", "web"}}}};
  struct Case {
    const char* what;
    std::function<bool()> call;
    std::string method, target, content_type;
    json body;  // null: none
  };
  const std::vector<Case> cases = {
      {"get", [&] { return f.client.get(pods, "default", "web").ok(); }, "GET", "/api/v1/namespaces/default/pods/web",
       "", nullptr},
      {"get cluster-scoped", [&] { return f.client.get(nodes, "ignored", "n1").ok(); }, "GET", "/api/v1/nodes/n1", "",
       nullptr},
      {"list with everything",
       [&] {
         return f.client.list(deployments, "prod", {"app in (a,b)", "metadata.name!=x", 5, "tok+/=", "17"}).ok();
       },
       "GET",
       "/apis/apps/v1/namespaces/prod/deployments?labelSelector=app%20in%20%28a%2Cb%29&fieldSelector=metadata.name%"
       "21%3Dx&limit=5&continue=tok%2B%2F%3D&resourceVersion=17",
       "", nullptr},
      {"list every namespace", [&] { return f.client.list(pods, "").ok(); }, "GET", "/api/v1/pods", "", nullptr},
      {"create", [&] { return f.client.create(pods, "default", web).ok(); }, "POST", "/api/v1/namespaces/default/pods",
       "application/json", web},
      {"update", [&] { return f.client.update(pods, "default", web).ok(); }, "PUT",
       "/api/v1/namespaces/default/pods/web", "application/json", web},
      {"update status", [&] { return f.client.update(pods, "default", web, "status").ok(); }, "PUT",
       "/api/v1/namespaces/default/pods/web/status", "application/json", web},
      {"strategic patch of scale",
       [&] {
         return f.client.patch(deployments, "d", "web", PatchType::kStrategic, {{"a", 1}}, "scale").ok();
       },
       "PATCH",
       "/apis/apps/v1/namespaces/d/deployments/web/scale",
       "application/strategic-merge-patch+json",
       {{"a", 1}}},
      {"merge patch",
       [&] {
         return f.client.patch(pods, "default", "web", PatchType::kMerge, {{"a", 1}}).ok();
       },
       "PATCH",
       "/api/v1/namespaces/default/pods/web",
       "application/merge-patch+json",
       {{"a", 1}}},
      {"JSON patch",
       [&] {
         return f.client.patch(pods, "default", "web", PatchType::kJson, json::array({{{"op", "remove"}}})).ok();
       },
       "PATCH", "/api/v1/namespaces/default/pods/web", "application/json-patch+json",
       json::array({{{"op", "remove"}}})},
      {"delete with options",
       [&] {
         return f.client.remove(pods, "default", "web", {"Foreground", 0, "u-1"}).ok();
       },
       "DELETE",
       "/api/v1/namespaces/default/pods/web",
       "application/json",
       {{"kind", "DeleteOptions"},
        {"apiVersion", "v1"},
        {"propagationPolicy", "Foreground"},
        {"gracePeriodSeconds", 0},
        {"preconditions", {{"uid", "u-1"}}}}},
      {"bind",
       [&] { return f.client.bind("default", "web", "n1").ok(); },
       "POST",
       "/api/v1/namespaces/default/pods/web/binding",
       "application/json",
       {{"apiVersion", "v1"},
        {"kind", "Binding"},
        {"metadata", {{"name", "web"}, {"namespace", "default"}}},
        {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", "n1"}}}}},
      {"watch",
       [&] {
         return f.client.watch(pods, "default", {"42", "app=web", "", true, 30}, {}).ok();
       },
       "GET",
       "/api/v1/namespaces/default/pods?watch=true&resourceVersion=42&labelSelector=app%3Dweb&"
       "allowWatchBookmarks=true&timeoutSeconds=30",
       "", nullptr},
      {"a name that needs escaping", [&] { return f.client.get(nodes, "", "a b/c").ok(); }, "GET",
       "/api/v1/nodes/a%20b%2Fc", "", nullptr},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    CHECK(c.call());
    const HttpRequest& r = f.last();
    CHECK(r.method == c.method);
    CHECK(r.target == c.target);
    CHECK(r.content_type == c.content_type);
    if (c.body.is_null()) {
      CHECK(r.body.empty());
    } else {
      CHECK(json::parse(r.body) == c.body);
    }
  }
}

TEST_CASE("RestClient answers with the body, or an error that names the call", "[rest]") {
  Fixture f;
  const auto& pods = type("", "pods");
  f.transport->answer = {201, R"({"metadata":{"name":"web","resourceVersion":"3"}})"};
  auto created = f.client.create(pods, "default", {{"metadata", {{"name", "web"}}}});
  REQUIRE(created.ok());
  CHECK((*created)["metadata"]["resourceVersion"] == "3");

  f.transport->answer = {409, R"({"kind":"Status","reason":"AlreadyExists","message":"pods \"web\" already exists"})"};
  created = f.client.create(pods, "default", {{"metadata", {{"name", "web"}}}});
  REQUIRE_FALSE(created.ok());
  CHECK(created.error().code == ErrorCode::kAlreadyExists);
  CHECK(created.error().message == "create pods default/web: pods \"web\" already exists");

  f.transport->answer = {200, "not json"};
  auto got = f.client.get(pods, "default", "web");
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().message == "get pods default/web: the apiserver's answer is not JSON: not json");

  const std::size_t sent = f.transport->requests.size();
  got = f.client.get(pods, "", "web");
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().code == ErrorCode::kBadRequest);
  CHECK(got.error().message == "get pods /web: pods are namespaced: give a namespace");
  auto updated = f.client.update(pods, "default", {{"spec", json::object()}});
  REQUIRE_FALSE(updated.ok());
  CHECK(updated.error().message == "update pods default/: no name was given (metadata.name)");
  CHECK(f.transport->requests.size() == sent);  // refused before anything was sent
}

TEST_CASE("a watch's lines become events, and its end the one reason", "[rest]") {
  Fixture f;
  std::vector<std::string> events;  // "TYPE RESOURCEVERSION"
  std::vector<Status> ends;
  auto sink = WatchSink{[&](WatchEvent e) {
                          static const char* kTypes[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK"};
                          events.push_back(std::string(kTypes[static_cast<int>(e.type)]) + " " +
                                           e.object["metadata"].value("resourceVersion", ""));
                        },
                        [&](Status end) { ends.push_back(end); }};
  auto watch = f.client.watch(type("", "pods"), "default", {}, sink);
  REQUIRE(watch.ok());
  const LineSink& lines = f.transport->lines;

  SECTION("events in order, then a clean end") {
    lines.on_line(R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"1"}}})");
    lines.on_line(R"({"type":"MODIFIED","object":{"metadata":{"resourceVersion":"2"}}})");
    lines.on_line(R"({"type":"DELETED","object":{"metadata":{"resourceVersion":"3"}}})");
    lines.on_line(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"4"}}})");
    lines.on_end({});
    CHECK(events == std::vector<std::string>{"ADDED 1", "MODIFIED 2", "DELETED 3", "BOOKMARK 4"});
    REQUIRE(ends.size() == 1);
    CHECK(ends[0].ok());
  }
  SECTION("an ERROR event with code 410 ends it with kGone; nothing after it counts") {
    lines.on_line(R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired",)"
                  R"("message":"too old resource version"}})");
    lines.on_line(R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"9"}}})");
    lines.on_end({});
    CHECK(events.empty());
    REQUIRE(ends.size() == 1);
    REQUIRE_FALSE(ends[0].ok());
    CHECK(ends[0].error().code == ErrorCode::kGone);
    CHECK(ends[0].error().message == "watch pods in default: too old resource version");
  }
  SECTION("a dropped connection ends it as the transport says") {
    lines.on_end(err("watch pods in default: connection reset", ErrorCode::kUnavailable));
    REQUIRE(ends.size() == 1);
    REQUIRE_FALSE(ends[0].ok());
    CHECK(ends[0].error().code == ErrorCode::kUnavailable);
  }
  SECTION("a line that is not an event ends it") {
    lines.on_line(R"({"type":"ADDED"})");
    lines.on_line(R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"9"}}})");
    CHECK(events.empty());
    REQUIRE(ends.size() == 1);
    REQUIRE_FALSE(ends[0].ok());
    CHECK_THAT(ends[0].error().message,
               Catch::StartsWith("watch pods in default: the apiserver sent a line that is not a watch event"));
  }
}

}  // namespace xebec::client
