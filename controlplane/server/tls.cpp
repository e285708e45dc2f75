// Makes and reuses the apiserver's CA and serving certificate with OpenSSL 3 (see tls.h).
#include "controlplane/server/tls.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <set>
#include <utility>

#include "controlplane/server/files.h"
#include "controlplane/server/openssl_util.h"

namespace xebec::server {
namespace {

constexpr int kCaDays = 3650;
constexpr int kServingDays = 365;
constexpr int kRenewBeforeDays = 30;  // a serving certificate closer than this to its end is replaced

struct CertAndKey {
  X509Ptr cert;
  PkeyPtr key;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A DNS name (letters, digits, '-', dot-separated labels of 1-63), its first label may be "*".
bool is_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  for (bool first = true;; first = false) {
    std::size_t end = name.find('.', start);
    std::string_view label(name.data() + start, (end == std::string::npos ? name.size() : end) - start);
    bool ok = (first && label == "*") ||
              (!label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
               std::all_of(label.begin(), label.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; }));
    if (!ok) return false;
    if (end == std::string::npos) return true;
    start = end + 1;
  }
}

// What a subjectAltName entry names, comparable across certificates: "IP:" + the address bytes
// or "DNS:" + the name in lower case.
std::string san_key(const GENERAL_NAME* name) {
  int type = 0;
  auto* value = static_cast<ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
  if (type != GEN_IPADD && type != GEN_DNS) return "other";
  std::string data(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                   static_cast<std::size_t>(ASN1_STRING_length(value)));
  return type == GEN_IPADD ? "IP:" + data : "DNS:" + lower(data);
}

// One GENERAL_NAME per distinct host: IP literals (v4 or v6) as IP SANs, names as DNS SANs.
Result<GeneralNamesPtr> san_names(const std::vector<std::string>& hosts) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  std::set<std::string> seen;
  for (const std::string& host : hosts) {
    unsigned char ip[16];
    int ip_len = inet_pton(AF_INET, host.c_str(), ip) == 1 ? 4 : inet_pton(AF_INET6, host.c_str(), ip) == 1 ? 16 : 0;
    ASN1_STRING* value = nullptr;
    int type = GEN_IPADD;
    if (ip_len > 0) {
      value = ASN1_OCTET_STRING_new();
      if (value != nullptr) ASN1_OCTET_STRING_set(value, ip, ip_len);
    } else if (is_dns_name(host)) {
      type = GEN_DNS;
      std::string name = lower(host);
      value = ASN1_IA5STRING_new();
      if (value != nullptr) ASN1_STRING_set(value, name.data(), static_cast<int>(name.size()));
    } else {
      return err("'" + host + "' is neither an IP address nor a DNS name: it cannot go into a certificate",
                 ErrorCode::kInvalid);
    }
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (value == nullptr || name == nullptr) {
      ASN1_STRING_free(value);
      GENERAL_NAME_free(name);
      return err("cannot build the subjectAltName for '" + host + "': " + openssl_error());
    }
    GENERAL_NAME_set0_value(name, type, value);
    if (!seen.insert(san_key(name)).second || sk_GENERAL_NAME_push(names.get(), name) == 0) GENERAL_NAME_free(name);
  }
  return names;
}

std::set<std::string> san_keys(X509* cert) {
  std::set<std::string> keys;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i)
    keys.insert(san_key(sk_GENERAL_NAME_value(names.get(), i)));
  return keys;
}

std::string time_text(const ASN1_TIME* t) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print(bio.get(), t) != 1) return "an unreadable date";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Status add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  bool ok = ext != nullptr && X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  if (!ok) return err(std::string("cannot add ") + OBJ_nid2sn(nid) + " " + value + ": " + openssl_error());
  return {};
}

struct CertSpec {
  const char* common_name;
  int days;
  std::vector<std::pair<int, const char*>> extensions;  // (NID, OpenSSL config value), in order
  const GENERAL_NAMES* alt_names = nullptr;
};

// A v3 certificate for `key`, signed by `issuer` (nullptr: self-signed).
Result<X509Ptr> make_cert(const CertSpec& spec, EVP_PKEY* key, const CertAndKey* issuer) {
  X509Ptr cert(X509_new());
  if (!cert) return err("cannot allocate a certificate: " + openssl_error());
  X509* x = cert.get();
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return err("cannot make a serial number: " + openssl_error());
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  bool ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != nullptr;
  BN_free(bn);
  X509_NAME* subject = X509_get_subject_name(x);
  ok = ok && X509_set_version(x, X509_VERSION_3) == 1 &&
       X509_gmtime_adj(X509_getm_notBefore(x), -5 * 60) != nullptr &&  // tolerate small clock skew
       X509_time_adj_ex(X509_getm_notAfter(x), spec.days, 0, nullptr) != nullptr &&
       X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(spec.common_name),
                                  -1, -1, 0) == 1 &&
       X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert.get()) : subject) == 1 &&
       X509_set_pubkey(x, key) == 1;
  if (!ok) return err("cannot fill in a certificate: " + openssl_error());
  for (const auto& [nid, value] : spec.extensions) {
    if (auto s = add_extension(x, issuer ? issuer->cert.get() : x, nid, value); !s) return s.error();
  }
  if (spec.alt_names != nullptr &&
      X509_add1_ext_i2d(x, NID_subject_alt_name, const_cast<GENERAL_NAMES*>(spec.alt_names), 0, 0) != 1) {
    return err("cannot add subjectAltName: " + openssl_error());
  }
  if (X509_sign(x, issuer ? issuer->key.get() : key, EVP_sha256()) <= 0)
    return err("cannot sign a certificate: " + openssl_error());
  return cert;
}

