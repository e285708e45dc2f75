// The apiserver's HTTPS front end: an HTTP/1.1-over-TLS server (Boost.Beast, Asio) that
// authenticates every request by bearer token and hands it to one Handler (see handler.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "controlplane/server/auth.h"
#include "controlplane/server/handler.h"
#include "common/result.h"

namespace xebec::server {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:0";  // HOST:PORT ("[::1]:6443" for IPv6); port 0 picks a free port
  std::string cert_file;               // PEM serving certificate, optionally followed by its chain
  std::string key_file;                // PEM private key of cert_file
  int threads = 4;                     // the pool that runs TLS, HTTP parsing and handlers
  std::size_t body_limit = 3 << 20;    // a larger request body is refused with 413
  // The TLS handshake, and each request from the moment the server waits for it until its body
  // is in, must arrive within this, or the connection is closed (so also for idle keep-alive).
  std::chrono::seconds read_timeout{60};
  // A response, or one write of stream chunks, the client does not take within this closes the connection.
  std::chrono::seconds write_timeout{30};
  // Bytes a Stream may hold unsent; a client that falls further behind is disconnected.
  std::size_t stream_backlog_limit = 16 << 20;
};

// Serves HTTPS (HTTP/1.1 only; ALPN selects "http/1.1", so HTTP/2 clients fall back) with
// keep-alive and chunked streams. Before the handler: a request without a known bearer token
// gets 401, one whose body exceeds the limit 413, one that cannot be parsed 400; all with a
// Kubernetes Status body. A handler that throws gets its request a 500 and the server goes on.
// Streams cost no thread while idle.
//
// Owns the listener, every connection and the pool threads. port() may be called from any thread;
// stop() from any thread except the pool's own (a handler), as it waits for them.
class HttpServer {
 public:
  // Loads the certificate and key, listens and starts the pool. Errors name the file or address.
  static Result<std::unique_ptr<HttpServer>> start(HttpServerOptions options, Authenticator authenticator,
                                                   Handler handler);
  ~HttpServer();  // stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port listened on (the one picked, if the options said 0).
  std::uint16_t port() const;

  // Closes the listener and every connection (open Streams start refusing writes) and joins the
  // pool threads, after waiting for handlers that are running to return. Idempotent; a second
  // caller waits for the first.
  void stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  void stop_once();
  std::unique_ptr<Impl> impl_;
};

}  // namespace xebec::server
