// The reservation files on disk: host-local's format, leftovers of crashes, the marks, and a
// lock that excludes other processes.
#include "cni/ipam/store.h"

#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cni/ipam/test_support.h"

using namespace xebec::cni::ipam;
namespace fs = std::filesystem;

namespace {

Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

Store open_store(const TempDir& tmp) {
  auto store = Store::open(tmp.path(), "xebec");
  REQUIRE(store.ok());
  return std::move(*store);
}

}  // namespace

TEST_CASE("a store lives in <dataDir>/<network> and refuses names that are not CNI network names") {
  TempDir tmp;
  auto store = Store::open(tmp.path() + "/a/b", "pod-net_1.v2");
  REQUIRE(store.ok());
  CHECK(store->dir() == tmp.path() + "/a/b/pod-net_1.v2");
  CHECK(fs::is_directory(store->dir() + "/attachments"));
  for (const char* name : {"", "..", ".hidden", "a/b", "-x", "a b", "net\n"}) {
    INFO("'" << name << "'");
    auto bad = Store::open(tmp.path(), name);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == xebec::ErrorCode::kInvalid);
    CHECK_THAT(bad.error().message, Catch::Contains(*name ? "'" + std::string(name) + "' is not a network name"
                                                          : std::string("name: required")));
  }
  CHECK_FALSE(fs::exists(tmp.path() + "/b"));
}

TEST_CASE("a store that cannot create its directory says where and why") {
  TempDir tmp;
  write_file(tmp.path() + "/file", "");
  auto store = Store::open(tmp.path() + "/file", "xebec");
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().code == xebec::ErrorCode::kUnavailable);
  CHECK_THAT(store.error().message, Catch::StartsWith("cannot create " + tmp.path() + "/file/xebec: "));
}

TEST_CASE("attachments follow CNI's rules for container IDs and interface names") {
  struct Row {
    Attachment a;
    const char* message_part;  // nullptr: valid
  };
  const Row rows[] = {
      {{"ab12cd", "eth0"}, nullptr},
      {{"k8s_pod.1-x", "net@1"}, nullptr},
      {{std::string(239, 'a'), "123456789012345"}, nullptr},
      {{"", "eth0"}, "container ID '' is not valid"},
      {{"-ab", "eth0"}, "container ID '-ab' is not valid"},
      {{"ab/../x", "eth0"}, "container ID 'ab/../x' is not valid"},
      {{"ab\r\ncd", "eth0"}, "is not valid"},
      {{std::string(240, 'a'), "eth0"}, "is longer than 239 characters"},
      {{"ab", ""}, "'' is not a valid interface name"},
      {{"ab", "1234567890123456"}, "'1234567890123456' is not a valid interface name"},
      {{"ab", "eth/0"}, "'eth/0' is not a valid interface name"},
      {{"ab", "eth 0"}, "is not a valid interface name"},
      {{"ab", "eth:0"}, "is not a valid interface name"},
      {{"ab", ".."}, "is not a valid interface name"},
  };
  for (const auto& row : rows) {
    INFO(row.a.container_id << " " << row.a.ifname);
    auto valid = validate_attachment(row.a);
    if (!row.message_part) {
      CHECK(valid.ok());
      continue;
    }
    REQUIRE_FALSE(valid.ok());
    CHECK(valid.error().code == xebec::ErrorCode::kInvalid);
    CHECK_THAT(valid.error().message, Catch::Contains(row.message_part));
  }
}

TEST_CASE("a reservation is a file named by the address holding the container ID and interface, as host-local's") {
  TempDir tmp;
  Store store = open_store(tmp);
  auto lock = store.lock();
  REQUIRE(lock.ok());
  Attachment a{"ab12", "eth0"};
  auto first = store.reserve(ip("10.244.1.5"), a);
  REQUIRE(first.ok());
  CHECK(*first);
  CHECK(read_file(store.dir() + "/10.244.1.5") == "ab12\r\neth0");

  auto again = store.reserve(ip("10.244.1.5"), Attachment{"cd34", "eth0"});
  REQUIRE(again.ok());
  CHECK_FALSE(*again);
  CHECK(read_file(store.dir() + "/10.244.1.5") == "ab12\r\neth0");

  auto holder = store.holder(ip("10.244.1.5"));
  REQUIRE(holder.ok());
  REQUIRE(holder->has_value());
  CHECK(**holder == a);

  REQUIRE(store.release(ip("10.244.1.5")).ok());
  CHECK_FALSE(fs::exists(store.dir() + "/10.244.1.5"));
  CHECK(store.release(ip("10.244.1.5")).ok());  // already free
  auto gone = store.holder(ip("10.244.1.5"));
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
}

