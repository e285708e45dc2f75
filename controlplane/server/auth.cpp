// The admin token file and the bearer-token table (see auth.h).
#include "controlplane/server/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <filesystem>
#include <stdexcept>

#include "controlplane/server/files.h"
#include "controlplane/server/openssl_util.h"

namespace xebec::server {
namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  std::size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

}  // namespace

Result<std::string> ensure_admin_token(const std::string& data_dir) {
  std::string pki = data_dir + "/pki";
  std::string path = pki + "/admin.token";
  if (std::filesystem::exists(path)) {
    auto text = read_file(path);
    if (!text) return text.error();
    std::string token(trim(*text));
    if (token.empty()) return err(path + " is empty: remove it to have a new token made", ErrorCode::kInvalid);
    return token;
  }
  if (auto s = make_private_dir(pki); !s) return s.error();
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return err(path + ": cannot get random bytes: " + openssl_error());
  char hex[2 * sizeof bytes + 1];
  if (OPENSSL_buf2hexstr_ex(hex, sizeof hex, nullptr, bytes, sizeof bytes, '\0') != 1) {
    return err(path + ": cannot encode the token: " + openssl_error());
  }
  std::string token(hex, 2 * sizeof bytes);
  if (auto s = write_file_atomic(path, token, 0600); !s) return s.error();
  return token;
}

Authenticator::Digest Authenticator::digest(std::string_view token) {
  Digest d{};
  unsigned int n = 0;
  if (EVP_Digest(token.data(), token.size(), d.data(), &n, EVP_sha256(), nullptr) != 1 || n != d.size()) {
    throw std::runtime_error("SHA-256 failed: " + openssl_error());  // a broken OpenSSL: an invariant, not input
  }
  return d;
}

void Authenticator::add_token(std::string_view token, std::string user) {
  entries_.push_back({digest(token), std::move(user)});
}

std::optional<std::string> Authenticator::authenticate(std::string_view authorization) const {
  // As Kubernetes reads it: "<scheme> <token>", the scheme "bearer" in any case.
  authorization = trim(authorization);
  std::size_t space = authorization.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view scheme = authorization.substr(0, space);
  std::string_view token = trim(authorization.substr(space + 1));
  if (scheme.size() != 6 || OPENSSL_strncasecmp(scheme.data(), "bearer", 6) != 0 || token.empty() ||
      token.find(' ') != std::string_view::npos) {
    return std::nullopt;
  }
  Digest d = digest(token);
  const Entry* match = nullptr;
  for (const Entry& e : entries_) {
    if (CRYPTO_memcmp(e.digest.data(), d.data(), d.size()) == 0) match = &e;
  }
  if (match == nullptr) return std::nullopt;
  return match->user;
}

}  // namespace xebec::server
