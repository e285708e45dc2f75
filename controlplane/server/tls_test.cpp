// Tests of the TLS material: the certificates verify against the CA with the right names and
// usages, keys are private, and a restart reuses or renews as it should.
#include "controlplane/server/tls.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "controlplane/server/files.h"
#include "controlplane/server/openssl_util.h"
#include "controlplane/server/temp_dir.h"

namespace xebec::server {
namespace {

using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX_free>>;

X509Ptr load_cert(const std::string& path) {
  auto pem = read_file(path);
  REQUIRE(pem.ok());
  auto cert = parse_cert_pem(*pem, path);
  REQUIRE(cert.ok());
  return std::move(*cert);
}

enum class HostKind { kName, kIp };

// Verifies `cert` for a TLS server named `host`, trusting only `ca`, as a TLS client would:
// returns the X509_V_ERR code (X509_V_OK on success).
int verify_for(X509* ca, X509* cert, const std::string& host, HostKind kind) {
  X509StorePtr store(X509_STORE_new());
  REQUIRE(X509_STORE_add_cert(store.get(), ca) == 1);
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr) == 1);
  REQUIRE(X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER) == 1);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  if (kind == HostKind::kIp) {
    REQUIRE(X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1);
  } else {
    REQUIRE(X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1);
  }
  int ok = X509_verify_cert(ctx.get());
  int error = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  return ok == 1 ? X509_V_OK : error;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

long days_valid(X509* cert) {
  int days = 0, seconds = 0;
  REQUIRE(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert)) == 1);
  return days;
}

TEST_CASE("ensure_tls makes a CA and a serving certificate that verify for every host") {
  testing::TempDir dir;
  auto files = ensure_tls(dir.path(), {"api.example.test", "10.1.2.3", "::1", "*.svc.example.test"});
  REQUIRE(files.ok());
  CHECK(files->ca_cert == dir.path() + "/pki/ca.crt");
  CHECK(files->ca_key == dir.path() + "/pki/ca.key");
  CHECK(files->server_cert == dir.path() + "/pki/server.crt");
  CHECK(files->server_key == dir.path() + "/pki/server.key");
  CHECK(mode_of(files->ca_key) == 0600);
  CHECK(mode_of(files->server_key) == 0600);
  CHECK(mode_of(dir.path() + "/pki") == 0700);

  X509Ptr ca = load_cert(files->ca_cert);
  X509Ptr server = load_cert(files->server_cert);

  // The CA: self-signed, CA:TRUE, may sign certificates, EC P-256.
  CHECK(X509_check_ca(ca.get()) >= 1);
  CHECK((X509_get_key_usage(ca.get()) & KU_KEY_CERT_SIGN) != 0);
  CHECK(X509_verify(ca.get(), X509_get0_pubkey(ca.get())) == 1);
  CHECK(EVP_PKEY_is_a(X509_get0_pubkey(ca.get()), "EC"));
  char group[64] = {};
  REQUIRE(EVP_PKEY_get_group_name(X509_get0_pubkey(server.get()), group, sizeof group, nullptr) == 1);
  CHECK(std::string(group) == "prime256v1");
  CHECK(X509_get_version(server.get()) == X509_VERSION_3);

  // The serving certificate: not a CA, serverAuth, a year.
  CHECK(X509_check_ca(server.get()) == 0);
  CHECK((X509_get_extended_key_usage(server.get()) & XKU_SSL_SERVER) != 0);
  CHECK(days_valid(server.get()) == 365);

  for (const char* name : {"localhost", "api.example.test", "API.Example.Test", "x.svc.example.test"}) {
    INFO(name);
    CHECK(verify_for(ca.get(), server.get(), name, HostKind::kName) == X509_V_OK);
  }
  for (const char* ip : {"127.0.0.1", "10.1.2.3", "::1"}) {
    INFO(ip);
    CHECK(verify_for(ca.get(), server.get(), ip, HostKind::kIp) == X509_V_OK);
  }
  CHECK(verify_for(ca.get(), server.get(), "other.example.test", HostKind::kName) == X509_V_ERR_HOSTNAME_MISMATCH);
  CHECK(verify_for(ca.get(), server.get(), "10.1.2.4", HostKind::kIp) == X509_V_ERR_IP_ADDRESS_MISMATCH);

  // Signed by this CA and no other.
  testing::TempDir other_dir;
  auto other = ensure_tls(other_dir.path(), {});
  REQUIRE(other.ok());
  X509Ptr other_ca = load_cert(other->ca_cert);
  CHECK(verify_for(other_ca.get(), server.get(), "localhost", HostKind::kName) != X509_V_OK);
}