TEST_CASE("a released file waits emptied in free/ and becomes the next reservation, whatever its address") {
  TempDir tmp;
  Store store = open_store(tmp);
  auto lock = store.lock();
  REQUIRE(lock.ok());
  REQUIRE(*store.reserve(ip("10.244.1.5"), {"a-very-long-container-id", "eth0"}));
  struct stat before {};
  REQUIRE(::stat((store.dir() + "/10.244.1.5").c_str(), &before) == 0);
  REQUIRE(store.release(ip("10.244.1.5")).ok());
  CHECK_FALSE(fs::exists(store.dir() + "/10.244.1.5"));
  CHECK(read_file(store.dir() + "/free/0").empty());  // never names a gone holder

  auto all = store.scan();
  REQUIRE(all.ok());
  CHECK(all->empty());  // free/ is not a reservation

  REQUIRE(*store.reserve(ip("10.244.1.9"), {"b", "eth1"}));
  struct stat after {};
  REQUIRE(::stat((store.dir() + "/10.244.1.9").c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);                          // the same file, renamed
  CHECK(read_file(store.dir() + "/10.244.1.9") == "b\r\neth1");  // no tail of the longer old content
  CHECK_FALSE(fs::exists(store.dir() + "/free/0"));

  // A taken address is refused with a file waiting in free/, which stays there.
  REQUIRE(store.release(ip("10.244.1.9")).ok());
  REQUIRE(*store.reserve(ip("10.244.1.6"), {"c", "eth0"}));
  REQUIRE(store.release(ip("10.244.1.6")).ok());
  REQUIRE(*store.reserve(ip("10.244.1.7"), {"d", "eth0"}));
  write_file(store.dir() + "/free/0", "");
  CHECK_FALSE(*store.reserve(ip("10.244.1.7"), {"e", "eth0"}));
  CHECK(read_file(store.dir() + "/10.244.1.7") == "d\r\neth0");
  CHECK(fs::exists(store.dir() + "/free/0"));
}

TEST_CASE("free/ keeps at most eight files: further releases remove theirs") {
  TempDir tmp;
  Store store = open_store(tmp);
  auto lock = store.lock();
  REQUIRE(lock.ok());
  for (int i = 1; i <= 10; ++i)
    REQUIRE(*store.reserve(Ipv4Address{ip("10.244.1.0").value + i}, {"c" + std::to_string(i), "eth0"}));
  for (int i = 1; i <= 10; ++i) REQUIRE(store.release(Ipv4Address{ip("10.244.1.0").value + i}).ok());
  CHECK(std::distance(fs::directory_iterator(store.dir() + "/free"), fs::directory_iterator()) == 8);
  auto left = store.addresses();
  REQUIRE(left.ok());
  CHECK(left->empty());
}

TEST_CASE("an empty reservation left by a crash is removed when looked at") {
  TempDir tmp;
  Store store = open_store(tmp);
  auto lock = store.lock();
  REQUIRE(lock.ok());
  write_file(store.dir() + "/10.244.1.7", "");
  write_file(store.dir() + "/10.244.1.8", " \r\n");
  auto holder = store.holder(ip("10.244.1.7"));
  REQUIRE(holder.ok());
  CHECK_FALSE(holder->has_value());
  CHECK_FALSE(fs::exists(store.dir() + "/10.244.1.7"));

  auto all = store.scan();
  REQUIRE(all.ok());
  CHECK(all->empty());
  CHECK_FALSE(fs::exists(store.dir() + "/10.244.1.8"));
}

TEST_CASE("scan reads every reservation, by address, and nothing else") {
  TempDir tmp;
  Store store = open_store(tmp);
  auto lock = store.lock();
  REQUIRE(lock.ok());
  REQUIRE(*store.reserve(ip("10.244.1.10"), {"c10", "eth0"}));
  REQUIRE(*store.reserve(ip("10.244.1.9"), {"c9", "eth1"}));
  write_file(store.dir() + "/10.244.1.200", "legacy-id\n");  // host-local before interface names
  write_file(store.dir() + "/10.244.1.11.tmp", "c11\r\neth0");
  write_file(store.dir() + "/notes", "c12\r\neth0");
  REQUIRE(store.set_last_reserved(0, ip("10.244.1.10")).ok());
  REQUIRE(store.mark({"c9", "eth1"}).ok());

  auto all = store.scan();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0] == Reservation{ip("10.244.1.9"), {"c9", "eth1"}});
  CHECK((*all)[1] == Reservation{ip("10.244.1.10"), {"c10", "eth0"}});
  CHECK((*all)[2] == Reservation{ip("10.244.1.200"), {"legacy-id", ""}});
}

