// The HTTPS listener, its TLS context and its thread pool (see http_server.h); each accepted
// connection is served by a Connection (connection.h).
#include "controlplane/server/http_server.h"

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <charconv>
#include <mutex>
#include <thread>
#include <vector>

#include "controlplane/server/connection.h"

namespace xebec::server {
namespace {

using tcp = net::ip::tcp;

// The address HOST:PORT names ("[v6]:PORT" for IPv6); HOST may be a name to resolve.
Result<tcp::endpoint> listen_endpoint(const std::string& listen) {
  auto bad = [&](const std::string& why) {
    return err("listen address '" + listen + "': " + why, ErrorCode::kInvalid);
  };
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return bad("expected HOST:PORT");
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::uint16_t port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size()) {
    return bad("'" + port_text + "' is not a port (0-65535)");
  }
  if (host.empty()) return bad("the host is empty");
  beast::error_code error;
  net::ip::address address = net::ip::make_address(host, error);
  if (!error) return tcp::endpoint(address, port);
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, port_text, error);
  if (error || results.empty()) return bad("cannot resolve '" + host + "': " + error.message());
  return results.begin()->endpoint();
}

// ALPN: pick "http/1.1" whatever else (h2) the client offers; no ALPN answer if it does not offer it.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in, unsigned int in_len,
                void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kHttp11, sizeof kHttp11, in, in_len) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

Result<net::ssl::context> tls_context(const HttpServerOptions& options) {
  net::ssl::context tls(net::ssl::context::tls_server);
  SSL_CTX* ctx = tls.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  beast::error_code ec;
  tls.use_certificate_chain_file(options.cert_file, ec);
  if (ec) return err(options.cert_file + ": cannot load the serving certificate: " + ec.message(), ErrorCode::kInvalid);
  tls.use_private_key_file(options.key_file, net::ssl::context::pem, ec);
  // This also checks that the key is the certificate's ("key values mismatch").
  if (ec) return err(options.key_file + ": cannot load the serving key: " + ec.message(), ErrorCode::kInvalid);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  return tls;
}

}  // namespace

// The io_context and its threads, the listener, and what the connections share. Accepting runs
// on the acceptor's strand; stop() runs on the owner's thread.
struct HttpServer::Impl {
  explicit Impl(std::shared_ptr<ServerShared> s)
      : ioc(s->options.threads),
        acceptor(net::make_strand(ioc)),
        retry_timer(acceptor.get_executor()),
        shared(std::move(s)) {}

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor.is_open()) return;  // stopping
      if (ec) {                         // e.g. out of file descriptors: try again shortly rather than spin
        retry_timer.expires_after(std::chrono::milliseconds(100));
        retry_timer.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && acceptor.is_open()) accept();
        });
        return;
      }
      auto connection = std::make_shared<Connection>(std::move(socket), shared);
      {
        std::lock_guard lock(shared->mu);
        if (shared->stopping) return;
        shared->open.emplace(connection.get(), connection);
      }
      connection->start();
      accept();
    });
  }

  void run() {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (...) {
        // Something escaped a completion handler (handlers' own exceptions are caught where they
        // are called): that operation is lost, the server keeps serving.
      }
    }
  }

  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer retry_timer;
  const std::shared_ptr<ServerShared> shared;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  std::once_flag stopped;
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpServerOptions options, Authenticator authenticator,
                                                      Handler handler) {
  if (options.threads < 1) return err("the server needs at least one thread", ErrorCode::kInvalid);
  if (!handler) return err("the server needs a handler", ErrorCode::kInvalid);
  auto endpoint = listen_endpoint(options.listen);
  if (!endpoint) return endpoint.error();
  auto tls = tls_context(options);
  if (!tls) return tls.error();
  std::string listen = options.listen;
  auto impl = std::make_unique<Impl>(std::make_shared<ServerShared>(std::move(options), std::move(authenticator),
                                                                    std::move(handler), std::move(*tls)));
  beast::error_code ec;
  auto& acceptor = impl->acceptor;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return err("cannot listen on " + listen + ": " + ec.message(), ErrorCode::kUnavailable);
  impl->port = acceptor.local_endpoint().port();
  impl->accept();
  for (int i = 0; i < impl->shared->options.threads; ++i) impl->threads.emplace_back([p = impl.get()] { p->run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

std::uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::stop() {
  std::call_once(impl_->stopped, [this] { stop_once(); });
}

void HttpServer::stop_once() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(impl_->shared->mu);
    impl_->shared->stopping = true;
    for (auto& [ptr, weak] : impl_->shared->open) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    impl->retry_timer.cancel();
  });
  for (auto& connection : open) connection->abort();
  open.clear();
  for (std::thread& t : impl_->threads) t.join();
}

}  // namespace xebec::server
