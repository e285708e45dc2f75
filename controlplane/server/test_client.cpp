// The server tests' HTTPS client (see test_client.h).
#include "controlplane/server/test_client.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace xebec::server::testing {
namespace {

constexpr std::chrono::seconds kTimeout{10};

void check(const beast::error_code& ec, const std::string& what) {
  if (ec) throw std::runtime_error("test client: " + what + ": " + ec.message());
}

}  // namespace

template <typename Initiate>
beast::error_code TestClient::run(Initiate&& initiate) {
  beast::error_code result;
  beast::get_lowest_layer(stream_).expires_after(kTimeout);
  initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc_.restart();
  ioc_.run();
  return result;
}

TestClient::TestClient(std::uint16_t port, const std::string& ca_file, const std::vector<std::string>& alpn)
    : tls_context_(boost::asio::ssl::context::tls_client), stream_(ioc_, tls_context_) {
  tls_context_.load_verify_file(ca_file);
  stream_.set_verify_mode(boost::asio::ssl::verify_peer);
  stream_.set_verify_callback(boost::asio::ssl::host_name_verification("127.0.0.1"));
  if (!alpn.empty()) {
    std::string wire;
    for (const std::string& name : alpn) wire += static_cast<char>(name.size()) + name;
    SSL_set_alpn_protos(stream_.native_handle(), reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
  check(run([&](auto handler) { beast::get_lowest_layer(stream_).async_connect(endpoint, handler); }), "connect");
  check(run([&](auto handler) { stream_.async_handshake(boost::asio::ssl::stream_base::client, handler); }),
        "TLS handshake");
}

HttpResponse TestClient::request(http::verb method, const std::string& target, const std::string& token,
                                 std::string body) {
  http::request<http::string_body> req(method, target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  req.body() = std::move(body);
  req.prepare_payload();
  send(std::move(req));
  return read_response();
}

void TestClient::send(http::request<http::string_body> request) {
  check(run([&](auto handler) { http::async_write(stream_, request, handler); }), "write request");
}

HttpResponse TestClient::read_response() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  check(run([&](auto handler) { http::async_read(stream_, buffer_, parser, handler); }), "read response");
  return parser.release();
}

void TestClient::write_raw(const std::string& bytes) {
  check(run([&](auto handler) { boost::asio::async_write(stream_, boost::asio::buffer(bytes), handler); }), "write");
}

const http::response<http::string_body>& TestClient::read_head() {
  parser_.emplace();
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // not boost::none: see etcd_connection.cpp
  check(run([&](auto handler) { http::async_read_header(stream_, buffer_, *parser_, handler); }), "read head");
  return parser_->get();
}

const std::string& TestClient::read_body_until(std::size_t size) {
  while (parser_->get().body().size() < size && !parser_->is_done()) {
    check(run([&](auto handler) { http::async_read_some(stream_, buffer_, *parser_, handler); }), "read body");
  }
  return parser_->get().body();
}

bool TestClient::read_to_end() {
  beast::error_code ec = run([&](auto handler) { http::async_read(stream_, buffer_, *parser_, handler); });
  return !ec && parser_->is_done();
}

bool TestClient::server_closed() {
  char byte;
  beast::error_code ec = run([&](auto handler) { stream_.async_read_some(boost::asio::buffer(&byte, 1), handler); });
  return ec && ec != beast::error::timeout;
}

std::string TestClient::alpn_selected() {
  const unsigned char* data = nullptr;
  unsigned int size = 0;
  SSL_get0_alpn_selected(stream_.native_handle(), &data, &size);
  return std::string(reinterpret_cast<const char*>(data), size);
}

void TestClient::drop() {
  beast::error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(stream_).close();
}

}  // namespace xebec::server::testing
