#include "controlplane/client/event_recorder.h"

#include "controlplane/api/object_meta.h"
#include "controlplane/client/json_field.h"

namespace xebec::client {

using nlohmann::json;

EventRecorder::EventRecorder(ApiClient& client, std::string component)
    : client_(client), component_(std::move(component)), writer_([this] { write_loop(); }) {}

EventRecorder::~EventRecorder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
}

void EventRecorder::record(const api::ResourceType& type, const json& object, const std::string& kind,
                           const std::string& reason, const std::string& message, const std::string& source) {
  const json& meta = object_field(object, "metadata");
  const std::string ns = meta.value("namespace", "default"), name = meta.value("name", "");
  const std::string now = api::now_rfc3339();
  json involved = {{"kind", type.kind},
                   {"apiVersion", type.api_version()},
                   {"name", name},
                   {"uid", meta.value("uid", "")},
                   {"resourceVersion", meta.value("resourceVersion", "")}};
  if (type.namespaced) involved["namespace"] = ns;
  json event = {{"metadata", {{"generateName", name + "."}, {"namespace", ns}}},
                {"involvedObject", std::move(involved)},
                {"type", kind},
                {"reason", reason},
                {"message", message},
                {"source", {{"component", source.empty() ? component_ : source}}},
                {"reportingComponent", source.empty() ? component_ : source},
                {"firstTimestamp", now},
                {"lastTimestamp", now},
                {"count", 1}};
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= kMaxQueued) return;
    queue_.push_back(std::move(event));
  }
  ready_.notify_one();
}

void EventRecorder::write_loop() {
  static const api::ResourceType& events = *api::find_resource("", "v1", "events");
  while (true) {
    json event;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      event = std::move(queue_.front());
      queue_.pop_front();
    }
    (void)client_.create(events, event["metadata"]["namespace"].get<std::string>(), event);  // best effort
  }
}

}  // namespace xebec::client
