// One HTTP/1.1 connection to an etcd endpoint's JSON gateway, with blocking calls that honour a
// deadline and can be interrupted from another thread (how a watch is stopped).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace xebec::store::etcd {

using Duration = std::chrono::milliseconds;

// An endpoint as given by the user ("http://127.0.0.1:2379"), split for connecting.
struct Endpoint {
  std::string url;  // as given, for messages
  std::string host;
  std::string port;
};

// Accepts "http://HOST:PORT" with an optional trailing "/"; kInvalid otherwise (TLS is not supported).
Result<Endpoint> parse_endpoint(const std::string& url);

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  bool keep_alive = false;  // the connection can carry another request
};

// Owns its socket and the io_context that drives it. Not thread-safe: one thread uses it at a
// time, except interrupt(), which any thread may call while another is blocked in a call.
class HttpConnection {
 public:
  static Result<std::unique_ptr<HttpConnection>> open(const Endpoint& endpoint, Duration timeout);

  const Endpoint& endpoint() const { return endpoint_; }

  // POSTs a JSON body and reads the whole response.
  Result<HttpResponse> post(const std::string& target, const std::string& body, Duration timeout);

  // POSTs a JSON body and reads the response's header, leaving the body to read_stream().
  // Returns the HTTP status.
  Result<unsigned> start_stream(const std::string& target, const std::string& body, Duration timeout);
  // The next bytes of the streamed body, waiting at most `timeout` (none: for ever); an empty
  // string when the body ended.
  Result<std::string> read_stream(std::optional<Duration> timeout);

  // Makes the call blocked in another thread (and every later one) fail at once.
  void interrupt();

  // Whether an idle connection is still open: the peer has neither closed it nor sent anything.
  bool idle_and_open();

 private:
  explicit HttpConnection(Endpoint endpoint);
  Status connect(Duration timeout);
  Status write_post(const std::string& target, const std::string& body);
  template <typename Start>
  boost::system::error_code run(Start start);
  Error failure(const std::string& doing, const boost::system::error_code& ec) const;

  Endpoint endpoint_;
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> stream_parser_;
  std::atomic<bool> interrupted_{false};
};

}  // namespace xebec::store::etcd
