// WatchedObjects: a bounded map from revision to decoded object, first in first out.
#include "controlplane/apiserver/watched_objects.h"

#include "controlplane/api/object_storage.h"

namespace xebec::apiserver {

Result<std::shared_ptr<const WatchedObject>> WatchedObjects::get(const store::KeyValue& kv) {
  {
    std::lock_guard lock(mu_);
    if (auto it = by_revision_.find(kv.mod_revision); it != by_revision_.end() && it->second.key == kv.key)
      return it->second.object;
  }
  // Decoded outside the lock: two watches asking at once both decode, and the first one kept wins.
  auto decoded = api::ObjectStorage::decode(kv);
  if (!decoded) return decoded.error();
  auto made = std::make_shared<WatchedObject>();
  made->text = decoded->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  made->object = std::move(*decoded);
  std::shared_ptr<const WatchedObject> object = std::move(made);
  std::lock_guard lock(mu_);
  auto [it, inserted] = by_revision_.try_emplace(kv.mod_revision, Entry{kv.key, object});
  if (!inserted) return object;  // another thread's copy, or another key at that revision (not cached)
  order_.push_back(kv.mod_revision);
  while (order_.size() > capacity_) {
    by_revision_.erase(order_.front());
    order_.pop_front();
  }
  return object;
}

std::string event_line(std::string_view type, std::string_view object_json) {
  std::string line;
  line.reserve(object_json.size() + type.size() + 24);
  line += R"({"object":)";
  line += object_json;
  line += R"(,"type":")";
  line += type;
  line += "\"}\n";
  return line;
}

}  // namespace xebec::apiserver
