// Tests of the HTTPS server over real TLS on 127.0.0.1, with a client that verifies the CA:
// authentication, limits, malformed input, handler failures, streams, ALPN and stop().
#include "controlplane/server/http_server.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "controlplane/server/auth.h"
#include "controlplane/server/temp_dir.h"
#include "controlplane/server/test_client.h"
#include "controlplane/server/tls.h"

namespace xebec::server {
namespace {

namespace http = testing::http;
using http::verb;
using testing::TestClient;

// The streams the "/watch" handlers started, for the test to write to, and the gate that
// "/gated-watch" waits at before it starts one.
class StreamBox {
 public:
  void wait_at_gate() {
    std::unique_lock lock(mu_);
    at_gate_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return gate_open_; });
  }
  void wait_for_handler_at_gate() {
    std::unique_lock lock(mu_);
    REQUIRE(cv_.wait_for(lock, std::chrono::seconds(10), [&] { return at_gate_; }));
  }
  void open_gate() {
    std::lock_guard lock(mu_);
    gate_open_ = true;
    cv_.notify_all();
  }

  void add(std::shared_ptr<Stream> stream) {
    std::lock_guard lock(mu_);
    streams_.push_back(std::move(stream));
    cv_.notify_all();
  }
  // The first `count` streams, waiting up to 10 s for them.
  std::vector<std::shared_ptr<Stream>> wait_for(std::size_t count) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return streams_.size() >= count; });
    REQUIRE(streams_.size() >= count);
    return {streams_.begin(), streams_.begin() + static_cast<std::ptrdiff_t>(count)};
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Stream>> streams_;
  bool at_gate_ = false;
  bool gate_open_ = false;
};

// Answers by path: /echo describes the request, /throw and /throw-int throw, /silent sends
// nothing, /twice replies twice, /watch starts a stream (/gated-watch once the gate opens), /bad-status answers 42,
// /bad-header sets a header only the server may set.
void test_handler(Request& req, Reply& reply, StreamBox& streams) {
  if (req.path == "/echo") {
    nlohmann::json query = nlohmann::json::object();
    for (const auto& [name, value] : req.query) query[name].push_back(value);
    nlohmann::json body = {{"method", req.method},
                           {"path", req.path},
                           {"target", req.target},
                           {"query", query},
                           {"body", req.body},
                           {"user", req.user},
                           {"x-test", std::string(req.header("X-TEST"))}};
    Response response;
    response.body = body.dump();
    response.headers.emplace("X-Served-By", "xebec");
    return reply.send(std::move(response));
  }
  if (req.path == "/throw") throw std::runtime_error("boom");
  if (req.path == "/throw-int") throw 42;
  if (req.path == "/silent") return;
  if (req.path == "/twice") {
    reply.send(Response{200, "text/plain", "first", {}});
    reply.send(Response{200, "text/plain", "second", {}});
  }
  if (req.path == "/bad-status") return reply.send(Response{42, "text/plain", "", {}});
  if (req.path == "/bad-header") return reply.send(Response{200, "text/plain", "", {{"Content-Length", "1"}}});
  if (req.path == "/gated-watch") streams.wait_at_gate();
  if (req.path == "/watch" || req.path == "/gated-watch") {
    auto stream = reply.start_stream(200, "application/json", {{"X-Stream", "yes"}});
    stream->write("{\"type\":\"HELLO\"}\n");  // written from the handler itself
    return streams.add(stream);
  }
  reply.send(Response{404, "text/plain", "no such path", {}});
}

// A server on 127.0.0.1:0 with fresh TLS material and the admin token.
struct Fixture {
  explicit Fixture(HttpServerOptions options = {}) {
    auto files = ensure_tls(dir.path(), {});
    REQUIRE(files.ok());
    tls = *files;
    auto admin = ensure_admin_token(dir.path());
    REQUIRE(admin.ok());
    token = *admin;
    Authenticator auth;
    auth.add_token(token, std::string(kAdminUser));
    options.cert_file = tls.server_cert;
    options.key_file = tls.server_key;
    auto started = HttpServer::start(std::move(options), std::move(auth),
                                     [this](Request& req, Reply& reply) { test_handler(req, reply, streams); });
    REQUIRE(started.ok());
    server = std::move(*started);
  }
  ~Fixture() { streams.open_gate(); }  // so that stopping the server never waits for a gated handler

