// SqliteStore: the kv table holds one row per revision (id = revision). A key's state at
// revision R is its newest row with id <= R, absent when that row is a deletion. Deletion rows
// keep the last value, so a watch replaying history can hand it out.
#include "controlplane/store/sqlite_store.h"

#include <optional>
#include <unordered_map>

namespace xebec::store {

namespace {

constexpr const char* kSchema = R"(
  CREATE TABLE IF NOT EXISTS kv (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- the revision of this write
    name TEXT NOT NULL,                    -- the key
    created INTEGER NOT NULL,              -- 1: this write created the key
    deleted INTEGER NOT NULL,              -- 1: this write deleted it (value: the last one)
    create_revision INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL,        -- the key's previous row, 0 for none
    value BLOB NOT NULL);
  CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
  CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
)";

constexpr const char* kLatest =
    "SELECT id, created, deleted, create_revision, prev_revision, value FROM kv WHERE name = ?1 "
    "ORDER BY id DESC LIMIT 1";
constexpr const char* kInsert =
    "INSERT INTO kv (name, created, deleted, create_revision, prev_revision, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
// The newest row of each key in [?1, ?2) after ?3 at or before revision ?4, live ones only.
constexpr const char* kList =
    "SELECT kv.id, kv.created, kv.deleted, kv.create_revision, kv.prev_revision, kv.value, kv.name FROM kv JOIN "
    "(SELECT MAX(id) AS id FROM kv WHERE name >= ?1 AND (?2 = '' OR name < ?2) AND name > ?3 AND id <= ?4 "
    "GROUP BY name) AS newest ON kv.id = newest.id WHERE kv.deleted = 0 ORDER BY kv.name LIMIT ?5";
constexpr const char* kHistory =
    "SELECT id, created, deleted, create_revision, prev_revision, value, name FROM kv WHERE id > ?1 ORDER BY id";
// Rows no state at or after ?1 needs: superseded by a later write at or before ?1, or deletions.
constexpr const char* kCompact =
    "DELETE FROM kv WHERE id < ?1 AND (deleted = 1 OR id < (SELECT MAX(k.id) FROM kv AS k WHERE k.name = kv.name "
    "AND k.id <= ?1))";
constexpr const char* kSetCompacted = "INSERT OR REPLACE INTO meta (name, value) VALUES ('compacted', ?1)";
constexpr const char* kState =
    "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'kv'), 0), "
    "COALESCE((SELECT value FROM meta WHERE name = 'compacted'), 0)";

// The first key after every key starting with `prefix`; "" when there is none.
std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<unsigned char>(prefix.back()) < 0xff) {
      prefix.back() = static_cast<char>(prefix.back() + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

}  // namespace

// One row of kv.
struct SqliteStore::Row {
  Revision id = 0;
  bool created = false;
  bool deleted = false;
  Revision create_revision = 0;
  Revision prev_revision = 0;
  std::string value;
  std::string name;

  Event event() const {
    return Event{deleted ? Event::Type::kDelete : Event::Type::kPut, KeyValue{name, value, create_revision, id}};
  }
};

// A prepared statement of the connection's cache, reset and unbound when this goes.
class SqliteStore::Statement {
 public:
  Statement(SqliteStore& s, const char* sql) : s_(s) {
    auto& cached = s.statements_[sql];
    if (!cached && sqlite3_prepare_v3(s.db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &cached, nullptr) != SQLITE_OK)
      cached = nullptr;
    stmt_ = cached;
  }
  ~Statement() {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool prepared() const { return stmt_ != nullptr; }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_blob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  int step() { return sqlite3_step(stmt_); }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string bytes(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  // Columns id, created, deleted, create_revision, prev_revision, value[, name].
  Row row(const std::string& name = "") const {
    Row r{integer(0), integer(1) != 0, integer(2) != 0, integer(3), integer(4), bytes(5), name};
    if (name.empty()) r.name = bytes(6);
    return r;
  }

 private:
  SqliteStore& s_;
  sqlite3_stmt* stmt_ = nullptr;
};

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return err("cannot open the database " + path + ": " + why, ErrorCode::kUnavailable);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  if (auto ok = store->init(); !ok) return ok.error();
  return store;
}

SqliteStore::~SqliteStore() {
  for (auto& [_, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Error SqliteStore::failure(const std::string& what) const {
  return err(what + " in " + path_ + ": " + sqlite3_errmsg(db_), ErrorCode::kUnavailable);
}

Status SqliteStore::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return {};
  std::string why = message ? message : sqlite3_errmsg(db_);
  sqlite3_free(message);
  return err(std::string("SQLite failed (") + why + ") in " + path_, ErrorCode::kUnavailable);
}

Status SqliteStore::init() {
  std::lock_guard lock(mu_);
  sqlite3_busy_timeout(db_, 5000);
  for (const char* sql : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", kSchema})
    if (auto ok = exec(sql); !ok) return ok;
  Statement st(*this, kState);
  if (!st.prepared() || st.step() != SQLITE_ROW) return failure("cannot read the store's revision");
  revision_ = st.integer(0);
  compacted_ = st.integer(1);
  return {};
}

Result<SqliteStore::Row> SqliteStore::latest(const std::string& key) {
  Statement st(*this, kLatest);
  if (!st.prepared()) return failure("cannot read " + key);
  st.bind(1, key);
  switch (st.step()) {
    case SQLITE_ROW: return st.row(key);
    case SQLITE_DONE: return err(key + " not found", ErrorCode::kNotFound);
    default: return failure("cannot read " + key);
  }
}

// Runs `body` (which returns Result<Event>) in a write transaction; publishes the event once
// it is committed.
template <typename F>
auto SqliteStore::write(F&& body) -> decltype(body()) {
  std::lock_guard lock(mu_);
  if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return ok.error();
  const Revision before = revision_;
  auto event = body();
  if (event) {
    if (auto committed = exec("COMMIT"); !committed) event = committed.error();
  }
  if (!event) {
    (void)exec("ROLLBACK");
    revision_ = before;
    return event;
  }
  hub_.publish(*event);
  return event;
}

Result<Event> SqliteStore::append(const Row& row) {
  Statement st(*this, kInsert);
  if (!st.prepared()) return failure("cannot write " + row.name);
  st.bind(1, row.name).bind(2, row.created).bind(3, row.deleted).bind(4, row.create_revision);
  st.bind(5, row.prev_revision).bind_blob(6, row.value);
  if (st.step() != SQLITE_DONE) return failure("cannot write " + row.name);
  revision_ = sqlite3_last_insert_rowid(db_);
  Row written = row;
  written.id = revision_;
  return written.event();
}

Result<KeyValue> SqliteStore::create(const std::string& key, const std::string& value) {
  auto event = write([&]() -> Result<Event> {
    auto cur = latest(key);
    if (cur && !cur->deleted) return err(key + " already exists", ErrorCode::kAlreadyExists);
    if (!cur && cur.error().code != ErrorCode::kNotFound) return cur.error();
    return append(Row{0, true, false, revision_ + 1, cur ? cur->id : 0, value, key});
  });
  if (!event) return event.error();
  return event->kv;
}

// The key's newest row, checked against the revision the caller read it at.
Result<SqliteStore::Row> SqliteStore::expect(const std::string& key, Revision expected) {
  auto cur = latest(key);
  if (!cur) return cur;
  if (cur->deleted) return err(key + " not found", ErrorCode::kNotFound);
  if (expected && cur->id != expected)
    return err(key + " was changed at revision " + std::to_string(cur->id) + ", after revision " +
                   std::to_string(expected) + " it was read at",
               ErrorCode::kConflict);
  return cur;
}

Result<KeyValue> SqliteStore::update(const std::string& key, const std::string& value, Revision expected) {
  auto event = write([&]() -> Result<Event> {
    auto cur = expect(key, expected);
    if (!cur) return cur.error();
    return append(Row{0, false, false, cur->create_revision, cur->id, value, key});
  });
  if (!event) return event.error();
  return event->kv;
}

Result<KeyValue> SqliteStore::remove(const std::string& key, Revision expected) {
  auto event = write([&]() -> Result<Event> {
    auto cur = expect(key, expected);
    if (!cur) return cur.error();
    return append(Row{0, false, true, cur->create_revision, cur->id, cur->value, key});
  });
  if (!event) return event.error();
  return event->kv;
}

Result<KeyValue> SqliteStore::get(const std::string& key) {
  std::lock_guard lock(mu_);
  auto cur = latest(key);
  if (!cur) return cur.error();
  if (cur->deleted) return err(key + " not found", ErrorCode::kNotFound);
  return cur->event().kv;
}

Result<ListResult> SqliteStore::list(const std::string& prefix, const ListOptions& options) {
  std::lock_guard lock(mu_);
  ListResult out;
  out.revision = options.revision ? options.revision : revision_;
  if (out.revision < compacted_)
    return err("revision " + std::to_string(out.revision) + " was compacted (the oldest kept is " +
                   std::to_string(compacted_) + ")",
               ErrorCode::kGone);
  if (out.revision > revision_)
    return err("revision " + std::to_string(out.revision) + " is in the future (the store is at " +
                   std::to_string(revision_) + ")",
               ErrorCode::kInvalid);
  Statement st(*this, kList);
  if (!st.prepared()) return failure("cannot list " + prefix);
  st.bind(1, prefix).bind(2, prefix_end(prefix)).bind(3, options.start_after).bind(4, out.revision);
  st.bind(5, options.limit > 0 ? options.limit + 1 : std::int64_t{-1});
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    if (options.limit > 0 && static_cast<std::int64_t>(out.items.size()) == options.limit) {
      out.more = true;
      break;
    }
    out.items.push_back(st.row().event().kv);
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return failure("cannot list " + prefix);
  return out;
}

Result<Revision> SqliteStore::current_revision() {
  std::lock_guard lock(mu_);
  return revision_;
}

Status SqliteStore::compact(Revision revision) {
  std::lock_guard lock(mu_);
  if (revision <= compacted_) return {};
  if (revision > revision_)
    return err("cannot compact to revision " + std::to_string(revision) + ": the store is at " +
                   std::to_string(revision_),
               ErrorCode::kInvalid);
  if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return ok;
  Statement del(*this, kCompact), mark(*this, kSetCompacted);
  bool done = del.prepared() && mark.prepared() && del.bind(1, revision).step() == SQLITE_DONE &&
              mark.bind(1, revision).step() == SQLITE_DONE && exec("COMMIT").ok();
  if (!done) {
    Error e = failure("cannot compact");
    (void)exec("ROLLBACK");
    return e;
  }
  compacted_ = revision;
  return {};
}

Result<std::unique_ptr<Watch>> SqliteStore::watch(Revision after, WatchSink sink) {
  std::lock_guard lock(mu_);
  if (after + 1 < compacted_)
    return err("cannot watch from revision " + std::to_string(after) + ": compacted (the oldest kept is " +
                   std::to_string(compacted_) + ")",
               ErrorCode::kGone);
  if (after > revision_)
    return err("cannot watch from revision " + std::to_string(after) + ": the store is at " +
                   std::to_string(revision_),
               ErrorCode::kInvalid);
  std::vector<Event> history;
  Statement st(*this, kHistory);
  if (!st.prepared()) return failure("cannot read the history");
  st.bind(1, after);
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) history.push_back(st.row().event());
  if (rc != SQLITE_DONE) return failure("cannot read the history");
  return hub_.add(std::move(history), std::move(sink));
}

}  // namespace xebec::store
