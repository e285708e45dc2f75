// HttpsApiClient: the HTTPS Transport under RestClient: a pool of HttpsConnections for requests,
// and a connection and thread per watch.
#include "controlplane/client/https_api_client.h"

#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "controlplane/client/https_connection.h"
#include "controlplane/client/status_error.h"

namespace xebec::client {

namespace {

using Clock = std::chrono::steady_clock;

// How long reading the rest of a refused watch's answer (a Status) may take.
constexpr Duration kRefusalReadTimeout = std::chrono::seconds(5);

Duration left_until(Clock::time_point deadline) {
  return std::max(Duration(1), std::chrono::duration_cast<Duration>(deadline - Clock::now()));
}

// Methods the server may be sent twice without harm (RFC 9110 9.2.2): a request of these is
// sent again when its connection drops before any answer came back.
bool idempotent(const std::string& method) { return method == "GET" || method == "PUT" || method == "DELETE"; }

// A watch's stream, read on a thread of its own and handed to the sink line by line.
class HttpsWatch final : public WatchHandle {
 public:
  HttpsWatch(std::unique_ptr<HttpsConnection> connection, LineSink sink, std::string what)
      : connection_(std::move(connection)),
        thread_([this, sink = std::move(sink), what = std::move(what)] { read(sink, what); }) {}
  ~HttpsWatch() override {
    stopped_ = true;
    connection_->interrupt();
    thread_.join();
  }

 private:
  void read(const LineSink& sink, const std::string& what) {
    std::string pending;  // a line not yet whole
    while (true) {
      auto bytes = connection_->read_stream(std::nullopt);
      if (stopped_) return;
      if (!bytes) return sink.on_end(err(what + ": " + bytes.error().message, ErrorCode::kUnavailable));
      if (bytes->empty()) return sink.on_end({});  // the server ended the body properly
      pending += *bytes;
      std::size_t start = 0;
      for (std::size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
        if (stopped_) return;
        sink.on_line(std::string_view(pending).substr(start, end - start));
      }
      pending.erase(0, start);
    }
  }

  std::unique_ptr<HttpsConnection> connection_;
  std::atomic<bool> stopped_{false};
  std::thread thread_;  // last: starts once the rest is made
};

}  // namespace

// The pool: idle connections, most recently used last, and a count of those open (idle or
// lent out) that max_connections bounds. Thread-safe.
class HttpsTransport final : public Transport {
 public:
  HttpsTransport(ClusterAccess access, HttpsOptions options, std::unique_ptr<boost::asio::ssl::context> tls)
      : access_(std::move(access)), options_(options), tls_(std::move(tls)) {}

  Result<HttpResponse> round_trip(const HttpRequest& request) override {
    const auto deadline = Clock::now() + options_.request_timeout;
    for (bool retried = false;; retried = true) {
      bool reused = false;
      auto connection = acquire(deadline, reused);
      if (!connection) return err(request.what + ": " + connection.error().message, ErrorCode::kUnavailable);
      auto response = (*connection)->exchange(request, left_until(deadline));
      if (response) {
        release(std::move(*connection));
        return response;
      }
      // A kept-alive connection the server closed meanwhile fails before any answer: then the
      // request goes again, once, on a new connection, if the server cannot have acted on it
      // or may act on it twice.
      const auto progress = (*connection)->progress();
      const bool again = reused && !retried && Clock::now() < deadline &&
                         (progress == HttpsConnection::Progress::kNotSent ||
                          (progress == HttpsConnection::Progress::kSent && idempotent(request.method)));
      discard(std::move(*connection));
      if (!again) return err(request.what + ": " + response.error().message, ErrorCode::kUnavailable);
    }
  }

