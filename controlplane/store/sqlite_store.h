// SqliteStore: the embedded Store, in one SQLite file laid out as kine does: one row per
// revision, so the history that lists and watches read is the table itself.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "controlplane/store/store.h"
#include "controlplane/store/watch_hub.h"

namespace xebec::store {

// Thread-safe: one connection, serialised by a mutex (SQLite has one writer at a time anyway).
// A write is acknowledged once its transaction is in the write-ahead log, which survives the
// process being killed (kill -9); only a power failure may lose the last ones (synchronous=NORMAL).
class SqliteStore final : public Store {
 public:
  // Opens or creates the database file; a clear error when it cannot.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
  ~SqliteStore() override;

  Result<KeyValue> create(const std::string& key, const std::string& value) override;
  Result<KeyValue> update(const std::string& key, const std::string& value, Revision expected) override;
  Result<KeyValue> remove(const std::string& key, Revision expected) override;
  Result<KeyValue> get(const std::string& key) override;
  Result<ListResult> list(const std::string& prefix, const ListOptions& options) override;
  Result<Revision> current_revision() override;
  Status compact(Revision revision) override;
  Result<std::unique_ptr<Watch>> watch(Revision after, WatchSink sink) override;

 private:
  class Statement;
  struct Row;

  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status init();
  Status exec(const char* sql);
  Error failure(const std::string& what) const;
  Result<Row> latest(const std::string& key);  // the key's newest row; kNotFound when none
  Result<Row> expect(const std::string& key, Revision expected);  // kNotFound, kConflict
  // Appends `row` as the next revision, inside the caller's transaction; returns its event.
  Result<Event> append(const Row& row);
  template <typename F>
  auto write(F&& body) -> decltype(body());

  std::mutex mu_;  // guards everything below
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;  // by SQL text (a constant's address)
  std::string path_;
  Revision revision_ = 0;   // of the last write
  Revision compacted_ = 0;  // history before this revision is gone
  WatchHub hub_;
};

}  // namespace xebec::store
