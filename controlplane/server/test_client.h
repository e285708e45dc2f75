// A blocking HTTPS client for the server tests: Beast over TLS to 127.0.0.1, verifying the
// server's certificate against a CA file and the name 127.0.0.1. Every wait is bounded.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xebec::server::testing {

namespace beast = boost::beast;
namespace http = beast::http;

using HttpResponse = http::response<http::string_body>;

// One TLS connection, made by the constructor (which throws std::runtime_error if it cannot).
// Operations throw std::runtime_error on failure or after 10 s. Not thread-safe.
class TestClient {
 public:
  // `alpn`: protocol names to offer ("h2", "http/1.1"); none by default.
  TestClient(std::uint16_t port, const std::string& ca_file, const std::vector<std::string>& alpn = {});

  // Sends one request (with "Authorization: Bearer <token>" unless token is empty) and reads the response.
  HttpResponse request(http::verb method, const std::string& target, const std::string& token, std::string body = {});
  void send(http::request<http::string_body> request);
  HttpResponse read_response();
  void write_raw(const std::string& bytes);

  // A streamed response: read_head() reads the status line and headers; read_body_until() reads
  // until the body received so far holds `size` bytes or the body ends, and returns it;
  // read_to_end() reads the rest and returns whether the body ended properly (last chunk).
  const http::response<http::string_body>& read_head();
  const std::string& read_body_until(std::size_t size);
  bool read_to_end();

  // Whether the server closes the connection within 10 s (any read ending in an error).
  bool server_closed();
  // The protocol the server selected with ALPN, or "".
  std::string alpn_selected();
  // Drops the TCP connection at once, without a TLS goodbye.
  void drop();

 private:
  // Starts an asynchronous operation by calling `initiate(handler)` and runs it to completion.
  template <typename Initiate>
  beast::error_code run(Initiate&& initiate);

  boost::asio::io_context ioc_;
  boost::asio::ssl::context tls_context_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
};

}  // namespace xebec::server::testing
