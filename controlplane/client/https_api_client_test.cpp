// HttpsApiClient against a real apiserver started in the test (SQLite, 127.0.0.1, the
// kubeconfig it writes): CRUD and errors, TLS trust, watches, many threads at once, keep-alive
// and reconnection after the server restarts. The "[.bench]" case is a benchmark, run by hand:
// client_tests "[bench]".
#include "controlplane/client/https_api_client.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "controlplane/client/test_support.h"
#include "controlplane/server/tls.h"

namespace xebec::client {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::pod;
using testing::pods;
using testing::TestApiserver;
using testing::version_of;

std::unique_ptr<HttpsApiClient> connect(const TestApiserver& server, HttpsOptions options = {}) {
  auto client = HttpsApiClient::from_kubeconfig(server.kubeconfig(), options);
  INFO((client ? "" : client.error().message));
  REQUIRE(client.ok());
  return std::move(*client);
}

}  // namespace

TEST_CASE("https: CRUD and errors through the kubeconfig the apiserver writes", "[https]") {
  TestApiserver server;
  auto client = connect(server);
  auto created = client->create(pods(), "default", pod("web"));
  REQUIRE(created.ok());
  CHECK((*created)["spec"]["restartPolicy"] == "Always");

  auto again = client->create(pods(), "default", pod("web"));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::kAlreadyExists);
  CHECK(again.error().message == "create pods default/web: pods \"web\" already exists");

  auto patched =
      client->patch(pods(), "default", "web", PatchType::kStrategic, {{"metadata", {{"labels", {{"v", "2"}}}}}});
  REQUIRE(patched.ok());
  auto stale = client->update(pods(), "default", *created);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().code == ErrorCode::kConflict);

  REQUIRE(client->bind("default", "web", "node-1").ok());
  auto got = client->get(pods(), "default", "web");
  REQUIRE(got.ok());
  CHECK((*got)["spec"]["nodeName"] == "node-1");
  CHECK((*got)["metadata"]["labels"]["v"] == "2");

  auto listed = client->list(pods(), "", {.field_selector = "spec.nodeName=node-1"});
  REQUIRE(listed.ok());
  CHECK((*listed)["items"].size() == 1);

  REQUIRE(client->remove(pods(), "default", "web").ok());
  auto gone = client->get(pods(), "default", "web");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code == ErrorCode::kNotFound);
  CHECK(gone.error().message == "get pods default/web: pods \"web\" not found");

  auto invalid = client->create(pods(), "default", {{"metadata", {{"name", "x"}}}, {"spec", json::object()}});
  REQUIRE_FALSE(invalid.ok());
  CHECK(invalid.error().code == ErrorCode::kInvalid);
}

TEST_CASE("https: the token and the CA are checked", "[https]") {
  TestApiserver server;
  auto access = load_kubeconfig(server.kubeconfig());
  REQUIRE(access.ok());

  SECTION("a wrong token is refused with a message that says so") {
    access->token = "not-the-token";
    auto client = HttpsApiClient::for_cluster(*access);
    REQUIRE(client.ok());
    auto got = (*client)->get(pods(), "default", "web");
    REQUIRE_FALSE(got.ok());
    CHECK_THAT(got.error().message, Catch::StartsWith("get pods default/web: Unauthorized (HTTP 401"));
  }
  SECTION("a server whose certificate another CA signed is not trusted") {
    server::testing::TempDir other;
    auto tls = server::ensure_tls(other.path(), {"127.0.0.1"});
    REQUIRE(tls.ok());
    std::ifstream in(tls->ca_cert);
    access->ca_pem.assign(std::istreambuf_iterator<char>(in), {});
    auto client = HttpsApiClient::for_cluster(*access);
    REQUIRE(client.ok());
    auto got = (*client)->get(pods(), "default", "web");
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().code == ErrorCode::kUnavailable);
    CHECK_THAT(got.error().message, Catch::Contains("TLS handshake"));
  }
  SECTION("the server's name is checked too: localhost is one of its names") {
    access->host = "localhost";
    auto client = HttpsApiClient::for_cluster(*access);
    REQUIRE(client.ok());
    CHECK((*client)->list(pods(), "default").ok());
  }
  SECTION("a CA that is not PEM is refused at once") {
    access->ca_pem = "not a certificate";
    auto client = HttpsApiClient::for_cluster(*access);
    REQUIRE_FALSE(client.ok());
    CHECK_THAT(client.error().message, Catch::Contains("is not a PEM certificate"));
  }
  SECTION("nothing listening is kUnavailable, in bounded time") {
    server.stop();
    auto client = HttpsApiClient::for_cluster(*access, {.connect_timeout = 2s});
    REQUIRE(client.ok());
    auto got = (*client)->get(pods(), "default", "web");
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().code == ErrorCode::kUnavailable);
    CHECK_THAT(got.error().message, Catch::StartsWith("get pods default/web: apiserver https://127.0.0.1:"));
  }
}

TEST_CASE("https: requests one after another share one kept-alive connection", "[https]") {
  TestApiserver server;
  auto client = connect(server);
  for (int i = 0; i < 20; ++i) REQUIRE(client->list(pods(), "default").ok());
  CHECK(client->connections_opened() == 1);
}

