// Tests of the file helpers: atomic replacement, modes, errors that name the path.
#include "controlplane/server/files.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "controlplane/server/temp_dir.h"

namespace xebec::server {
namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("write_file_atomic writes, replaces and sets the mode") {
  testing::TempDir dir;
  std::string path = dir.path() + "/secret";
  REQUIRE(write_file_atomic(path, "one", 0600).ok());
  CHECK(*read_file(path) == "one");
  CHECK(mode_of(path) == 0600);
  REQUIRE(write_file_atomic(path, "two", 0644).ok());
  CHECK(*read_file(path) == "two");
  CHECK(mode_of(path) == 0644);
  // No temporary file is left beside it.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
}

TEST_CASE("file errors name the path") {
  testing::TempDir dir;
  auto missing = read_file(dir.path() + "/nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::kNotFound);
  CHECK_THAT(missing.error().message, Catch::Contains(dir.path() + "/nope"));

  auto no_dir = write_file_atomic(dir.path() + "/no/such/file", "x", 0600);
  REQUIRE_FALSE(no_dir.ok());
  CHECK_THAT(no_dir.error().message, Catch::Contains(dir.path() + "/no/such/file"));
}

TEST_CASE("make_private_dir creates a 0700 directory and accepts an existing one") {
  testing::TempDir dir;
  std::string pki = dir.path() + "/a/pki";
  REQUIRE(make_private_dir(pki).ok());
  CHECK(mode_of(pki) == 0700);
  CHECK(make_private_dir(pki).ok());
  REQUIRE(write_file_atomic(dir.path() + "/file", "", 0600).ok());
  CHECK_FALSE(make_private_dir(dir.path() + "/file").ok());
}

}  // namespace
}  // namespace xebec::server
