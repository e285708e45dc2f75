// The apiserver's storage seam: a versioned key-value store in etcd's model. Every write takes
// the store's next revision (one counter for the whole store, which the apiserver shows as
// resourceVersion); a key remembers the revision that created it and the one that last changed
// it; a watch delivers every change after a revision, in revision order.
//
// SqliteStore (embedded, kine's one-row-per-revision layout) and EtcdStore (etcd v3 through its
// JSON gateway) are the real ones; MemoryStore is the in-memory fake for tests of the code above.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace xebec::store {

using Revision = std::int64_t;

struct KeyValue {
  std::string key;
  std::string value;
  Revision create_revision = 0;  // the revision that created the key
  Revision mod_revision = 0;     // the revision that last wrote it (for a delete event: the delete's)
  bool operator==(const KeyValue&) const = default;
};

struct Event {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  // kPut: the new value; kDelete: the last value, mod_revision = the delete's revision
  bool created() const { return type == Type::kPut && kv.create_revision == kv.mod_revision; }
  Revision revision() const { return kv.mod_revision; }
  bool operator==(const Event&) const = default;
};

struct ListOptions {
  Revision revision = 0;    // 0: the latest state; else the state as of that revision
  std::int64_t limit = 0;   // at most this many items; 0: all
  std::string start_after;  // only keys sorting after this one (to continue a limited list)
};

struct ListResult {
  std::vector<KeyValue> items;  // sorted by key
  Revision revision = 0;        // the revision the list reflects
  bool more = false;            // `limit` cut the list: continue after items.back().key
};

// Stops a watch's delivery when destroyed; the sink is not called after the destructor returns.
// The sink itself may destroy its watch (a client that left): the contract tests it.
class Watch {
 public:
  virtual ~Watch() = default;
};

// A watch's receiver: batches of events in revision order, called from the store's thread.
// An error ends the watch (kGone: the revision asked for was compacted; kUnavailable: the
// store failed), and the sink is not called again.
using WatchSink = std::function<void(Result<std::vector<Event>>)>;

// Thread-safe: any number of threads may call any method at once.
class Store {
 public:
  virtual ~Store() = default;

  // Creates `key`; kAlreadyExists when it exists.
  virtual Result<KeyValue> create(const std::string& key, const std::string& value) = 0;
  // Replaces the value of `key` if its mod_revision is `expected` (0: whatever it is);
  // kNotFound, kConflict.
  virtual Result<KeyValue> update(const std::string& key, const std::string& value, Revision expected) = 0;
  // Deletes `key` if its mod_revision is `expected` (0: whatever it is); returns its last value
  // with the delete's revision as mod_revision. kNotFound, kConflict.
  virtual Result<KeyValue> remove(const std::string& key, Revision expected) = 0;
  // kNotFound.
  virtual Result<KeyValue> get(const std::string& key) = 0;
  // The keys starting with `prefix`. kGone when options.revision was compacted away.
  virtual Result<ListResult> list(const std::string& prefix, const ListOptions& options) = 0;
  // The latest revision: that of the last write, or of the empty store.
  virtual Result<Revision> current_revision() = 0;
  // Forgets the history older than `revision`: watches and lists from before it get kGone.
  virtual Status compact(Revision revision) = 0;
  // Delivers every change after revision `after` to `sink` in order, until the handle is
  // destroyed or an error ends it; kGone at once when `after` was compacted away.
  virtual Result<std::unique_ptr<Watch>> watch(Revision after, WatchSink sink) = 0;
};

}  // namespace xebec::store
