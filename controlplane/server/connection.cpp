// One client connection of the HTTPS server (see connection.h).
#include "controlplane/server/connection.h"

#include <exception>
#include <iterator>
#include <set>
#include <stdexcept>

#include "controlplane/server/k8s_status.h"
#include "controlplane/server/request_target.h"

namespace xebec::server {
namespace {

constexpr std::size_t kHeaderLimit = 64 << 10;
// How long a closing connection waits for the client to leave after the last response byte, so
// that unread request bytes do not make the kernel reset the connection before the client has
// read the response.
constexpr std::chrono::seconds kLinger{5};

// The Reply the handler answers through: records the answer for the connection to send.
class ConnectionReply final : public Reply {
 public:
  ConnectionReply(std::weak_ptr<Connection> connection, std::size_t backlog_limit)
      : connection_(std::move(connection)), backlog_limit_(backlog_limit) {}

  void send(Response response) override {
    claim();
    response_ = std::move(response);
  }

  std::shared_ptr<Stream> start_stream(int status, std::string content_type, HeaderMap headers) override {
    claim();
    stream_head_ = Response{status, std::move(content_type), {}, std::move(headers)};
    stream_ = std::make_shared<ChunkStream>(connection_, backlog_limit_);
    return stream_;
  }

  std::optional<Response>& response() { return response_; }
  const std::optional<Response>& stream_head() const { return stream_head_; }
  const std::shared_ptr<ChunkStream>& stream() const { return stream_; }

 private:
  void claim() {
    if (used_) throw std::logic_error("xebec::server::Reply: the handler already replied to this request");
    used_ = true;
  }

  const std::weak_ptr<Connection> connection_;
  const std::size_t backlog_limit_;
  bool used_ = false;
  std::optional<Response> response_;
  std::optional<Response> stream_head_;
  std::shared_ptr<ChunkStream> stream_;
};

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// Header lines a handler may set: no CR or LF (which would let it forge headers), a sane name,
// and none of those the server sets itself.
bool header_ok(std::string_view name, std::string_view value) {
  static const std::set<std::string, CaseInsensitiveLess> kReserved = {"Connection", "Content-Length", "Content-Type",
                                                                       "Transfer-Encoding"};
  return !name.empty() && name.find_first_of("\r\n: ") == std::string_view::npos &&
         value.find_first_of("\r\n") == std::string_view::npos && !kReserved.count(name);
}

// Why a handler's response cannot be sent as it is, or "" if it can.
std::string response_problem(const Response& r) {
  if (r.status < 200 || r.status > 599) return "the handler's response has status " + std::to_string(r.status);
  if (r.content_type.find_first_of("\r\n") != std::string::npos) return "the handler's Content-Type has a line break";
  for (const auto& [name, value] : r.headers) {
    if (!header_ok(name, value)) return "the handler's header '" + name + "' is malformed or reserved";
  }
  return {};
}

template <typename Body>
void fill_head(http::response<Body>& out, const Response& r) {
  if (!r.content_type.empty()) out.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) out.insert(name, value);
}

}  // namespace

Connection::Connection(net::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared)
    : shared_(std::move(shared)),
      tls_(beast::tcp_stream(std::move(socket)), shared_->tls),
      linger_timer_(tls_.get_executor()) {}

Connection::~Connection() {
  std::lock_guard lock(shared_->mu);
  shared_->open.erase(this);
}

void Connection::start() {
  net::dispatch(tls_.get_executor(), [self = shared_from_this()] {
    beast::get_lowest_layer(self->tls_).expires_after(self->shared_->options.read_timeout);
    self->tls_.async_handshake(net::ssl::stream_base::server,
                               beast::bind_front_handler(&Connection::on_handshake, self));
  });
}

void Connection::abort() {
  net::post(tls_.get_executor(), [self = shared_from_this()] { self->close(); });
}

void Connection::post_chunk(std::string chunk) {
  net::post(tls_.get_executor(), [self = shared_from_this(), chunk = std::move(chunk)]() mutable {
    if (self->closed_ || self->finishing_) return;
    self->pending_.push_back(std::move(chunk));
    self->write_chunks();
  });
}

void Connection::post_finish() {
  net::post(tls_.get_executor(), [self = shared_from_this()] {
    self->finishing_ = true;
    self->write_chunks();
  });
}

void Connection::on_handshake(beast::error_code ec) {
  if (ec) return close();
  read_request();
}

void Connection::read_request() {
  parser_.emplace();
  parser_->body_limit(shared_->options.body_limit);
  parser_->header_limit(kHeaderLimit);
  beast::get_lowest_layer(tls_).expires_after(shared_->options.read_timeout);
  http::async_read(tls_, buffer_, *parser_, beast::bind_front_handler(&Connection::on_read, shared_from_this()));
}

