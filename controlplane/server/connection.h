// One client connection of the HTTPS server: TLS handshake, reading requests, authentication,
// calling the handler and writing its Response or Stream. Internal to http_server.cpp.
#pragma once

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "controlplane/server/auth.h"
#include "controlplane/server/chunk_stream.h"
#include "controlplane/server/handler.h"
#include "controlplane/server/http_server.h"

namespace xebec::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

class Connection;

// What all connections of one server share. Owned jointly by the server and its connections, so
// the TLS context outlives every TLS stream. `open` lists the live connections for stop().
struct ServerShared {
  ServerShared(HttpServerOptions options, Authenticator authenticator, Handler handler, net::ssl::context tls)
      : options(std::move(options)),
        authenticator(std::move(authenticator)),
        handler(std::move(handler)),
        tls(std::move(tls)) {}
  const HttpServerOptions options;
  const Authenticator authenticator;
  const Handler handler;
  net::ssl::context tls;

  std::mutex mu;
  bool stopping = false;                                            // under mu: refuse new connections
  std::unordered_map<Connection*, std::weak_ptr<Connection>> open;  // under mu
};

// Owned by the asynchronous operations pending on it (each holds a shared_ptr); a handler's Stream
// refers to it only weakly. Everything runs on the connection's strand (the socket's executor)
// except start(), abort(), post_chunk() and post_finish(), which any thread may call.
//
// After the handshake it reads requests one at a time (keep-alive). A request answered with a
// Stream turns the connection into a stream connection for good: it reads no more requests, only
// watches for the client leaving, and closes when the stream ends.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `socket` must have been accepted with a strand as its executor.
  Connection(net::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared);
  ~Connection();

  void start();
  void abort();  // closes the connection now

  // For ChunkStream: queue a chunk / end the stream after the queued chunks.
  void post_chunk(std::string chunk);
  void post_finish();

 private:
  void on_handshake(beast::error_code ec);
  void read_request();
  void on_read(beast::error_code ec, std::size_t bytes);
  void serve(http::request<http::string_body> message);
  void write_response(Response response, bool keep_alive);
  void on_write(beast::error_code ec, std::size_t bytes);

  void begin_stream(const Response& head, std::shared_ptr<ChunkStream> stream);
  void write_chunks();
  void on_stream_write(beast::error_code ec, std::size_t bytes);
  void on_last_chunk(beast::error_code ec, std::size_t bytes);

  void linger_close();
  void drain();
  void close();

  const std::shared_ptr<ServerShared> shared_;
  beast::ssl_stream<beast::tcp_stream> tls_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  unsigned version_ = 11;                                      // of the request being answered: 10 or 11
  std::optional<http::response<http::string_body>> response_;  // being written

  // Stream mode.
  std::shared_ptr<ChunkStream> stream_;
  std::optional<http::response<http::empty_body>> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> stream_head_writer_;
  std::deque<std::string> pending_;     // chunks waiting for the socket
  std::vector<std::string> in_flight_;  // chunks being written
  bool writing_ = false;                // a write of the head or of chunks is in flight
  bool finishing_ = false;              // the stream was closed: end the body after pending_
  bool last_chunk_sent_ = false;

  // Closing.
  bool draining_ = false;  // reading and discarding what the client sends, until it leaves
  bool closed_ = false;
  net::steady_timer linger_timer_;
  std::array<char, 4096> discard_{};
};

}  // namespace xebec::server
