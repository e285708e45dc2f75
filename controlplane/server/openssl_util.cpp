// Owning handles for OpenSSL objects and OpenSSL's error text (see openssl_util.h).
#include "controlplane/server/openssl_util.h"

#include <openssl/err.h>
#include <openssl/pem.h>

namespace xebec::server {
namespace {

BioPtr memory_bio(std::string_view data) { return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size()))); }

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

std::string openssl_error() {
  std::string text;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

Result<X509Ptr> parse_cert_pem(std::string_view pem, const std::string& source) {
  BioPtr bio = memory_bio(pem);
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return err(source + ": not a PEM certificate: " + openssl_error(), ErrorCode::kInvalid);
  return cert;
}

Result<PkeyPtr> parse_key_pem(std::string_view pem, const std::string& source) {
  BioPtr bio = memory_bio(pem);
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return err(source + ": not a PEM private key: " + openssl_error(), ErrorCode::kInvalid);
  return key;
}

Result<std::string> cert_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
    return err("cannot encode a certificate as PEM: " + openssl_error());
  return bio_text(bio.get());
}

Result<std::string> key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return err("cannot encode a private key as PEM: " + openssl_error());
  }
  return bio_text(bio.get());
}

}  // namespace xebec::server
