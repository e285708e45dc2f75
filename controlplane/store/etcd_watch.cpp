// EtcdWatch: the gateway streams one JSON watch response per line; each becomes a batch of
// Events (a delete carries the last value, from prev_kv), a cancel becomes the watch's end.
#include "controlplane/store/etcd_watch.h"

#include <atomic>

#include "controlplane/store/etcd_codec.h"

namespace xebec::store::etcd {

using nlohmann::json;

namespace {

// An error that ends a watch: kGone stays kGone; anything else means the store failed.
Error ending(Error e) {
  if (e.code == ErrorCode::kGone) return e;
  return err(e.message + " (watch again after the last revision delivered)", ErrorCode::kUnavailable);
}

Result<Event> decode_event(const json& event, const std::string& key_prefix) {
  if (!event.is_object() || !event.contains("kv")) return err("etcd sent a watch event without a kv: " + event.dump());
  auto kv = decode_kv(event["kv"], key_prefix);
  if (!kv) return kv.error();
  if (string_field(event, "type") != "DELETE") return Event{Event::Type::kPut, std::move(*kv)};
  // A delete's kv has only the key and the delete's revision; the last value is in prev_kv.
  if (event.contains("prev_kv")) {
    auto prev = decode_kv(event["prev_kv"], key_prefix);
    if (!prev) return prev.error();
    kv->value = std::move(prev->value);
    kv->create_revision = prev->create_revision;
  }
  return Event{Event::Type::kDelete, std::move(*kv)};
}

// One line of the stream: the events of a watch response (none for the confirmation and
// progress notices), or the error that ends the watch.
Result<std::vector<Event>> decode_response(const json& message, const std::string& key_prefix,
                                           const std::string& url) {
  if (const auto e = message.find("error"); e != message.end()) {
    const std::string text = e->is_object() ? string_field(*e, "message") : e->dump();
    const auto code = int64_field(*e, "grpc_code");
    return err("etcd at " + url + " ended the watch: \"" + text + "\"", error_code_of(code ? *code : -1, text));
  }
  const auto result = message.find("result");
  if (result == message.end() || !result->is_object())
    return err("etcd at " + url + " sent a watch message without a result: " + message.dump());
  if (bool_field(*result, "canceled")) {
    auto compacted = int64_field(*result, "compact_revision");
    if (compacted && *compacted > 0)
      return err("etcd compacted its history up to revision " + std::to_string(*compacted) +
                     "; list again and watch from the list's revision",
                 ErrorCode::kGone);
    return err("etcd at " + url + " canceled the watch: \"" + string_field(*result, "cancel_reason") + "\"");
  }
  auto list = array_field(*result, "events");
  if (!list) return list.error();
  std::vector<Event> events;
  for (const auto& e : *list) {
    auto event = decode_event(e, key_prefix);
    if (!event) return event.error();
    events.push_back(std::move(*event));
  }
  return events;
}

}  // namespace

struct EtcdWatch::Stream {
  std::unique_ptr<HttpConnection> connection;
  std::string key_prefix;
  WatchSink sink;
  std::string pending;  // bytes of the stream after the last complete line
  std::atomic<bool> stopping{false};

  // The next watch message, waiting at most `timeout` (none: for ever).
  Result<json> next_message(std::optional<Duration> timeout) {
    for (;;) {
      if (const auto newline = pending.find('\n'); newline != std::string::npos) {
        const std::string line = pending.substr(0, newline);
        pending.erase(0, newline + 1);
        if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
        json message = json::parse(line, nullptr, false);
        if (!message.is_object())
          return err("etcd at " + connection->endpoint().url + " sent a watch message that is not JSON: " + line);
        return message;
      }
      auto more = connection->read_stream(timeout);
      if (!more) return more.error();
      if (more->empty()) return err("etcd at " + connection->endpoint().url + " ended the watch stream");
      pending += *more;
    }
  }

  // The thread's loop: deliver batches until an error ends the watch or the handle stops it.
  void deliver() {
    for (;;) {
      auto message = next_message(std::nullopt);
      Result<std::vector<Event>> batch =
          message ? decode_response(*message, key_prefix, connection->endpoint().url) : message.error();
      if (stopping) return;
      if (batch && batch->empty()) continue;
      if (!batch) {
        sink(ending(batch.error()));
        return;
      }
      sink(std::move(batch));
    }
  }
};

Result<std::unique_ptr<Watch>> EtcdWatch::start(EtcdClient& client, const std::string& key_prefix, Revision after,
                                                WatchSink sink) {
  const std::string key = key_prefix.empty() ? std::string(1, '\0') : key_prefix;
  const std::string from = std::to_string(after + 1);
  // etcd reports a compacted start revision only some time after accepting the watch; a read at
  // that revision says it at once (a future revision is fine: nothing after it is compacted).
  auto probe = client.call("/v3/kv/range", {{"key", base64_encode(key)}, {"revision", from}, {"count_only", true}});
  if (!probe && probe.error().code == ErrorCode::kGone)
    return err("cannot watch from revision " + std::to_string(after) +
                   ", compacted away (list again and watch from the list's revision): " + probe.error().message,
               ErrorCode::kGone);
  if (!probe && probe.error().code != ErrorCode::kInvalid) return probe.error();

  const json create = {{"create_request",
                        {{"key", base64_encode(key)},
                         {"range_end", base64_encode(prefix_end(key_prefix))},
                         {"start_revision", from},
                         {"prev_kv", true}}}};
  auto connection = client.open_stream("/v3/watch", create);
  if (!connection) return connection.error();
  auto stream = std::make_shared<Stream>();
  stream->connection = std::move(*connection);
  stream->key_prefix = key_prefix;
  stream->sink = std::move(sink);

  // The first message confirms the watch; events only follow it.
  auto confirmation = stream->next_message(kRequestTimeout);
  if (!confirmation) return confirmation.error();
  auto confirmed = decode_response(*confirmation, key_prefix, stream->connection->endpoint().url);
  if (!confirmed) return confirmed.error();
  if (!bool_field((*confirmation)["result"], "created"))
    return err("etcd at " + stream->connection->endpoint().url +
               " did not confirm the watch; it answered: " + confirmation->dump());
  return std::unique_ptr<Watch>(new EtcdWatch(std::move(stream)));
}

EtcdWatch::EtcdWatch(std::shared_ptr<Stream> stream)
    : stream_(std::move(stream)), thread_([stream = stream_] { stream->deliver(); }) {}

EtcdWatch::~EtcdWatch() {
  stream_->stopping = true;
  stream_->connection->interrupt();
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // destroyed by its own sink: the thread ends when the sink returns
  } else {
    thread_.join();
  }
}

}  // namespace xebec::store::etcd
