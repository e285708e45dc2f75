// MemoryStore: the Store in memory, for tests of the code above the store (the apiserver's
// handlers, the watch cache). It keeps every revision, like the real ones, until compacted.
#pragma once

#include <map>
#include <mutex>
#include <vector>

#include "controlplane/store/store.h"
#include "controlplane/store/watch_hub.h"

namespace xebec::store {

// Thread-safe: one mutex around everything.
class MemoryStore final : public Store {
 public:
  Result<KeyValue> create(const std::string& key, const std::string& value) override;
  Result<KeyValue> update(const std::string& key, const std::string& value, Revision expected) override;
  Result<KeyValue> remove(const std::string& key, Revision expected) override;
  Result<KeyValue> get(const std::string& key) override;
  Result<ListResult> list(const std::string& prefix, const ListOptions& options) override;
  Result<Revision> current_revision() override;
  Status compact(Revision revision) override;
  Result<std::unique_ptr<Watch>> watch(Revision after, WatchSink sink) override;

 private:
  Result<KeyValue> expect(const std::string& key, Revision expected) const;  // the live value
  KeyValue record(Event::Type type, KeyValue kv);  // appends the next revision, publishes it

  std::mutex mu_;
  std::vector<Event> history_;  // every write since compacted_, in revision order
  std::map<std::string, KeyValue> live_;
  Revision revision_ = 0;
  Revision compacted_ = 0;
  WatchHub hub_;
};

}  // namespace xebec::store