  testing::TempDir dir;
  TlsFiles tls;
  std::string token;
  StreamBox streams;
  std::unique_ptr<HttpServer> server;  // last: stopped first
};

nlohmann::json json_of(const testing::HttpResponse& response) { return nlohmann::json::parse(response.body()); }

std::string status_json(int code, const std::string& reason, const std::string& message) {
  return nlohmann::ordered_json{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                                {"status", "Failure"}, {"message", message}, {"reason", reason},
                                {"code", code}}
      .dump();
}

TEST_CASE("an authenticated request reaches the handler, on a kept-alive connection") {
  Fixture f;
  CHECK(f.server->port() != 0);
  TestClient client(f.server->port(), f.tls.ca_cert);

  http::request<http::string_body> req(verb::post, "/echo?watch=true&label=a%3Db&label=c+d", 11);
  req.set(http::field::authorization, "Bearer " + f.token);
  req.set("x-test", "header value");
  req.body() = "{\"spec\":{}}";
  req.prepare_payload();
  client.send(req);
  auto response = client.read_response();
  REQUIRE(response.result_int() == 200);
  CHECK(response[http::field::content_type] == "application/json");
  CHECK(response["X-Served-By"] == "xebec");
  CHECK(response.keep_alive());
  nlohmann::json echo = json_of(response);
  CHECK(echo["method"] == "POST");
  CHECK(echo["path"] == "/echo");
  CHECK(echo["target"] == "/echo?watch=true&label=a%3Db&label=c+d");
  CHECK(echo["query"] == nlohmann::json{{"watch", {"true"}}, {"label", {"a=b", "c d"}}});
  CHECK(echo["body"] == "{\"spec\":{}}");
  CHECK(echo["user"] == "admin");
  CHECK(echo["x-test"] == "header value");

  // The same connection serves the next requests.
  for (int i = 0; i < 3; ++i) CHECK(client.request(verb::get, "/echo", f.token).result_int() == 200);
  CHECK(client.request(verb::get, "/nowhere", f.token).result_int() == 404);
}

TEST_CASE("no token or a wrong one gets 401 with a Status, before the handler") {
  Fixture f;
  TestClient client(f.server->port(), f.tls.ca_cert);
  const std::string unauthorized = status_json(401, "Unauthorized", "Unauthorized");

  auto none = client.request(verb::get, "/echo", "");
  CHECK(none.result_int() == 401);
  CHECK(none[http::field::content_type] == "application/json");
  CHECK(none.body() == unauthorized);

  auto wrong = client.request(verb::get, "/echo", f.token + "x");
  CHECK(wrong.result_int() == 401);
  CHECK(wrong.body() == unauthorized);

  http::request<http::string_body> basic(verb::get, "/echo", 11);
  basic.set(http::field::authorization, "Basic " + f.token);
  client.send(basic);
  CHECK(client.read_response().result_int() == 401);

  // A 401 keeps the connection: the right token works on it next.
  CHECK(client.request(verb::get, "/echo", f.token).result_int() == 200);
}

TEST_CASE("a body over the limit gets 413") {
  SECTION("a configured limit") {
    HttpServerOptions options;
    options.body_limit = 1024;
    Fixture f(options);
    TestClient client(f.server->port(), f.tls.ca_cert);
    CHECK(client.request(verb::put, "/echo", f.token, std::string(1024, 'a')).result_int() == 200);
    auto big = client.request(verb::put, "/echo", f.token, std::string(1025, 'a'));
    CHECK(big.result_int() == 413);
    CHECK(json_of(big)["reason"] == "RequestEntityTooLarge");
    CHECK(json_of(big)["code"] == 413);
    CHECK_FALSE(big.keep_alive());
    CHECK(client.server_closed());
  }
  SECTION("the default limit, 3 MiB") {
    Fixture f;
    TestClient client(f.server->port(), f.tls.ca_cert);
    CHECK(client.request(verb::put, "/echo", f.token, std::string(3 << 20, 'a')).result_int() == 200);
    CHECK(client.request(verb::put, "/echo", f.token, std::string((3 << 20) + 1, 'a')).result_int() == 413);
  }
}

