// HttpsConnection: one HTTP/1.1 connection over TLS to the apiserver, with blocking calls that
// honour a deadline and can be interrupted from another thread (how a watch is stopped).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "controlplane/client/kubeconfig.h"
#include "controlplane/client/transport.h"

namespace xebec::client {

using Duration = std::chrono::milliseconds;

// Owns its socket and the io_context that drives it: each call runs the io_context on the
// calling thread until its operation completes or its deadline passes. Not thread-safe: one
// thread uses it at a time, except interrupt(), which any thread may call while another is
// blocked in a call. Errors are kUnavailable and name the server's URL.
class HttpsConnection {
 public:
  // Connects and completes the TLS handshake, verifying the server's certificate against the
  // CA loaded in `tls` and against access.host (a DNS name or an IP address SAN), all within
  // `timeout`. `tls` must outlive the connection.
  static Result<std::unique_ptr<HttpsConnection>> open(const ClusterAccess& access, boost::asio::ssl::context& tls,
                                                       Duration timeout);

  // Sends `request` and reads its whole response, within `timeout`.
  Result<HttpResponse> exchange(const HttpRequest& request, Duration timeout);

  // Sends `request` and reads the response's head within `timeout`, leaving the body to
  // read_stream(). Returns the HTTP status.
  Result<int> start_stream(const HttpRequest& request, Duration timeout);
  // The next bytes of the streamed body, waiting at most `timeout` (none: for ever); an empty
  // string once the body has ended.
  Result<std::string> read_stream(std::optional<Duration> timeout);

  // How far the last exchange() got, for deciding whether a failed request may be sent again
  // on another connection. A connection the server had already closed fails at kNotSent or kSent.
  enum class Progress {
    kNotSent,    // the request was not sent whole: the server cannot have acted on it
    kSent,       // sent whole, and not a byte of an answer came back
    kAnswering,  // part of the answer came
    kAnswered,
  };
  Progress progress() const { return progress_; }
  // Whether another request may follow on this connection: the last one was answered whole
  // and the server did not ask to close.
  bool reusable() const { return reusable_; }

  // Makes the call blocked in another thread (and every later one) fail at once.
  void interrupt();

  // Whether an idle connection is still open: the server has neither closed it nor sent anything.
  bool idle_and_open();

 private:
  HttpsConnection(const ClusterAccess& access, boost::asio::ssl::context& tls);
  Status connect(Duration timeout);
  Status send(const HttpRequest& request);
  template <typename Start>
  boost::system::error_code run(Start start);
  Error failure(const std::string& doing, const boost::system::error_code& ec) const;

  const std::string url_;
  const std::string host_;
  const std::uint16_t port_;
  const std::string authorization_;  // "Bearer TOKEN"
  boost::asio::io_context io_;
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> stream_parser_;
  std::atomic<bool> interrupted_{false};
  bool reusable_ = false;
  Progress progress_ = Progress::kNotSent;
};

}  // namespace xebec::client