// A new key and a certificate for it; errors name `cert_path`.
Result<CertAndKey> make_pair(const CertSpec& spec, const CertAndKey* issuer, const std::string& cert_path) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return err(cert_path + ": cannot generate an EC P-256 key: " + openssl_error());
  auto cert = make_cert(spec, key.get(), issuer);
  if (!cert) return err(cert_path + ": " + cert.error().message);
  return CertAndKey{std::move(*cert), std::move(key)};
}

Status write_pair(const CertAndKey& pair, const std::string& cert_path, const std::string& key_path) {
  auto key = key_pem(pair.key.get());
  if (!key) return err(key_path + ": " + key.error().message);
  auto cert = cert_pem(pair.cert.get());
  if (!cert) return err(cert_path + ": " + cert.error().message);
  if (auto s = write_file_atomic(key_path, *key, 0600); !s) return s;
  return write_file_atomic(cert_path, *cert, 0644);
}

Result<CertAndKey> load_pair(const std::string& cert_path, const std::string& key_path) {
  auto cert_text = read_file(cert_path);
  if (!cert_text) return cert_text.error();
  auto key_text = read_file(key_path);
  if (!key_text) return key_text.error();
  auto cert = parse_cert_pem(*cert_text, cert_path);
  if (!cert) return cert.error();
  auto key = parse_key_pem(*key_text, key_path);
  if (!key) return key.error();
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    return err(cert_path + " does not belong to the key " + key_path + ": " + openssl_error(), ErrorCode::kInvalid);
  }
  return CertAndKey{std::move(*cert), std::move(*key)};
}

Result<CertAndKey> ensure_ca(const TlsFiles& files, const std::string& pki) {
  std::string start_over =
      "; restore it, or remove " + pki + " to start over with a new CA (every client must then trust the new ca.crt)";
  bool have_cert = std::filesystem::exists(files.ca_cert);
  bool have_key = std::filesystem::exists(files.ca_key);
  if (have_cert != have_key) {
    return err((have_cert ? files.ca_cert : files.ca_key) + " exists but " +
                   (have_cert ? files.ca_key : files.ca_cert) + " does not" + start_over,
               ErrorCode::kInvalid);
  }
  if (have_cert) {
    auto ca = load_pair(files.ca_cert, files.ca_key);
    if (!ca) return err(ca.error().message + start_over, ca.error().code);
    if (X509_cmp_current_time(X509_get0_notAfter(ca->cert.get())) <= 0) {
      return err(files.ca_cert + ": the CA expired on " + time_text(X509_get0_notAfter(ca->cert.get())) + start_over,
                 ErrorCode::kInvalid);
    }
    return ca;
  }
  CertSpec spec{"xebec-ca",
                kCaDays,
                {{NID_basic_constraints, "critical,CA:TRUE"},
                 {NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
                 {NID_subject_key_identifier, "hash"},
                 {NID_authority_key_identifier, "keyid:always"}}};
  auto ca = make_pair(spec, nullptr, files.ca_cert);
  if (!ca) return ca.error();
  if (auto s = write_pair(*ca, files.ca_cert, files.ca_key); !s) return s.error();
  return ca;
}

// Whether the serving pair on disk can stay: readable, signed by `ca`, not near its end, and
// naming every wanted host.
bool serving_reusable(const TlsFiles& files, const CertAndKey& ca, const GENERAL_NAMES* wanted) {
  auto pair = load_pair(files.server_cert, files.server_key);
  ERR_clear_error();
  if (!pair) return false;
  X509* cert = pair->cert.get();
  if (X509_verify(cert, ca.key.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  std::time_t horizon = std::time(nullptr) + kRenewBeforeDays * 24 * 60 * 60;
  if (X509_cmp_time(X509_get0_notAfter(cert), &horizon) != 1) return false;
  std::set<std::string> have = san_keys(cert);
  for (int i = 0; i < sk_GENERAL_NAME_num(wanted); ++i) {
    if (!have.count(san_key(sk_GENERAL_NAME_value(wanted, i)))) return false;
  }
  return true;
}

}  // namespace

Result<TlsFiles> ensure_tls(const std::string& data_dir, const std::vector<std::string>& hosts) {
  std::string pki = data_dir + "/pki";
  TlsFiles files{pki + "/ca.crt", pki + "/ca.key", pki + "/server.crt", pki + "/server.key"};
  std::vector<std::string> all_hosts{"127.0.0.1", "localhost"};
  all_hosts.insert(all_hosts.end(), hosts.begin(), hosts.end());
  auto alt_names = san_names(all_hosts);
  if (!alt_names) return alt_names.error();
  if (auto s = make_private_dir(pki); !s) return s.error();
  auto ca = ensure_ca(files, pki);
  if (!ca) return ca.error();
  if (serving_reusable(files, *ca, alt_names->get())) return files;
  CertSpec spec{"xebec-apiserver",
                kServingDays,
                {{NID_basic_constraints, "critical,CA:FALSE"},
                 {NID_key_usage, "critical,digitalSignature"},
                 {NID_ext_key_usage, "serverAuth"},
                 {NID_subject_key_identifier, "hash"},
                 {NID_authority_key_identifier, "keyid:always"}},
                alt_names->get()};
  auto serving = make_pair(spec, &*ca, files.server_cert);
  if (!serving) return serving.error();
  if (auto s = write_pair(*serving, files.server_cert, files.server_key); !s) return s.error();
  return files;
}

}  // namespace xebec::server
