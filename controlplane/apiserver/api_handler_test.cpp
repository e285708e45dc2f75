// ApiHandler over the in-memory store, through a fake Reply: watch order, resume, 410 Gone,
// bookmarks, timeouts and clients that leave. (tests/e2e drives the same code with real kubectl
// over HTTPS.)
#include "controlplane/apiserver/api_handler.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/store/memory_store.h"

namespace xebec::apiserver {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A response body as it streams: the lines written so far, and whether it ended.
class FakeStream final : public server::Stream {
 public:
  bool write(std::string chunk) override {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    body_ += chunk;
    cv_.notify_all();
    return true;
  }
  void close() override {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  bool closed() const override {
    std::lock_guard lock(mu_);
    return closed_;
  }
  // The first n events written, parsed (fails after a few seconds).
  std::vector<json> events(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 5s, [&] { return lines() >= n || closed_; });
    std::vector<json> out;
    std::istringstream in(body_);
    for (std::string line; out.size() < n && std::getline(in, line);) out.push_back(json::parse(line));
    INFO(body_);
    REQUIRE(out.size() == n);
    return out;
  }
  bool ends_within(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return closed_; });
  }

 private:
  std::size_t lines() const { return static_cast<std::size_t>(std::count(body_.begin(), body_.end(), '\n')); }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string body_;
  bool closed_ = false;
};

class FakeReply final : public server::Reply {
 public:
  void send(server::Response r) override { response = std::move(r); }
  std::shared_ptr<server::Stream> start_stream(int status, std::string, server::HeaderMap) override {
    stream_status = status;
    return stream = std::make_shared<FakeStream>();
  }
  std::optional<server::Response> response;
  int stream_status = 0;
  std::shared_ptr<FakeStream> stream;
};

// The memory store, counting the watches open on it.
class CountingStore final : public store::Store {
 public:
  Result<store::KeyValue> create(const std::string& k, const std::string& v) override { return memory_.create(k, v); }
  Result<store::KeyValue> update(const std::string& k, const std::string& v, store::Revision e) override {
    return memory_.update(k, v, e);
  }
  Result<store::KeyValue> remove(const std::string& k, store::Revision e) override { return memory_.remove(k, e); }
  Result<store::KeyValue> get(const std::string& k) override { return memory_.get(k); }
  Result<store::ListResult> list(const std::string& p, const store::ListOptions& o) override {
    return memory_.list(p, o);
  }
  Result<store::Revision> current_revision() override { return memory_.current_revision(); }
  Status compact(store::Revision r) override { return memory_.compact(r); }
  Result<std::unique_ptr<store::Watch>> watch(store::Revision after, store::WatchSink sink) override {
    auto inner = memory_.watch(after, std::move(sink));
    if (!inner) return inner.error();
    return std::unique_ptr<store::Watch>(std::make_unique<Counted>(std::move(*inner), open_));
  }
  int open_watches() const { return open_; }

 private:
  struct Counted final : store::Watch {
    Counted(std::unique_ptr<store::Watch> w, std::atomic<int>& n) : inner(std::move(w)), open(n) { ++open; }
    ~Counted() override {
      inner.reset();
      --open;
    }
    std::unique_ptr<store::Watch> inner;
    std::atomic<int>& open;
  };
  store::MemoryStore memory_;
  std::atomic<int> open_{0};
};

struct Server {
  explicit Server(ApiHandlerOptions options = {}) : handler(store, options) {
    FakeReply r = serve("POST", "/api/v1/namespaces", {}, R"({"metadata":{"name":"default"}})");
    REQUIRE(r.response->status == 201);
  }

