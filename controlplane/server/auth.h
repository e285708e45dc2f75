// Bearer-token authentication: the admin token file, and the table that says whose token a
// request's "Authorization: Bearer ..." header carries.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace xebec::server {

inline constexpr std::string_view kAdminUser = "admin";

// Returns the token in DATA_DIR/pki/admin.token, first creating the file (mode 0600) with 32
// random bytes in hex if it does not exist. Surrounding whitespace in the file is ignored.
Result<std::string> ensure_admin_token(const std::string& data_dir);

// Maps bearer tokens to user names. Filled before the server starts, then only read: the const
// methods are safe from any number of threads. Keeps SHA-256 digests rather than the tokens and
// compares them in constant time, checking every entry, so timing says nothing about a token.
class Authenticator {
 public:
  // Adds `token` (non-empty) for `user`.
  void add_token(std::string_view token, std::string user);

  // The user whose token the Authorization header value carries ("Bearer <token>", the scheme in
  // any case), or nullopt if the header is missing, malformed or the token is unknown.
  std::optional<std::string> authenticate(std::string_view authorization) const;

 private:
  using Digest = std::array<unsigned char, 32>;
  struct Entry {
    Digest digest;
    std::string user;
  };
  static Digest digest(std::string_view token);
  std::vector<Entry> entries_;
};

}  // namespace xebec::server
