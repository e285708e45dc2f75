// Owning handles for the OpenSSL objects this folder uses, and the text of OpenSSL's error
// queue for messages a user can act on.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace xebec::server {

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;

// Empties this thread's OpenSSL error queue and returns its reasons joined by "; ", or
// "unknown OpenSSL error" if it was empty.
std::string openssl_error();

// Parses one PEM certificate / private key. Errors name `source` (a file name).
Result<X509Ptr> parse_cert_pem(std::string_view pem, const std::string& source);
Result<PkeyPtr> parse_key_pem(std::string_view pem, const std::string& source);

// PEM text of a certificate / an unencrypted PKCS#8 private key.
Result<std::string> cert_pem(X509* cert);
Result<std::string> key_pem(EVP_PKEY* key);

}  // namespace xebec::server