TEST_CASE("an unparseable request gets 400 and the server goes on") {
  Fixture f;
  const char* garbage[] = {"this is not http\r\n\r\n", "GET /echo HTTP/1.1\r\nbad header line\r\n\r\n",
                           "GET /echo HTTP/1.1\r\nContent-Length: -1\r\n\r\n"};
  for (const char* bytes : garbage) {
    INFO(bytes);
    TestClient client(f.server->port(), f.tls.ca_cert);
    client.write_raw(bytes);
    auto response = client.read_response();
    CHECK(response.result_int() == 400);
    CHECK(json_of(response)["reason"] == "BadRequest");
    CHECK(client.server_closed());
  }
  TestClient client(f.server->port(), f.tls.ca_cert);
  auto escape = client.request(verb::get, "/echo?a=%zz", f.token);
  CHECK(escape.result_int() == 400);
  CHECK(json_of(escape)["message"] == "request target '/echo?a=%zz' has a malformed %-escape");
  CHECK(client.request(verb::get, "/echo", f.token).result_int() == 200);
}

TEST_CASE("a handler that throws or fails to answer gets 500, and the server keeps serving") {
  Fixture f;
  TestClient client(f.server->port(), f.tls.ca_cert);

  auto thrown = client.request(verb::get, "/throw", f.token);
  CHECK(thrown.result_int() == 500);
  CHECK(thrown.body() == status_json(500, "InternalError", "Internal error occurred: boom"));
  CHECK(client.request(verb::get, "/echo", f.token).result_int() == 200);

  CHECK(client.request(verb::get, "/throw-int", f.token).result_int() == 500);
  auto silent = client.request(verb::get, "/silent", f.token);
  CHECK(silent.result_int() == 500);
  CHECK_THAT(silent.body(), Catch::Contains("the handler sent no response"));
  CHECK(client.request(verb::get, "/bad-status", f.token).result_int() == 500);
  auto bad_header = client.request(verb::get, "/bad-header", f.token);
  CHECK(bad_header.result_int() == 500);
  CHECK_THAT(bad_header.body(), Catch::Contains("'Content-Length' is malformed or reserved"));

  // A second reply throws inside the handler; the first one stands.
  auto twice = client.request(verb::get, "/twice", f.token);
  CHECK(twice.result_int() == 200);
  CHECK(twice.body() == "first");

  TestClient other(f.server->port(), f.tls.ca_cert);
  CHECK(other.request(verb::get, "/echo", f.token).result_int() == 200);
}

TEST_CASE("a stream delivers chunks written from other threads, then ends") {
  Fixture f;
  TestClient client(f.server->port(), f.tls.ca_cert);
  http::request<http::string_body> req(verb::get, "/watch?watch=true", 11);
  req.set(http::field::authorization, "Bearer " + f.token);
  client.send(req);
  const auto& head = client.read_head();
  CHECK(head.result_int() == 200);
  CHECK(head.chunked());
  CHECK(head[http::field::content_type] == "application/json");
  CHECK(head["X-Stream"] == "yes");
  const std::string hello = "{\"type\":\"HELLO\"}\n";
  CHECK(client.read_body_until(hello.size()) == hello);

  std::shared_ptr<Stream> stream = f.streams.wait_for(1)[0];
  std::thread writer([stream] {
    for (int i = 0; i < 3; ++i) CHECK(stream->write("{\"n\":" + std::to_string(i) + "}\n"));
  });
  writer.join();
  const std::string all = hello + "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n";
  CHECK(client.read_body_until(all.size()) == all);

  CHECK_FALSE(stream->closed());
  std::thread closer([stream] { stream->close(); });
  closer.join();
  CHECK(stream->closed());
  CHECK_FALSE(stream->write("late"));
  CHECK(client.read_to_end());
  CHECK(client.read_body_until(0) == all);
  CHECK(client.server_closed());
}