  // Hands the handler one request and returns its reply.
  FakeReply serve(const std::string& method, const std::string& path, std::multimap<std::string, std::string> query,
                  const std::string& body = "", const std::string& content_type = "application/json") {
    server::Request r;
    r.method = method;
    r.path = r.target = path;
    r.query = std::move(query);
    r.body = body;
    r.headers.emplace("Content-Type", content_type);
    FakeReply reply;
    handler(r, reply);
    return reply;
  }
  // Creates a pod; returns its resourceVersion.
  std::string pod(const std::string& name, const std::string& app = "web") {
    const json pod = {{"metadata", {{"name", name}, {"labels", {{"app", app}}}}},
                      {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
    FakeReply r = serve("POST", "/api/v1/namespaces/default/pods", {}, pod.dump());
    REQUIRE(r.response);
    INFO(r.response->body);
    REQUIRE(r.response->status == 201);
    return json::parse(r.response->body)["metadata"]["resourceVersion"];
  }
  void relabel(const std::string& name, const std::string& app) {
    FakeReply r = serve("PATCH", "/api/v1/namespaces/default/pods/" + name, {},
                        json{{"metadata", {{"labels", {{"app", app}}}}}}.dump(), "application/merge-patch+json");
    REQUIRE(r.response);
    REQUIRE(r.response->status == 200);
  }
  // Opens a watch of the default namespace's pods.
  FakeReply watch(std::multimap<std::string, std::string> query) {
    query.emplace("watch", "true");
    return serve("GET", "/api/v1/namespaces/default/pods", std::move(query));
  }

  CountingStore store;
  ApiHandler handler;
};

std::vector<std::string> summary(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    out.push_back(e["type"].get<std::string>() + " " + e["object"]["metadata"].value("name", ""));
  return out;
}

}  // namespace

TEST_CASE("a watch without resourceVersion lists what exists, then follows in order", "[apiserver]") {
  Server s;
  s.pod("a");
  FakeReply w = s.watch({});
  REQUIRE(w.stream_status == 200);
  s.pod("b");
  s.relabel("a", "db");
  CHECK(summary(w.stream->events(3)) == std::vector<std::string>{"ADDED a", "ADDED b", "MODIFIED a"});
}

TEST_CASE("a watch resumes after the resourceVersion it is given", "[apiserver]") {
  Server s;
  const std::string a = s.pod("a");
  s.pod("b");
  s.relabel("a", "db");
  FakeReply w = s.watch({{"resourceVersion", a}});
  CHECK(summary(w.stream->events(2)) == std::vector<std::string>{"ADDED b", "MODIFIED a"});
}

TEST_CASE("a watch from a compacted resourceVersion is 410 Gone", "[apiserver]") {
  Server s;
  const std::string a = s.pod("a");
  s.pod("b");
  const std::string c = s.pod("c");
  REQUIRE(s.store.compact(std::stoll(c)).ok());
  FakeReply w = s.watch({{"resourceVersion", a}});
  REQUIRE(w.response);
  CHECK(w.response->status == 410);
  CHECK(json::parse(w.response->body)["reason"] == "Expired");
}

TEST_CASE("a label-selected watch sees objects leave and enter its selection", "[apiserver]") {
  Server s;
  s.pod("a");
  FakeReply w = s.watch({{"labelSelector", "app=web"}});
  s.relabel("a", "db");
  s.pod("b", "db");
  s.relabel("b", "web");
  CHECK(summary(w.stream->events(3)) == std::vector<std::string>{"ADDED a", "DELETED a", "ADDED b"});
}

TEST_CASE(
    "bookmarks carry the resourceVersion a watch has reached, other "
    "kinds' writes included",
    "[apiserver]") {
  Server s({.bookmark_interval = 50ms});
  FakeReply w = s.watch({{"allowWatchBookmarks", "true"}, {"labelSelector", "app=web"}});
  s.pod("a");
  const std::string b = s.pod("b", "db");  // not selected: only a bookmark tells the client of it
  json bookmark;
  for (std::size_t n = 2; n < 100; ++n) {
    bookmark = w.stream->events(n).back();
    if (bookmark["type"] == "BOOKMARK" && bookmark["object"]["metadata"]["resourceVersion"] == b) break;
  }
  CHECK(bookmark == json{{"type", "BOOKMARK"},
                         {"object", {{"kind", "Pod"}, {"apiVersion", "v1"}, {"metadata", {{"resourceVersion", b}}}}}});
  CHECK(w.stream->events(1)[0]["type"] == "ADDED");
}

TEST_CASE("a label-selected watch resumed from a resourceVersion is told of objects leaving the selection",
          "[apiserver]") {
  Server s;
  s.pod("a");
  s.pod("b", "db");
  const std::string resumed_at = s.pod("c");
  FakeReply w = s.watch({{"labelSelector", "app=web"}, {"resourceVersion", resumed_at}});
  s.relabel("a", "db");   // leaves: DELETED
  s.relabel("b", "web");  // enters: ADDED
  s.relabel("c", "web");  // a change that keeps it in: MODIFIED
  CHECK(summary(w.stream->events(3)) == std::vector<std::string>{"DELETED a", "ADDED b", "MODIFIED c"});
}

TEST_CASE("a watch without allowWatchBookmarks gets none", "[apiserver]") {
  Server s({.bookmark_interval = 10ms});
  FakeReply w = s.watch({});
  std::this_thread::sleep_for(300ms);
  s.pod("a");
  CHECK(summary(w.stream->events(1)) == std::vector<std::string>{"ADDED a"});
}

TEST_CASE("a watch ends at its timeoutSeconds, and releases its store watch", "[apiserver]") {
  Server s;
  FakeReply w = s.watch({{"timeoutSeconds", "1"}});
  CHECK(s.store.open_watches() == 1);
  CHECK(w.stream->ends_within(5s));
  CHECK(s.store.open_watches() == 0);
}

TEST_CASE(
    "a watch whose client left releases its store watch without waiting "
    "for an event",
    "[apiserver]") {
  Server s;
  FakeReply w = s.watch({});
  CHECK(s.store.open_watches() == 1);
  w.stream->close();  // as the connection does when the client goes
  for (int i = 0; i < 100 && s.store.open_watches() > 0; ++i) std::this_thread::sleep_for(20ms);
  CHECK(s.store.open_watches() == 0);
}

TEST_CASE("a bad timeoutSeconds is a 400", "[apiserver]") {
  Server s;
  for (const char* bad : {"-1", "soon", "1.5"}) {
    FakeReply w = s.watch({{"timeoutSeconds", bad}});
    REQUIRE(w.response);
    CHECK(w.response->status == 400);
    CHECK(json::parse(w.response->body)["message"].get<std::string>().find("timeoutSeconds") != std::string::npos);
  }
}

TEST_CASE("create and update take JSON, YAML and protobuf bodies, others are a 400 that names what it takes",
          "[apiserver]") {
  struct Case {
    const char* name;
    std::string content_type, body;
    int status;
    std::string says;  // in the created object's name, or in the error message
  };
  const std::vector<Case> cases = {
      {"JSON", "application/json", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"from-json"}})", 201,
       "from-json"},
      {"YAML", "application/yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: from-yaml\n", 201,
       "from-yaml"},
      {"YAML that is JSON", "application/yaml", R"({"metadata":{"name":"yaml-json"}})", 201, "yaml-json"},
      {"broken YAML", "application/yaml", "metadata: [name", 400, "not valid YAML"},
      {"a YAML list", "application/yaml", "- a\n- b\n", 400, "must be an object"},
      {"YAML of another kind", "application/yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", 400,
       "does not match the expected kind"},
      {"protobuf", "application/vnd.kubernetes.protobuf",
       std::string("k8s\0", 4) + "\x0a\x0f\x0a\x02v1\x12\x09Namespace" + "\x12\x0e\x0a\x0c\x0a\x0a" + "from-proto", 201,
       "from-proto"},
      {"protobuf cut short", "application/vnd.kubernetes.protobuf",
       std::string("k8s\0", 4) + "\x0a\x0f\x0a\x02v1\x12\x09Namespace" + "\x12\x0e\x0a\x0c\x0a\x0a" + "from", 400,
       "cut short"},
      {"broken JSON", "application/json", "{", 400, "not valid JSON"},
      {"an unknown media type", "text/plain", "name: x", 400,
       "accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"},
  };
  Server s;
  for (const auto& c : cases) {
    INFO(c.name);
    FakeReply r = s.serve("POST", "/api/v1/namespaces", {}, c.body, c.content_type);
    REQUIRE(r.response);
    INFO(r.response->body);
    CHECK(r.response->status == c.status);
    const json body = json::parse(r.response->body);
    if (c.status == 201) {
      CHECK(body["metadata"]["name"] == c.says);
    } else {
      CHECK(body["reason"] == "BadRequest");
      CHECK(body["message"].get<std::string>().find(c.says) != std::string::npos);
    }
  }
}