TEST_CASE("https: many threads at once, each on a connection of the pool", "[https]") {
  TestApiserver server;
  constexpr int kThreads = 8, kEach = 40;
  auto client = connect(server, {.max_connections = 4});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string name = "p-" + std::to_string(t) + "-" + std::to_string(i);
        if (!client->create(pods(), "default", pod(name)).ok() || !client->bind("default", name, "n1").ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  auto listed = client->list(pods(), "default", {.field_selector = "spec.nodeName=n1"});
  INFO((listed ? "" : listed.error().message));
  REQUIRE(listed.ok());
  CHECK((*listed)["items"].size() == kThreads * kEach);
  CHECK(client->connections_opened() <= 4);
}

TEST_CASE("https: a watch delivers events in order and ends cleanly at its timeout", "[https]") {
  TestApiserver server;
  auto client = connect(server);
  auto a = client->create(pods(), "default", pod("a"));
  REQUIRE(a.ok());
  testing::WatchLog log;
  auto watch = client->watch(pods(), "default", {.resource_version = version_of(*a), .timeout_seconds = 2}, log.sink());
  REQUIRE(watch.ok());
  REQUIRE(client->create(pods(), "default", pod("b")).ok());
  REQUIRE(client->patch(pods(), "default", "a", PatchType::kMerge, {{"metadata", {{"labels", {{"x", "1"}}}}}}).ok());
  REQUIRE(client->remove(pods(), "default", "b").ok());
  CHECK(log.events(3) == std::vector<std::string>{"ADDED b", "MODIFIED a", "DELETED b"});
  auto end = log.end();
  REQUIRE(end);
  CHECK(end->ok());
}

TEST_CASE("https: a watch the server refuses is an error of watch()", "[https]") {
  TestApiserver server;
  auto client = connect(server);
  testing::WatchLog log;
  auto watch = client->watch(pods(), "default", {.label_selector = "a in (b"}, log.sink());
  REQUIRE_FALSE(watch.ok());
  INFO(watch.error().message);
  CHECK(watch.error().code == ErrorCode::kBadRequest);
  CHECK_THAT(watch.error().message, Catch::StartsWith("watch pods in default: "));
}

TEST_CASE("https: destroying a watch's handle stops it at once", "[https]") {
  TestApiserver server;
  auto client = connect(server);
  testing::WatchLog log;
  auto watch = client->watch(pods(), "default", {}, log.sink());
  REQUIRE(watch.ok());
  REQUIRE(client->create(pods(), "default", pod("a")).ok());
  REQUIRE(log.events(1) == std::vector<std::string>{"ADDED a"});
  const auto start = std::chrono::steady_clock::now();
  watch->reset();
  CHECK(std::chrono::steady_clock::now() - start < 5s);  // an idle watch: its read is interrupted, not waited out
  REQUIRE(client->create(pods(), "default", pod("b")).ok());
  std::this_thread::sleep_for(100ms);
  CHECK(log.count() == 1);
}

TEST_CASE("https: after the apiserver restarts, requests reconnect and open watches end", "[https]") {
  TestApiserver server;
  auto client = connect(server);
  REQUIRE(client->create(pods(), "default", pod("a")).ok());
  testing::WatchLog log;
  auto watch = client->watch(pods(), "default", {}, log.sink());
  REQUIRE(watch.ok());
  REQUIRE(log.events(1) == std::vector<std::string>{"ADDED a"});
  const std::size_t opened = client->connections_opened();

  server.restart();
  auto end = log.end();
  REQUIRE(end);
  REQUIRE_FALSE(end->ok());
  CHECK(end->error().code == ErrorCode::kUnavailable);
  CHECK_THAT(end->error().message, Catch::StartsWith("watch pods in default: "));

  auto got = client->get(pods(), "default", "a");  // the state survived in the data directory
  INFO((got ? "" : got.error().message));
  REQUIRE(got.ok());
  REQUIRE(client->create(pods(), "default", pod("b")).ok());  // not a retry: the stale connection was seen idle
  CHECK(client->connections_opened() == opened + 1);
}

// A figure, not a test: creates and binds per second through one client from 8 threads.
TEST_CASE("https: bench: creates and binds per second from 8 threads", "[.bench]") {
  TestApiserver server;
  constexpr int kThreads = 8, kEach = 500;
  auto client = connect(server);
  auto run = [&](const char* what, auto call) {
    std::atomic<int> failures{0};
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i)
          if (!call("p-" + std::to_string(t) + "-" + std::to_string(i))) ++failures;
      });
    for (auto& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    WARN(what << ": " << kThreads * kEach << " in " << seconds << " s = " << kThreads * kEach / seconds << "/s, "
              << failures << " failed");
    CHECK(failures == 0);
  };
  run("creates", [&](const std::string& name) { return client->create(pods(), "default", pod(name)).ok(); });
  run("binds", [&](const std::string& name) { return client->bind("default", name, "node-1").ok(); });
  run("gets", [&](const std::string& name) { return client->get(pods(), "default", name).ok(); });
  WARN("connections opened: " << client->connections_opened());
}

}  // namespace xebec::client