TEST_CASE("an HTTP/1.0 client cannot get a stream") {
  Fixture f;
  TestClient client(f.server->port(), f.tls.ca_cert);
  http::request<http::string_body> req(verb::get, "/watch", 10);
  req.set(http::field::authorization, "Bearer " + f.token);
  client.send(req);
  auto response = client.read_response();
  CHECK(response.result_int() == 505);
  CHECK_FALSE(json_of(response).contains("reason"));
  CHECK(f.streams.wait_for(1)[0]->closed());
}

TEST_CASE("a stream notices the client leaving") {
  Fixture f;
  TestClient client(f.server->port(), f.tls.ca_cert);
  http::request<http::string_body> req(verb::get, "/watch", 11);
  req.set(http::field::authorization, "Bearer " + f.token);
  client.send(req);
  client.read_head();
  std::shared_ptr<Stream> stream = f.streams.wait_for(1)[0];
  CHECK(stream->write("x"));
  client.drop();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!stream->closed() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(stream->closed());  // without writing anything
  CHECK_FALSE(stream->write("y"));
}

TEST_CASE("a client that does not read its stream is disconnected at the backlog limit") {
  HttpServerOptions options;
  options.stream_backlog_limit = 256 << 10;
  Fixture f(options);
  TestClient client(f.server->port(), f.tls.ca_cert);
  http::request<http::string_body> req(verb::get, "/watch", 11);
  req.set(http::field::authorization, "Bearer " + f.token);
  client.send(req);
  client.read_head();
  std::shared_ptr<Stream> stream = f.streams.wait_for(1)[0];
  const std::string chunk(64 << 10, 'z');
  int writes = 0;
  while (writes < 2000 && stream->write(chunk)) ++writes;  // at most 128 MiB, far beyond socket buffers
  CHECK(writes < 2000);
  CHECK(stream->closed());
}

TEST_CASE("100 streams stay open at once without holding the pool's threads") {
  HttpServerOptions options;
  options.threads = 2;
  Fixture f(options);
  constexpr int kStreams = 100;
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < kStreams; ++i) {
    clients.push_back(std::make_unique<TestClient>(f.server->port(), f.tls.ca_cert));
    http::request<http::string_body> req(verb::get, "/watch", 11);
    req.set(http::field::authorization, "Bearer " + f.token);
    clients.back()->send(req);
    REQUIRE(clients.back()->read_head().result_int() == 200);
  }
  std::vector<std::shared_ptr<Stream>> streams = f.streams.wait_for(kStreams);

  // With every stream open, ordinary requests are still served.
  TestClient other(f.server->port(), f.tls.ca_cert);
  CHECK(other.request(verb::get, "/echo", f.token).result_int() == 200);

  std::thread writer([&] {
    for (int i = 0; i < kStreams; ++i) CHECK(streams[i]->write("event " + std::to_string(i) + "\n"));
  });
  writer.join();
  // Each client got the greeting and its own event (streams are in the order the clients connected).
  const std::string hello = "{\"type\":\"HELLO\"}\n";
  for (int i = 0; i < kStreams; ++i) {
    std::string expected = hello + "event " + std::to_string(i) + "\n";
    CHECK(clients[i]->read_body_until(expected.size()) == expected);
  }
  for (auto& stream : streams) stream->close();
  for (auto& client : clients) CHECK(client->read_to_end());
}