TEST_CASE("last_reserved_ip.<set> holds the address and reads as absent when torn") {
  TempDir tmp;
  Store store = open_store(tmp);
  auto lock = store.lock();
  REQUIRE(lock.ok());
  CHECK_FALSE(store.last_reserved(0).has_value());
  REQUIRE(store.set_last_reserved(1, ip("10.244.1.77")).ok());
  CHECK(read_file(store.dir() + "/last_reserved_ip.1") == "10.244.1.77");
  CHECK(store.last_reserved(1) == ip("10.244.1.77"));
  REQUIRE(store.set_last_reserved(1, ip("10.244.1.8")).ok());  // shorter: no tail of the old one
  CHECK(store.last_reserved(1) == ip("10.244.1.8"));
  write_file(store.dir() + "/last_reserved_ip.0", "10.244.1.12\n");  // as an operator's editor saves it
  CHECK(store.last_reserved(0) == ip("10.244.1.12"));
  write_file(store.dir() + "/last_reserved_ip.0", "10.24");
  CHECK_FALSE(store.last_reserved(0).has_value());
}

TEST_CASE("marks are hard links under attachments/ named <container id>@<ifname>") {
  TempDir tmp;
  Store store = open_store(tmp);
  auto lock = store.lock();
  REQUIRE(lock.ok());
  Attachment a{"ab12", "eth0"}, b{"ab12", "eth1"}, c{"cd34", "eth0"};
  CHECK_FALSE(*store.is_marked(a));
  REQUIRE(store.mark(a).ok());
  REQUIRE(store.mark(a).ok());  // twice is fine
  REQUIRE(store.mark(b).ok());
  REQUIRE(store.mark(c).ok());
  CHECK(marks_in(store.dir()) == std::set<std::string>{"ab12@eth0", "ab12@eth1", "cd34@eth0"});
  CHECK(fs::hard_link_count(store.dir() + "/attachments/.empty") == 4);
  CHECK(*store.is_marked(a));
  CHECK_FALSE(*store.is_marked({"ab12", "eth2"}));

  REQUIRE(store.unmark(a).ok());
  REQUIRE(store.unmark(a).ok());  // already gone
  CHECK_FALSE(*store.is_marked(a));
  CHECK(*store.is_marked(b));

  REQUIRE(store.unmark_all_except({c}).ok());
  CHECK_FALSE(*store.is_marked(b));
  CHECK(*store.is_marked(c));

  fs::remove(store.dir() + "/attachments/.empty");  // an operator tidied up: marks still work
  REQUIRE(store.mark(b).ok());
  CHECK(*store.is_marked(b));
  REQUIRE(store.unmark_all_except({}).ok());
  CHECK(marks_in(store.dir()).empty());
}

TEST_CASE("the lock keeps another process out until it is released") {
  TempDir tmp;
  Store store = open_store(tmp);
  int go[2], done[2];
  REQUIRE(::pipe(go) == 0);
  REQUIRE(::pipe(done) == 0);
  // Forked before the parent locks: a child forked under a Lock would share it.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // the same Store, inherited: each lock() opens the lock file anew
    ::close(go[1]);
    ::close(done[0]);
    char byte;
    if (::read(go[0], &byte, 1) != 1) _exit(1);
    auto got = store.lock();
    byte = got.ok() ? 'y' : 'n';
    _exit(::write(done[1], &byte, 1) == 1 ? 0 : 1);
  }
  ::close(go[0]);
  ::close(done[1]);
  auto lock = std::make_optional(store.lock());
  REQUIRE(lock->ok());
  REQUIRE(::write(go[1], "g", 1) == 1);
  pollfd p{done[0], POLLIN, 0};
  CHECK(::poll(&p, 1, 200) == 0);  // the child is still waiting
  lock.reset();
  REQUIRE(::poll(&p, 1, 10000) == 1);
  char byte = 0;
  CHECK(::read(done[0], &byte, 1) == 1);
  CHECK(byte == 'y');
  ::close(go[1]);
  ::close(done[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}
