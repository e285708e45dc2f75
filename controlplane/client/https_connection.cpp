// HttpsConnection: Beast's asynchronous operations run to completion on the connection's own
// io_context, so each call has a deadline (tcp_stream's expiry) and interrupt() can stop it.
#include "controlplane/client/https_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <limits>

namespace xebec::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

// How long a watch connection to a host that vanished without closing it goes unnoticed: TCP
// keepalive probes after this much silence, every kKeepaliveInterval, kKeepaliveProbes times.
constexpr int kKeepaliveIdleSeconds = 30;
constexpr int kKeepaliveIntervalSeconds = 10;
constexpr int kKeepaliveProbes = 3;

// No limit on a response body. Not boost::none: Boost 1.74's parser compares a Content-Length
// with the optional limit, and a length is greater than an empty optional.
constexpr std::uint64_t kNoBodyLimit = std::numeric_limits<std::uint64_t>::max();

std::string url_host(const std::string& host) { return host.find(':') == std::string::npos ? host : "[" + host + "]"; }

}  // namespace

HttpsConnection::HttpsConnection(const ClusterAccess& access, asio::ssl::context& tls)
    : url_(access.server),
      host_(access.host),
      port_(access.port),
      authorization_("Bearer " + access.token),
      stream_(io_, tls) {}

Result<std::unique_ptr<HttpsConnection>> HttpsConnection::open(const ClusterAccess& access, asio::ssl::context& tls,
                                                               Duration timeout) {
  std::unique_ptr<HttpsConnection> c(new HttpsConnection(access, tls));
  if (Status s = c->connect(timeout); !s) return s.error();
  return c;
}

template <typename Start>
error_code HttpsConnection::run(Start start) {
  std::optional<error_code> result;
  start([&result](error_code ec, auto&&...) { result = ec; });
  // interrupt() sets the flag before stopping io_: if it stopped io_ before this restart, the
  // flag is already visible here. An operation left pending is never resumed: once
  // interrupted, io_ never runs again.
  io_.restart();
  if (!interrupted_) io_.run();
  return result.value_or(asio::error::operation_aborted);
}

Error HttpsConnection::failure(const std::string& doing, const error_code& ec) const {
  const std::string why = interrupted_ ? "interrupted" : ec == beast::error::timeout ? "timed out" : ec.message();
  return err("apiserver " + url_ + ": " + doing + ": " + why, ErrorCode::kUnavailable);
}

Status HttpsConnection::connect(Duration timeout) {
  auto& tcp = beast::get_lowest_layer(stream_);
  tcp.expires_after(timeout);
  error_code ec;
  const auto addresses = asio::ip::tcp::resolver(io_).resolve(host_, std::to_string(port_), ec);
  if (ec) return failure("resolving " + host_, ec);
  ec = run([&](auto done) { tcp.async_connect(addresses, std::move(done)); });
  if (ec) return failure("connecting", ec);
  auto& socket = tcp.socket();
  socket.set_option(asio::ip::tcp::no_delay(true), ec);  // a request is a header and a body write
  socket.set_option(asio::socket_base::keep_alive(true), ec);
  const int fd = socket.native_handle();
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &kKeepaliveIdleSeconds, sizeof kKeepaliveIdleSeconds);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &kKeepaliveIntervalSeconds, sizeof kKeepaliveIntervalSeconds);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &kKeepaliveProbes, sizeof kKeepaliveProbes);

  // SNI for names; an IP address is checked against the certificate's IP SANs instead.
  error_code not_ip;
  asio::ip::make_address(host_, not_ip);
  if (not_ip) SSL_set_tlsext_host_name(stream_.native_handle(), host_.c_str());
  stream_.set_verify_mode(asio::ssl::verify_peer);
  stream_.set_verify_callback(asio::ssl::host_name_verification(host_));
  ec = run([&](auto done) { stream_.async_handshake(asio::ssl::stream_base::client, std::move(done)); });
  if (ec) return failure("TLS handshake (is the kubeconfig's CA the one that signed the server's certificate?)", ec);
  return {};
}

Status HttpsConnection::send(const HttpRequest& request) {
  progress_ = Progress::kNotSent;
  reusable_ = false;
  http::request<http::string_body> message;
  message.version(11);
  message.method_string(request.method);
  message.target(request.target);
  message.set(http::field::host, url_host(host_) + ":" + std::to_string(port_));
  message.set(http::field::authorization, authorization_);
  message.set(http::field::accept, "application/json");
  message.set(http::field::user_agent, "xebec-client");
  if (!request.content_type.empty()) message.set(http::field::content_type, request.content_type);
  message.keep_alive(true);
  message.body() = request.body;
  message.prepare_payload();
  const error_code ec = run([&](auto done) { http::async_write(stream_, message, std::move(done)); });
  if (ec) return failure("sending the request", ec);
  progress_ = Progress::kSent;
  return {};
}

Result<HttpResponse> HttpsConnection::exchange(const HttpRequest& request, Duration timeout) {
  beast::get_lowest_layer(stream_).expires_after(timeout);  // one deadline for the whole exchange
  if (Status s = send(request); !s) return s.error();
  http::response_parser<http::string_body> parser;
  parser.body_limit(kNoBodyLimit);  // a list is as large as the data it holds
  const error_code ec = run([&](auto done) { http::async_read(stream_, buffer_, parser, std::move(done)); });
  if (parser.got_some()) progress_ = Progress::kAnswering;
  if (ec) return failure("reading the answer", ec);
  progress_ = Progress::kAnswered;
  auto& response = parser.get();
  reusable_ = response.keep_alive();
  return HttpResponse{static_cast<int>(response.result_int()), std::move(response.body())};
}

Result<int> HttpsConnection::start_stream(const HttpRequest& request, Duration timeout) {
  beast::get_lowest_layer(stream_).expires_after(timeout);
  if (Status s = send(request); !s) return s.error();
  auto& parser = stream_parser_.emplace();
  parser.body_limit(kNoBodyLimit);  // a watch streams for as long as it lives
  const error_code ec = run([&](auto done) { http::async_read_header(stream_, buffer_, parser, std::move(done)); });
  if (ec) return failure("reading the answer", ec);
  return static_cast<int>(parser.get().result_int());
}

Result<std::string> HttpsConnection::read_stream(std::optional<Duration> timeout) {
  auto& parser = *stream_parser_;
  if (timeout) {
    beast::get_lowest_layer(stream_).expires_after(*timeout);
  } else {
    beast::get_lowest_layer(stream_).expires_never();
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

void HttpsConnection::interrupt() {
  interrupted_ = true;
  io_.stop();
}

bool HttpsConnection::idle_and_open() {
  auto& socket = beast::get_lowest_layer(stream_).socket();
  if (interrupted_ || !socket.is_open() || buffer_.size() != 0) return false;
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace xebec::client