TEST_CASE("stop() closes the listener, every connection and every stream") {
  Fixture f;
  TestClient idle(f.server->port(), f.tls.ca_cert);
  CHECK(idle.request(verb::get, "/echo", f.token).result_int() == 200);
  TestClient watcher(f.server->port(), f.tls.ca_cert);
  http::request<http::string_body> req(verb::get, "/watch", 11);
  req.set(http::field::authorization, "Bearer " + f.token);
  watcher.send(req);
  watcher.read_head();
  watcher.read_body_until(1);  // the handler's greeting
  std::shared_ptr<Stream> stream = f.streams.wait_for(1)[0];
  std::uint16_t port = f.server->port();

  f.server->stop();
  CHECK(stream->closed());
  CHECK_FALSE(stream->write("after stop"));
  CHECK(idle.server_closed());
  CHECK(watcher.server_closed());
  CHECK_THROWS(TestClient(port, f.tls.ca_cert));
  f.server->stop();  // idempotent
}

TEST_CASE("stop() waits for a running handler and closes the stream it starts") {
  Fixture f;
  TestClient client(f.server->port(), f.tls.ca_cert);
  http::request<http::string_body> req(verb::get, "/gated-watch", 11);
  req.set(http::field::authorization, "Bearer " + f.token);
  client.send(req);
  f.streams.wait_for_handler_at_gate();
  std::thread stopper([&] { f.server->stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // stop() is waiting for the handler
  f.streams.open_gate();
  stopper.join();
  std::shared_ptr<Stream> stream = f.streams.wait_for(1)[0];
  CHECK(stream->closed());
  CHECK_FALSE(stream->write("after stop"));
}

TEST_CASE("ALPN negotiates http/1.1 when the client offers HTTP/2") {
  Fixture f;
  TestClient both(f.server->port(), f.tls.ca_cert, {"h2", "http/1.1"});
  CHECK(both.alpn_selected() == "http/1.1");
  CHECK(both.request(verb::get, "/echo", f.token).result_int() == 200);

  TestClient h2_only(f.server->port(), f.tls.ca_cert, {"h2"});
  CHECK(h2_only.alpn_selected() == "");
  TestClient none(f.server->port(), f.tls.ca_cert);
  CHECK(none.alpn_selected() == "");
  CHECK(none.request(verb::get, "/echo", f.token).result_int() == 200);
}

TEST_CASE("start() errors name the address or the file") {
  testing::TempDir dir;
  auto tls = ensure_tls(dir.path(), {});
  REQUIRE(tls.ok());
  auto start = [&](HttpServerOptions options) {
    if (options.cert_file.empty()) options.cert_file = tls->server_cert;
    if (options.key_file.empty()) options.key_file = tls->server_key;
    return HttpServer::start(std::move(options), Authenticator(), [](Request&, Reply&) {});
  };
  auto first = start({});
  REQUIRE(first.ok());

  HttpServerOptions busy;
  busy.listen = "127.0.0.1:" + std::to_string((*first)->port());
  auto in_use = start(busy);
  REQUIRE_FALSE(in_use.ok());
  CHECK_THAT(in_use.error().message, Catch::Contains("cannot listen on " + busy.listen));

  for (const char* listen : {"127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", ":80", "[::1]"}) {
    INFO(listen);
    HttpServerOptions bad;
    bad.listen = listen;
    auto result = start(bad);
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error().message, Catch::Contains(std::string("listen address '") + listen + "'"));
  }

  HttpServerOptions no_cert;
  no_cert.cert_file = dir.path() + "/missing.crt";
  auto missing = start(no_cert);
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains(dir.path() + "/missing.crt"));

  HttpServerOptions wrong_key;
  wrong_key.key_file = tls->ca_key;
  auto mismatch = start(wrong_key);
  REQUIRE_FALSE(mismatch.ok());
  CHECK_THAT(mismatch.error().message, Catch::Contains(tls->ca_key) && Catch::Contains("mismatch"));

  HttpServerOptions by_name;
  by_name.listen = "localhost:0";
  auto named = start(by_name);
  REQUIRE(named.ok());
  CHECK((*named)->port() != 0);
}

}  // namespace
}  // namespace xebec::server
