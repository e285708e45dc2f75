// SqliteStore: the store contract on a real database file, what survives a restart and a
// kill -9, and errors for a database it cannot use.
#include "controlplane/store/sqlite_store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "controlplane/store/store_contract.h"

namespace {

using namespace xebec::store;
using xebec::store::testing::must;

// A scratch directory, removed with everything in it when the test ends.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int n = 0;
    path = std::filesystem::temp_directory_path() /
           ("xebec-sqlite-" + std::to_string(getpid()) + "-" + std::to_string(++n));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::unique_ptr<SqliteStore> open_store(const std::string& path) { return must(SqliteStore::open(path)); }

TEST_CASE("the SQLite store keeps the store contract", "[store]") {
  TempDir dir;
  int n = 0;
  xebec::store::testing::check_store_contract([&] { return open_store(dir.file("db" + std::to_string(++n))); });
}

TEST_CASE("the SQLite store keeps keys, revisions and compaction across a reopen", "[store]") {
  TempDir dir;
  const auto path = dir.file("state.db");
  Revision last = 0;
  {
    auto s = open_store(path);
    must(s->create("/a", "1"));
    must(s->update("/a", "2", 0));
    must(s->create("/b", "3"));
    must(s->remove("/b", 0));
    REQUIRE(s->compact(must(s->current_revision())).ok());
    last = must(s->create("/c", "4")).mod_revision;
  }
  auto s = open_store(path);
  CHECK(must(s->current_revision()) == last);
  CHECK(must(s->get("/a")).value == "2");
  CHECK(must(s->get("/a")).create_revision == 1);
  CHECK(testing::code_of(s->get("/b")) == xebec::ErrorCode::kNotFound);
  CHECK(testing::code_of(s->list("/", {.revision = 1, .limit = 0, .start_after = ""})) == xebec::ErrorCode::kGone);
  // Revisions go on from where they were, never reused.
  CHECK(must(s->create("/d", "5")).mod_revision == last + 1);
}

TEST_CASE("every acknowledged write survives kill -9 of the writer", "[store]") {
  TempDir dir;
  const auto path = dir.file("crash.db");
  int acks[2];
  REQUIRE(pipe(acks) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // the writer: acknowledges each write once create() returned
    close(acks[0]);
    auto s = SqliteStore::open(path);
    if (!s) _exit(1);
    for (int i = 1;; ++i) {
      if (!(*s)->create("/crash/" + std::to_string(i), std::string(200, 'x'))) _exit(2);
      if (write(acks[1], &i, sizeof i) != sizeof i) _exit(3);
    }
  }
  close(acks[1]);
  int acked = 0, i = 0;
  while (acked < 2000 && read(acks[0], &i, sizeof i) == sizeof i) acked = i;
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  while (read(acks[0], &i, sizeof i) == sizeof i) acked = i;  // acks sent before it died
  close(acks[0]);
  REQUIRE(acked >= 2000);

  auto s = open_store(path);
  const auto all = must(s->list("/crash/", {}));
  INFO("acknowledged " << acked << ", found " << all.items.size());
  CHECK(static_cast<int>(all.items.size()) >= acked);
  for (int k = 1; k <= acked; k += 97) CHECK(s->get("/crash/" + std::to_string(k)).ok());
  CHECK(must(s->current_revision()) >= acked);
}

TEST_CASE("a database that cannot be used is reported with its path", "[store]") {
  TempDir dir;
  auto missing = SqliteStore::open(dir.file("no/such/dir/x.db"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find(dir.file("no/such/dir/x.db")) != std::string::npos);
  CHECK(missing.error().code == xebec::ErrorCode::kUnavailable);

  std::ofstream(dir.file("garbage.db")) << std::string(4096, 'g');
  auto garbage = SqliteStore::open(dir.file("garbage.db"));
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().message.find("garbage.db") != std::string::npos);
}

}  // namespace