TEST_CASE("a namespace being deleted refuses new content with Kubernetes' 403, and goes once finalized",
          "[apiserver][namespaces]") {
  Server s;
  auto status_of = [](const FakeReply& r) {
    REQUIRE(r.response);
    INFO(r.response->body);
    return json::parse(r.response->body);
  };
  REQUIRE(s.serve("POST", "/api/v1/namespaces", {}, R"({"metadata":{"name":"team"}})").response->status == 201);
  FakeReply deleted = s.serve("DELETE", "/api/v1/namespaces/team", {});
  CHECK(deleted.response->status == 200);
  CHECK(status_of(deleted)["status"]["phase"] == "Terminating");

  const std::string pod = R"({"metadata":{"name":"web"},"spec":{"containers":[{"name":"c","image":"busybox"}]}})";
  FakeReply refused = s.serve("POST", "/api/v1/namespaces/team/pods", {}, pod);
  CHECK(refused.response->status == 403);
  CHECK(status_of(refused) ==
        json{{"kind", "Status"},
             {"apiVersion", "v1"},
             {"metadata", json::object()},
             {"status", "Failure"},
             {"message", "pods \"web\" is forbidden: unable to create new content in namespace team because it is "
                         "being terminated"},
             {"reason", "Forbidden"},
             {"details",
              {{"name", "web"},
               {"kind", "pods"},
               {"causes",
                {{{"reason", "NamespaceTerminating"},
                  {"message", "namespace team is being terminated"},
                  {"field", "metadata.namespace"}}}}}},
             {"code", 403}});
  FakeReply missing = s.serve("POST", "/api/v1/namespaces/nope/pods", {}, pod);
  CHECK(missing.response->status == 404);
  CHECK(status_of(missing)["message"] == "namespaces \"nope\" not found");

  json team = status_of(s.serve("GET", "/api/v1/namespaces/team", {}));
  team["spec"]["finalizers"] = json::array();
  FakeReply finalized = s.serve("PUT", "/api/v1/namespaces/team/finalize", {}, team.dump());
  CHECK(finalized.response->status == 200);
  CHECK(s.serve("GET", "/api/v1/namespaces/team", {}).response->status == 404);
}

}  // namespace xebec::apiserver
