// Tests of NetnsHandle and NetnsScope on real network namespaces (as root).
#include "cni/net/netns.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/support/eventually.h"
#include "tests/support/netns.h"

namespace {

using namespace xebec;
using namespace xebec::cni;
using xebec::testing::must;

// The inode of the calling thread's network namespace.
ino_t current_netns() {
  struct stat st {};
  REQUIRE(stat("/proc/thread-self/ns/net", &st) == 0);
  return st.st_ino;
}

ino_t netns_at(const std::string& path) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

TEST_CASE("NetnsHandle: what cannot be opened is refused with a reason") {
  struct Row {
    std::string path;
    ErrorCode code;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"/run/netns/xebec-cninet-never-made", ErrorCode::kNotFound, "No such file or directory"},
      {"/proc/self/status", ErrorCode::kInvalid, "is not a network namespace"},
      {"/proc/self/ns/mnt", ErrorCode::kInvalid, "is not a network namespace"},
  };
  for (const auto& row : rows) {
    INFO(row.path);
    auto h = NetnsHandle::open(row.path);
    REQUIRE_FALSE(h.ok());
    CHECK(h.error().code == row.code);
    CHECK_THAT(h.error().message, Catch::Contains(row.path) && Catch::Contains(row.message));
  }
}

TEST_CASE("NetnsScope: the thread is inside for the scope and back where it was after") {
  REQUIRE(geteuid() == 0);
  testing::Namespace ns("xebec-cninet" + std::to_string(getpid()) + "-scope");
  const std::string path = "/run/netns/" + ns.name();
  const ino_t before = current_netns();
  REQUIRE(before != netns_at(path));
  auto handle = must(NetnsHandle::open(path));
  {
    auto inside = must(NetnsScope::enter(handle));
    CHECK(current_netns() == netns_at(path));
    auto moved = std::move(inside);  // moving does not leave the namespace; only one of them returns
    CHECK(current_netns() == netns_at(path));
  }
  CHECK(current_netns() == before);
}

}  // namespace
