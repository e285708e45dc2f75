// InProcessApiClient: a Transport that calls the ApiHandler directly, with a Reply that keeps
// the answer and a Stream that queues a watch's lines for a delivery thread per watch.
#include "controlplane/client/in_process_api_client.h"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "controlplane/client/status_error.h"
#include "controlplane/server/k8s_status.h"
#include "controlplane/server/request_target.h"

namespace xebec::client {
namespace {

// A watch's response body: the handler writes chunks from the store's thread; take() hands out
// whole lines. Closed by the handler (the watch ended: take() reports the end once the lines
// are out) or stopped by the client (the handle went: take() reports only that).
class LineStream final : public server::Stream {
 public:
  struct Batch {
    std::vector<std::string> lines;
    bool ended = false;    // the handler closed the stream and every line is in `lines`
    bool stopped = false;  // the client stopped it: deliver nothing more
  };

  bool write(std::string chunk) override {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    pending_ += chunk;
    cv_.notify_all();
    return true;
  }
  void close() override {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  bool closed() const override {
    std::lock_guard lock(mu_);
    return closed_;
  }

  // Waits for lines, the end, or stop().
  Batch take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stopped_ || closed_ || pending_.find('\n') != std::string::npos; });
    Batch batch;
    batch.stopped = stopped_;
    if (stopped_) return batch;
    std::size_t start = 0;
    for (std::size_t end; (end = pending_.find('\n', start)) != std::string::npos; start = end + 1)
      batch.lines.push_back(pending_.substr(start, end - start));
    pending_.erase(0, start);
    batch.ended = closed_;  // a line the handler left unfinished is dropped, as a dropped connection would
    return batch;
  }
  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }
  // Ends the stream from the client's side: the handler's writes fail, so it lets go of the watch.
  void stop() {
    std::lock_guard lock(mu_);
    stopped_ = closed_ = true;
    cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;  // written, not yet taken
  bool closed_ = false;
  bool stopped_ = false;
};

class CapturedReply final : public server::Reply {
 public:
  void send(server::Response r) override { response = std::move(r); }
  std::shared_ptr<server::Stream> start_stream(int status, std::string, server::HeaderMap) override {
    stream_status = status;
    return stream = std::make_shared<LineStream>();
  }
  std::optional<server::Response> response;
  int stream_status = 0;
  std::shared_ptr<LineStream> stream;
};

// Delivers a watch's lines to its sink from a thread of its own, until the stream ends or the
// handle goes.
class InProcessWatch final : public WatchHandle {
 public:
  InProcessWatch(std::shared_ptr<LineStream> stream, LineSink sink)
      : stream_(std::move(stream)), thread_([stream = stream_, sink = std::move(sink)] { deliver(*stream, sink); }) {}
  ~InProcessWatch() override {
    stream_->stop();
    thread_.join();
  }

 private:
  static void deliver(LineStream& stream, const LineSink& sink) {
    while (true) {
      LineStream::Batch batch = stream.take();
      if (batch.stopped) return;
      for (const std::string& line : batch.lines) {
        if (stream.stopped()) return;
        sink.on_line(line);
      }
      if (batch.ended) return sink.on_end({});
    }
  }

  std::shared_ptr<LineStream> stream_;
  std::thread thread_;
};

class HandlerTransport final : public Transport {
 public:
  explicit HandlerTransport(apiserver::ApiHandler& handler) : handler_(handler) {}

  Result<HttpResponse> round_trip(const HttpRequest& request) override {
    CapturedReply reply;
    if (auto served = serve(request, reply); !served) return served.error();
    if (reply.stream) {
      reply.stream->stop();
      return err(request.what + ": the apiserver answered with a stream", ErrorCode::kUnknown);
    }
    return HttpResponse{reply.response->status, std::move(reply.response->body)};
  }

  Result<std::unique_ptr<WatchHandle>> stream(const HttpRequest& request, LineSink sink) override {
    CapturedReply reply;
    if (auto served = serve(request, reply); !served) return served.error();
    if (reply.response) return response_error(reply.response->status, reply.response->body, request.what);
    if (reply.stream_status != 200) {
      reply.stream->stop();
      return response_error(reply.stream_status, "", request.what);
    }
    return std::unique_ptr<WatchHandle>(std::make_unique<InProcessWatch>(std::move(reply.stream), std::move(sink)));
  }

 private:
  // Hands `request` to the handler as the HTTPS server would after reading and authenticating
  // it, and turns what the server would answer a 500 with into one.
  Status serve(const HttpRequest& request, CapturedReply& reply) {
    auto target = server::parse_request_target(request.target);
    if (!target) return err(request.what + ": " + target.error().message, ErrorCode::kBadRequest);
    server::Request r;
    r.method = request.method;
    r.target = request.target;
    r.path = std::move(target->path);
    r.query = std::move(target->query);
    r.headers.emplace("Accept", "application/json");
    if (!request.content_type.empty()) r.headers.emplace("Content-Type", request.content_type);
    r.body = request.body;
    r.user = "admin";
    try {
      handler_(r, reply);
    } catch (const std::exception& e) {
      reply.response =
          server::status_response(500, "InternalError", std::string("Internal error occurred: ") + e.what());
    }
    if (!reply.response && !reply.stream)
      reply.response = server::status_response(500, "InternalError", "Internal error occurred: no response");
    return {};
  }

  apiserver::ApiHandler& handler_;
};

}  // namespace

InProcessApiClient::InProcessApiClient(apiserver::ApiHandlerOptions options)
    : InMemoryApiserver(options), RestClient(std::make_unique<HandlerTransport>(handler)) {
  const api::ResourceType& namespaces = *api::find_resource("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    auto created = create(namespaces, "", {{"metadata", {{"name", name}}}});
    if (!created) {  // an empty store in memory refusing a namespace is a broken invariant
      std::fprintf(stderr, "InProcessApiClient: %s\n", created.error().message.c_str());
      std::abort();
    }
  }
}

}  // namespace xebec::client