TEST_CASE("ensure_tls reuses the files on a restart") {
  testing::TempDir dir;
  auto first = ensure_tls(dir.path(), {"10.1.2.3", "api.example.test"});
  REQUIRE(first.ok());
  std::string ca = *read_file(first->ca_cert), ca_key = *read_file(first->ca_key);
  std::string server = *read_file(first->server_cert), server_key = *read_file(first->server_key);

  SECTION("the same hosts, or a subset, in any order and case") {
    REQUIRE(ensure_tls(dir.path(), {"API.example.test", "10.1.2.3"}).ok());
    REQUIRE(ensure_tls(dir.path(), {"localhost"}).ok());
    CHECK(*read_file(first->server_cert) == server);
    CHECK(*read_file(first->server_key) == server_key);
  }
  SECTION("a new host renews the serving certificate, not the CA") {
    REQUIRE(ensure_tls(dir.path(), {"10.1.2.3", "new.example.test"}).ok());
    CHECK(*read_file(first->server_cert) != server);
    X509Ptr ca_cert = load_cert(first->ca_cert);
    X509Ptr renewed = load_cert(first->server_cert);
    CHECK(verify_for(ca_cert.get(), renewed.get(), "new.example.test", HostKind::kName) == X509_V_OK);
    CHECK(verify_for(ca_cert.get(), renewed.get(), "10.1.2.3", HostKind::kIp) == X509_V_OK);
  }
  SECTION("a damaged serving certificate is replaced") {
    REQUIRE(write_file_atomic(first->server_cert, "garbage", 0644).ok());
    REQUIRE(ensure_tls(dir.path(), {"10.1.2.3"}).ok());
    X509Ptr ca_cert = load_cert(first->ca_cert);
    X509Ptr renewed = load_cert(first->server_cert);
    CHECK(verify_for(ca_cert.get(), renewed.get(), "127.0.0.1", HostKind::kIp) == X509_V_OK);
  }
  CHECK(*read_file(first->ca_cert) == ca);
  CHECK(*read_file(first->ca_key) == ca_key);
}

TEST_CASE("ensure_tls errors name the file and say what to do") {
  testing::TempDir dir;
  auto first = ensure_tls(dir.path(), {});
  REQUIRE(first.ok());

  SECTION("a damaged CA key") {
    REQUIRE(
        write_file_atomic(first->ca_key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 0600).ok());
    auto again = ensure_tls(dir.path(), {});
    REQUIRE_FALSE(again.ok());
    CHECK_THAT(again.error().message, Catch::Contains(first->ca_key) && Catch::Contains("not a PEM private key") &&
                                          Catch::Contains("remove " + dir.path() + "/pki"));
  }
  SECTION("a CA certificate without its key") {
    std::filesystem::remove(first->ca_key);
    auto again = ensure_tls(dir.path(), {});
    REQUIRE_FALSE(again.ok());
    CHECK_THAT(again.error().message, Catch::Contains(first->ca_key + " does not"));
  }
  SECTION("a host that cannot be a SAN") {
    auto bad = ensure_tls(dir.path(), {"not a host"});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == ErrorCode::kInvalid);
    CHECK_THAT(bad.error().message, Catch::Contains("'not a host'"));
  }
}

}  // namespace
}  // namespace xebec::server
