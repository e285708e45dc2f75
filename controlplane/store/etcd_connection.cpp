// HttpConnection: Beast's asynchronous operations run to completion on the connection's own
// io_context, so each call has a deadline (tcp_stream's expiry) and interrupt() can stop it.
#include "controlplane/store/etcd_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <string_view>

namespace xebec::store::etcd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

// No limit on an answer's body. Not boost::none: Boost 1.74's parser compares a Content-Length
// with the optional limit, and any length is greater than an empty optional.
constexpr std::uint64_t kNoBodyLimit = std::numeric_limits<std::uint64_t>::max();

// How long a broken watch connection that the peer never closed (a host gone) goes unnoticed:
// TCP keepalive probes after this much silence, every kKeepaliveInterval, kKeepaliveProbes times.
constexpr int kKeepaliveIdleSeconds = 10;
constexpr int kKeepaliveIntervalSeconds = 5;
constexpr int kKeepaliveProbes = 3;

Result<Endpoint> parse_endpoint(const std::string& url) {
  const auto invalid = [&](const std::string& why) {
    return err("etcd endpoint \"" + url + "\": " + why + " (expected http://HOST:PORT)", ErrorCode::kInvalid);
  };
  constexpr std::string_view kScheme = "http://";
  if (url.starts_with("https://")) return invalid("TLS is not supported");
  if (!url.starts_with(kScheme)) return invalid("not an http:// URL");
  std::string rest = url.substr(kScheme.size());
  if (rest.ends_with('/')) rest.pop_back();
  if (rest.find('/') != std::string::npos) return invalid("has a path");
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return invalid("has no port");
  std::string host = rest.substr(0, colon);
  const std::string port = rest.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5) return invalid("bad port");
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  return Endpoint{url, host, port};
}

HttpConnection::HttpConnection(Endpoint endpoint) : endpoint_(std::move(endpoint)), stream_(io_) {}

Result<std::unique_ptr<HttpConnection>> HttpConnection::open(const Endpoint& endpoint, Duration timeout) {
  std::unique_ptr<HttpConnection> c(new HttpConnection(endpoint));
  if (Status s = c->connect(timeout); !s) return s.error();
  return c;
}

template <typename Start>
error_code HttpConnection::run(Start start) {
  std::optional<error_code> result;
  start([&result](error_code ec, auto&&...) { result = ec; });
  // interrupt() sets the flag before stopping io_: if it stopped io_ before this restart, the
  // flag is already visible here.
  io_.restart();
  if (!interrupted_) io_.run();
  return result.value_or(asio::error::operation_aborted);
}

Error HttpConnection::failure(const std::string& doing, const error_code& ec) const {
  const std::string why = interrupted_ ? "interrupted" : ec.message();
  return err("etcd at " + endpoint_.url + ": " + doing + ": " + why, ErrorCode::kUnavailable);
}

Status HttpConnection::connect(Duration timeout) {
  error_code ec;
  const auto addresses = asio::ip::tcp::resolver(io_).resolve(endpoint_.host, endpoint_.port, ec);
  if (ec) return failure("resolving " + endpoint_.host, ec);
  stream_.expires_after(timeout);
  ec = run([&](auto done) { stream_.async_connect(addresses, std::move(done)); });
  if (ec) return failure("connecting", ec);
  auto& socket = stream_.socket();
  socket.set_option(asio::ip::tcp::no_delay(true), ec);  // a request is a header and a body write
  socket.set_option(asio::socket_base::keep_alive(true), ec);
  const int fd = socket.native_handle();
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &kKeepaliveIdleSeconds, sizeof kKeepaliveIdleSeconds);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &kKeepaliveIntervalSeconds, sizeof kKeepaliveIntervalSeconds);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &kKeepaliveProbes, sizeof kKeepaliveProbes);
  return {};
}

Status HttpConnection::write_post(const std::string& target, const std::string& body) {
  http::request<http::string_body> request{http::verb::post, target, 11};
  const bool ipv6 = endpoint_.host.find(':') != std::string::npos;
  request.set(http::field::host, (ipv6 ? "[" + endpoint_.host + "]" : endpoint_.host) + ":" + endpoint_.port);
  request.set(http::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = body;
  request.prepare_payload();
  const error_code ec = run([&](auto done) { http::async_write(stream_, request, std::move(done)); });
  if (ec) return failure("sending " + target, ec);
  return {};
}

Result<HttpResponse> HttpConnection::post(const std::string& target, const std::string& body, Duration timeout) {
  stream_.expires_after(timeout);
  if (Status s = write_post(target, body); !s) return s.error();
  http::response_parser<http::string_body> parser;
  parser.body_limit(kNoBodyLimit);  // a list is as large as the data; etcd bounds it
  const error_code ec = run([&](auto done) { http::async_read(stream_, buffer_, parser, std::move(done)); });
  if (ec) return failure("reading the answer to " + target, ec);
  auto& response = parser.get();
  return HttpResponse{response.result_int(), std::move(response.body()), response.keep_alive()};
}

Result<unsigned> HttpConnection::start_stream(const std::string& target, const std::string& body, Duration timeout) {
  stream_.expires_after(timeout);
  if (Status s = write_post(target, body); !s) return s.error();
  auto& parser = stream_parser_.emplace();
  parser.body_limit(kNoBodyLimit);  // a watch streams for as long as it lives
  const error_code ec = run([&](auto done) { http::async_read_header(stream_, buffer_, parser, std::move(done)); });
  if (ec) return failure("reading the answer to " + target, ec);
  return parser.get().result_int();
}

Result<std::string> HttpConnection::read_stream(std::optional<Duration> timeout) {
  auto& parser = *stream_parser_;
  if (timeout) {
    stream_.expires_after(*timeout);
  } else {
    stream_.expires_never();
  }
  char chunk[16 * 1024];
  while (!parser.is_done()) {
    auto& body = parser.get().body();
    body.data = chunk;
    body.size = sizeof chunk;
    error_code ec = run([&](auto done) { http::async_read_some(stream_, buffer_, parser, std::move(done)); });
    if (ec == http::error::need_buffer) ec = {};  // chunk is full: hand it out
    if (ec) return failure("reading the stream", ec);
    if (const std::size_t n = sizeof chunk - body.size; n > 0) return std::string(chunk, n);
  }
  return std::string();
}

void HttpConnection::interrupt() {
  interrupted_ = true;
  io_.stop();
}

bool HttpConnection::idle_and_open() {
  if (interrupted_ || !stream_.socket().is_open() || buffer_.size() != 0) return false;
  char byte;
  const ssize_t n = ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace xebec::store::etcd