void Connection::on_read(beast::error_code ec, std::size_t) {
  if (closed_) return;
  version_ = 11;
  if (ec == http::error::body_limit) {
    return write_response(status_response(413, "RequestEntityTooLarge",
                                          "the request body is larger than the limit of " +
                                              std::to_string(shared_->options.body_limit) + " bytes"),
                          false);
  }
  if (ec == http::error::header_limit) {
    return write_response(
        status_response(400, "BadRequest",
                        "the request headers are larger than the limit of " + std::to_string(kHeaderLimit) + " bytes"),
        false);
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return close();  // the client left
  if (is_http_error(ec))
    return write_response(status_response(400, "BadRequest", "malformed HTTP request: " + ec.message()), false);
  if (ec) return close();  // TLS or socket error, timeout
  serve(parser_->release());
}

void Connection::serve(http::request<http::string_body> message) {
  version_ = message.version() == 10 ? 10 : 11;
  bool keep_alive = message.keep_alive();
  auto target = parse_request_target(message.target());
  if (!target) return write_response(status_response(400, "BadRequest", target.error().message), keep_alive);
  auto user = shared_->authenticator.authenticate(message[http::field::authorization]);
  if (!user) return write_response(status_response(401, "Unauthorized", "Unauthorized"), keep_alive);

  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.path = std::move(target->path);
  request.query = std::move(target->query);
  for (const auto& field : message)
    request.headers.emplace(std::string(field.name_string()), std::string(field.value()));
  request.body = std::move(message.body());
  request.user = std::move(*user);

  ConnectionReply reply(weak_from_this(), shared_->options.stream_backlog_limit);
  std::string failure = "the handler sent no response";
  try {
    shared_->handler(request, reply);
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "the handler threw a non-standard exception";
  }
  if (reply.stream()) {
    if (version_ == 10) {  // chunked bodies are HTTP/1.1
      reply.stream()->gone();
      return write_response(status_response(505, "", "this response is streamed, which needs HTTP/1.1"), false);
    }
    if (std::string problem = response_problem(*reply.stream_head()); !problem.empty()) {
      reply.stream()->gone();
      return write_response(status_response(500, "InternalError", "Internal error occurred: " + problem), false);
    }
    return begin_stream(*reply.stream_head(), reply.stream());
  }
  if (reply.response()) {
    if (std::string problem = response_problem(*reply.response()); !problem.empty()) {
      return write_response(status_response(500, "InternalError", "Internal error occurred: " + problem), keep_alive);
    }
    return write_response(std::move(*reply.response()), keep_alive);
  }
  write_response(status_response(500, "InternalError", "Internal error occurred: " + failure), keep_alive);
}

void Connection::write_response(Response r, bool keep_alive) {
  response_.emplace(static_cast<http::status>(r.status), version_);
  fill_head(*response_, r);
  response_->body() = std::move(r.body);
  response_->keep_alive(keep_alive);
  response_->prepare_payload();
  beast::get_lowest_layer(tls_).expires_after(shared_->options.write_timeout);
  http::async_write(tls_, *response_, beast::bind_front_handler(&Connection::on_write, shared_from_this()));
}

void Connection::on_write(beast::error_code ec, std::size_t) {
  if (ec) return close();
  bool keep_alive = response_->keep_alive();
  response_.reset();
  if (!keep_alive) return linger_close();
  read_request();
}

void Connection::begin_stream(const Response& head, std::shared_ptr<ChunkStream> stream) {
  stream_ = std::move(stream);
  stream_head_.emplace(static_cast<http::status>(head.status), version_);
  fill_head(*stream_head_, head);
  stream_head_->chunked(true);
  stream_head_->keep_alive(false);  // the connection ends with the stream
  stream_head_writer_.emplace(*stream_head_);
  beast::get_lowest_layer(tls_).expires_never();
  drain();  // to notice the client leaving while the stream is idle
  writing_ = true;
  beast::get_lowest_layer(tls_).expires_after(shared_->options.write_timeout);  // the write only: a read is pending
  http::async_write_header(tls_, *stream_head_writer_,
                           beast::bind_front_handler(&Connection::on_stream_write, shared_from_this()));
}

void Connection::write_chunks() {
  if (closed_ || writing_ || !stream_) return;
  if (pending_.empty()) {
    if (finishing_ && !last_chunk_sent_) {
      last_chunk_sent_ = true;
      writing_ = true;
      beast::get_lowest_layer(tls_).expires_after(shared_->options.write_timeout);
      net::async_write(tls_, http::make_chunk_last(),
                       beast::bind_front_handler(&Connection::on_last_chunk, shared_from_this()));
    }
    return;
  }
  in_flight_.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
  pending_.clear();
  std::vector<net::const_buffer> buffers;
  buffers.reserve(in_flight_.size());
  for (const std::string& chunk : in_flight_) buffers.push_back(net::buffer(chunk));
  writing_ = true;
  beast::get_lowest_layer(tls_).expires_after(shared_->options.write_timeout);
  net::async_write(tls_, http::make_chunk(buffers),
                   beast::bind_front_handler(&Connection::on_stream_write, shared_from_this()));
}

void Connection::on_stream_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) return close();
  std::size_t sent = 0;
  for (const std::string& chunk : in_flight_) sent += chunk.size();
  in_flight_.clear();
  stream_->sent(sent);
  write_chunks();
}

void Connection::on_last_chunk(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) return close();
  linger_close();
}

void Connection::linger_close() {
  if (closed_) return;
  beast::error_code ignored;
  beast::get_lowest_layer(tls_).socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  linger_timer_.expires_after(kLinger);
  linger_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->close();
  });
  if (!draining_) drain();
}

void Connection::drain() {
  draining_ = true;
  // Below TLS: nothing is read through TLS on this connection any more, so the bytes only matter
  // in that they stop (EOF, error) when the client goes.
  beast::get_lowest_layer(tls_).socket().async_read_some(
      net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->close();
        self->drain();
      });
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  if (stream_) stream_->gone();
  pending_.clear();
  linger_timer_.cancel();
  beast::error_code ignored;
  beast::get_lowest_layer(tls_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(tls_).close();
}

}  // namespace xebec::server