  Result<std::unique_ptr<WatchHandle>> stream(const HttpRequest& request, LineSink sink) override {
    auto connection = HttpsConnection::open(access_, *tls_, options_.connect_timeout);
    if (!connection) return err(request.what + ": " + connection.error().message, ErrorCode::kUnavailable);
    ++opened_;
    auto status = (*connection)->start_stream(request, options_.request_timeout);
    if (!status) return err(request.what + ": " + status.error().message, ErrorCode::kUnavailable);
    if (*status != 200) {
      std::string body;
      for (auto bytes = (*connection)->read_stream(kRefusalReadTimeout); bytes && !bytes->empty();
           bytes = (*connection)->read_stream(kRefusalReadTimeout))
        body += *bytes;
      return response_error(*status, body, request.what);
    }
    return std::unique_ptr<WatchHandle>(
        std::make_unique<HttpsWatch>(std::move(*connection), std::move(sink), request.what));
  }

  std::size_t connections_opened() const { return opened_; }

 private:
  struct Idle {
    std::unique_ptr<HttpsConnection> connection;
    Clock::time_point since;
  };

  // A connection to send one request on: an idle one that is still open, or a new one if
  // fewer than max_connections are open, or the first to come free before `deadline`.
  Result<std::unique_ptr<HttpsConnection>> acquire(Clock::time_point deadline, bool& reused) {
    std::unique_lock lock(mu_);
    while (true) {
      while (!idle_.empty()) {
        Idle idle = std::move(idle_.back());
        idle_.pop_back();
        if (Clock::now() - idle.since < options_.idle_timeout && idle.connection->idle_and_open()) {
          reused = true;
          return std::move(idle.connection);
        }
        --open_;  // closed by the server, or too old to trust: dropped here
      }
      if (open_ < options_.max_connections) break;
      if (!freed_.wait_until(lock, deadline, [&] { return !idle_.empty() || open_ < options_.max_connections; }))
        return err("all " + std::to_string(options_.max_connections) + " connections to the apiserver stayed busy",
                   ErrorCode::kUnavailable);
    }
    ++open_;
    lock.unlock();
    auto connection = HttpsConnection::open(access_, *tls_, std::min(options_.connect_timeout, left_until(deadline)));
    if (!connection) {
      lock.lock();
      --open_;
      freed_.notify_one();
      return connection.error();
    }
    ++opened_;
    return connection;
  }

  void release(std::unique_ptr<HttpsConnection> connection) {
    if (!connection->reusable()) return discard(std::move(connection));
    std::lock_guard lock(mu_);
    idle_.push_back({std::move(connection), Clock::now()});
    freed_.notify_one();
  }

  void discard(std::unique_ptr<HttpsConnection> connection) {
    connection.reset();
    std::lock_guard lock(mu_);
    --open_;
    freed_.notify_one();
  }

  const ClusterAccess access_;
  const HttpsOptions options_;
  const std::unique_ptr<boost::asio::ssl::context> tls_;  // shared by every connection (SSL_CTX is thread-safe)
  std::mutex mu_;
  std::condition_variable freed_;  // a connection went idle, or one fewer is open
  std::vector<Idle> idle_;
  std::size_t open_ = 0;
  std::atomic<std::size_t> opened_{0};
};

HttpsApiClient::HttpsApiClient(std::unique_ptr<Transport> owned, const HttpsTransport& transport)
    : RestClient(std::move(owned)), transport_(transport) {}

Result<std::unique_ptr<HttpsApiClient>> HttpsApiClient::for_cluster(const ClusterAccess& access, HttpsOptions options) {
  auto tls = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  boost::system::error_code ec;
  tls->add_certificate_authority(boost::asio::buffer(access.ca_pem), ec);
  if (ec) return err("the CA of " + access.server + " is not a PEM certificate: " + ec.message(), ErrorCode::kInvalid);
  auto transport = std::make_unique<HttpsTransport>(access, options, std::move(tls));
  const HttpsTransport& view = *transport;
  return std::unique_ptr<HttpsApiClient>(new HttpsApiClient(std::move(transport), view));
}

Result<std::unique_ptr<HttpsApiClient>> HttpsApiClient::from_kubeconfig(const std::string& path, HttpsOptions options) {
  auto access = load_kubeconfig(path);
  if (!access) return access.error();
  return for_cluster(*access, options);
}

std::size_t HttpsApiClient::connections_opened() const { return transport_.connections_opened(); }

}  // namespace xebec::client
