// Tests of the admin token file and the bearer-token Authenticator.
#include "controlplane/server/auth.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "controlplane/server/files.h"
#include "controlplane/server/temp_dir.h"

namespace xebec::server {
namespace {

TEST_CASE("ensure_admin_token makes a private random token once") {
  testing::TempDir dir;
  auto token = ensure_admin_token(dir.path());
  REQUIRE(token.ok());
  CHECK(token->size() == 64);
  CHECK(token->find_first_not_of("0123456789abcdefABCDEF") == std::string::npos);
  std::string path = dir.path() + "/pki/admin.token";
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);

  auto again = ensure_admin_token(dir.path());
  REQUIRE(again.ok());
  CHECK(*again == *token);

  testing::TempDir other;
  CHECK(*ensure_admin_token(other.path()) != *token);
}

TEST_CASE("ensure_admin_token reads a token written by hand, and refuses an empty file") {
  testing::TempDir dir;
  REQUIRE(make_private_dir(dir.path() + "/pki").ok());
  REQUIRE(write_file_atomic(dir.path() + "/pki/admin.token", "  my-token\n", 0600).ok());
  CHECK(*ensure_admin_token(dir.path()) == "my-token");
  REQUIRE(write_file_atomic(dir.path() + "/pki/admin.token", "\n", 0600).ok());
  auto empty = ensure_admin_token(dir.path());
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.error().message, Catch::Contains("admin.token is empty"));
}

TEST_CASE("Authenticator maps bearer tokens to users") {
  Authenticator auth;
  auth.add_token("secret-one", "admin");
  auth.add_token("secret-two", "alice");

  CHECK(auth.authenticate("Bearer secret-one") == "admin");
  CHECK(auth.authenticate("Bearer secret-two") == "alice");
  CHECK(auth.authenticate("bearer secret-two") == "alice");  // the scheme in any case
  CHECK(auth.authenticate("  BEARER   secret-one ") == "admin");

  CHECK(auth.authenticate("") == std::nullopt);
  CHECK(auth.authenticate("Bearer") == std::nullopt);
  CHECK(auth.authenticate("Bearer ") == std::nullopt);
  CHECK(auth.authenticate("Bearer secret-three") == std::nullopt);
  CHECK(auth.authenticate("Bearer secret-on") == std::nullopt);
  CHECK(auth.authenticate("Bearer secret-one2") == std::nullopt);
  CHECK(auth.authenticate("Basic secret-one") == std::nullopt);
  CHECK(auth.authenticate("Bearer secret-one extra") == std::nullopt);
  CHECK(auth.authenticate("secret-one") == std::nullopt);
  CHECK(Authenticator().authenticate("Bearer secret-one") == std::nullopt);
}

}  // namespace
}  // namespace xebec::server
