// Tests of the admin kubeconfig: it parses back with the server, the CA and the token in the
// places kubectl looks for them.
#include "controlplane/server/kubeconfig.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include "controlplane/server/files.h"
#include "controlplane/server/temp_dir.h"

namespace xebec::server {
namespace {

std::string unbase64(const std::string& text) {
  std::string out(text.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  REQUIRE(n >= 0);
  std::size_t padding = text.size() - 1 - text.find_last_not_of('=');  // DecodeBlock counts padding as zeros
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

YAML::Node named(const YAML::Node& list, const std::string& name) {
  for (const YAML::Node& entry : list) {
    if (entry["name"].as<std::string>() == name) return entry;
  }
  FAIL("no entry named " << name);
  return {};
}

TEST_CASE("write_admin_kubeconfig writes what kubectl needs") {
  testing::TempDir dir;
  REQUIRE(make_private_dir(dir.path() + "/pki").ok());
  TlsFiles tls{dir.path() + "/pki/ca.crt", "", "", ""};
  const std::string ca_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  REQUIRE(write_file_atomic(tls.ca_cert, ca_pem, 0644).ok());

  auto path = write_admin_kubeconfig(dir.path(), "127.0.0.1", 6443, tls, "the-token");
  REQUIRE(path.ok());
  CHECK(*path == dir.path() + "/admin.kubeconfig");
  struct stat st {};
  REQUIRE(stat(path->c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);

  YAML::Node config = YAML::LoadFile(*path);
  CHECK(config["apiVersion"].as<std::string>() == "v1");
  CHECK(config["kind"].as<std::string>() == "Config");
  CHECK(config["current-context"].as<std::string>() == "xebec");
  YAML::Node context = named(config["contexts"], "xebec")["context"];
  CHECK(context["cluster"].as<std::string>() == "xebec");
  CHECK(context["user"].as<std::string>() == "admin");
  YAML::Node cluster = named(config["clusters"], "xebec")["cluster"];
  CHECK(cluster["server"].as<std::string>() == "https://127.0.0.1:6443");
  CHECK(unbase64(cluster["certificate-authority-data"].as<std::string>()) == ca_pem);
  CHECK(named(config["users"], "admin")["user"]["token"].as<std::string>() == "the-token");

  SECTION("an IPv6 host is bracketed") {
    REQUIRE(write_admin_kubeconfig(dir.path(), "::1", 6443, tls, "t").ok());
    CHECK(YAML::LoadFile(*path)["clusters"][0]["cluster"]["server"].as<std::string>() == "https://[::1]:6443");
  }
  SECTION("a missing CA file is an error naming it") {
    tls.ca_cert = dir.path() + "/pki/none.crt";
    auto missing = write_admin_kubeconfig(dir.path(), "127.0.0.1", 6443, tls, "t");
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.error().message, Catch::Contains("none.crt"));
  }
}

}  // namespace
}  // namespace xebec::server
