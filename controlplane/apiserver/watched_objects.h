// WatchedObjects: the objects of recent store events, decoded and encoded as JSON once and shared
// by every watch they go to, instead of once per watch.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "controlplane/store/store.h"

namespace xebec::apiserver {

// One stored object as watches send it.
struct WatchedObject {
  nlohmann::json object;  // as ObjectStorage::decode gives it, resourceVersion included
  std::string text;       // `object` as JSON (invalid UTF-8 replaced), the "object" of an event line
};

// Thread-safe. A store event is one revision of one key, so the object it carries is the same for
// every watch: the first watch to ask decodes it, the others get the same shared copy. Keeps the
// last `capacity` objects asked for; one asked for again after that is decoded again, which costs
// time only.
class WatchedObjects {
 public:
  static constexpr std::size_t kDefaultCapacity = 1024;

  explicit WatchedObjects(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // The object `kv` holds; an error when its stored text is not a JSON object.
  Result<std::shared_ptr<const WatchedObject>> get(const store::KeyValue& kv);

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const WatchedObject> object;
  };

  const std::size_t capacity_;
  std::mutex mu_;
  std::unordered_map<store::Revision, Entry> by_revision_;  // mod_revision -> the object then
  std::deque<store::Revision> order_;                       // the keys of by_revision_, oldest first
};

// A watch event line as kube-apiserver streams it: {"object":OBJECT,"type":"TYPE"} and a newline,
// where `object_json` is the object's JSON text.
std::string event_line(std::string_view type, std::string_view object_json);

}  // namespace xebec::apiserver
