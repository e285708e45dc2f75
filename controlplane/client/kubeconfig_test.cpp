// load_kubeconfig over a table of kubeconfig files written to a temporary directory, the one
// `xebec apiserver` writes among them.
#include "controlplane/client/kubeconfig.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "common/base64.h"
#include "controlplane/server/kubeconfig.h"
#include "controlplane/server/temp_dir.h"

namespace xebec::client {
namespace {

const std::string kCa = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

// A kubeconfig with one context "ctx" joining cluster "c" and user "u", whose parts a case
// replaces.
struct Config {
  std::string current = "ctx";
  std::string context = "{cluster: c, user: u}";
  std::string cluster = "{server: 'https://10.0.0.1:6443', certificate-authority-data: " + base64_encode(kCa) + "}";
  std::string user = "{token: secret}";

  std::string yaml() const {
    return "apiVersion: v1\nkind: Config\ncurrent-context: " + current +
           "\ncontexts:\n- name: ctx\n  context: " + context + "\nclusters:\n- name: c\n  cluster: " + cluster +
           "\nusers:\n- name: u\n  user: " + user + "\n";
  }
};

}  // namespace

TEST_CASE("load_kubeconfig reads the file xebec apiserver writes", "[kubeconfig]") {
  server::testing::TempDir dir;
  write(dir.path() + "/ca.crt", kCa);
  for (const auto& [host, url] :
       std::vector<std::pair<std::string, std::string>>{{"127.0.0.1", "https://127.0.0.1:6443"},
                                                        {"::1", "https://[::1]:6443"},
                                                        {"api.local", "https://api.local:6443"}}) {
    INFO(host);
    auto path = server::write_admin_kubeconfig(dir.path(), host, 6443, {dir.path() + "/ca.crt", "", "", ""}, "tok");
    REQUIRE(path.ok());
    auto access = load_kubeconfig(*path);
    REQUIRE(access.ok());
    CHECK(access->server == url);
    CHECK(access->host == host);
    CHECK(access->port == 6443);
    CHECK(access->ca_pem == kCa);
    CHECK(access->token == "tok");
  }
}

TEST_CASE("load_kubeconfig takes the CA and token from files, relative to the kubeconfig", "[kubeconfig]") {
  server::testing::TempDir dir;
  write(dir.path() + "/ca.pem", kCa);
  write(dir.path() + "/token", "from-file\n");
  Config c;
  c.cluster = "{server: 'https://example.com/', certificate-authority: ca.pem}";
  c.user = "{tokenFile: " + dir.path() + "/token}";
  write(dir.path() + "/config", c.yaml());
  auto access = load_kubeconfig(dir.path() + "/config");
  REQUIRE(access.ok());
  CHECK(access->host == "example.com");
  CHECK(access->port == 443);
  CHECK(access->ca_pem == kCa);
  CHECK(access->token == "from-file");
}

TEST_CASE("load_kubeconfig follows current-context among several", "[kubeconfig]") {
  server::testing::TempDir dir;
  std::string config = R"(current-context: second
contexts:
- {name: first, context: {cluster: a, user: x}}
- {name: second, context: {cluster: b, user: y}}
clusters:
- {name: a, cluster: {server: 'https://a:1', certificate-authority-data: CA}}
- {name: b, cluster: {server: 'https://b:2', certificate-authority-data: CA}}
users:
- {name: x, user: {token: tx}}
- {name: y, user: {token: ty}}
)";
  for (std::size_t at; (at = config.find("CA}")) != std::string::npos;) config.replace(at, 2, base64_encode(kCa));
  write(dir.path() + "/config", config);
  auto access = load_kubeconfig(dir.path() + "/config");
  REQUIRE(access.ok());
  CHECK(access->server == "https://b:2");
  CHECK(access->token == "ty");
}

TEST_CASE("load_kubeconfig says which file and what in it is wrong", "[kubeconfig]") {
  server::testing::TempDir dir;
  const std::string path = dir.path() + "/config";
  write(dir.path() + "/empty-token", "\n");
  struct Case {
    const char* what;
    std::string yaml;
    std::string message;  // after "kubeconfig PATH: "
  };
  auto with = [](auto change) {
    Config c;
    change(c);
    return c.yaml();
  };
  const std::vector<Case> cases = {
      {"not YAML", "clusters: [", "not valid YAML"},
      {"a list", "- a\n- b\n", "not a kubeconfig"},
      {"no current context", with([](Config& c) { c.current = "''"; }), "no current-context is set"},
      {"an unknown current context", with([](Config& c) { c.current = "other"; }),
       "current-context \"other\" is not in contexts"},
      {"a context without user", with([](Config& c) { c.context = "{cluster: c}"; }), "context \"ctx\" names no user"},
      {"an unknown user", with([](Config& c) { c.context = "{cluster: c, user: bar}"; }),
       "context \"ctx\" names user \"bar\", which is not in users"},
      {"an unknown cluster", with([](Config& c) { c.context = "{cluster: d, user: u}"; }),
       "context \"ctx\" names cluster \"d\", which is not in clusters"},
      {"clusters as a map",
       "current-context: ctx\ncontexts: [{name: ctx, context: {cluster: c, user: u}}]\n"
       "clusters: {c: {server: 'https://a'}}\nusers: [{name: u, user: {token: t}}]\n",
       "context \"ctx\" names cluster \"c\", which is not in clusters"},
      {"no server", with([](Config& c) { c.cluster = "{certificate-authority-data: eA==}"; }),
       "cluster \"c\" has no server"},
      {"an http server", with([](Config& c) { c.cluster = "{server: 'http://10.0.0.1:8080'}"; }),
       "cluster \"c\" has server \"http://10.0.0.1:8080\", which is not an https://HOST[:PORT] URL"},
      {"a server with a path", with([](Config& c) { c.cluster = "{server: 'https://h:6443/k8s'}"; }),
       "cluster \"c\" has server \"https://h:6443/k8s\", which is not an https://HOST[:PORT] URL"},
      {"a port out of range", with([](Config& c) { c.cluster = "{server: 'https://h:70000'}"; }),
       "cluster \"c\" has server \"https://h:70000\", which is not an https://HOST[:PORT] URL"},
      {"no CA", with([](Config& c) { c.cluster = "{server: 'https://h'}"; }),
       "cluster \"c\" has neither certificate-authority-data nor certificate-authority"},
      {"a CA that is not base64",
       with([](Config& c) { c.cluster = "{server: 'https://h', certificate-authority-data: '!!'}"; }),
       "cluster \"c\" has certificate-authority-data that is not base64"},
      {"a missing CA file",
       with([](Config& c) { c.cluster = "{server: 'https://h', certificate-authority: missing.crt}"; }),
       "cluster \"c\" certificate-authority " + dir.path() + "/missing.crt: cannot open"},
      {"no token", with([](Config& c) { c.user = "{client-certificate: x.crt}"; }),
       "user \"u\" has neither token nor tokenFile"},
      {"an empty token file", with([&](Config& c) { c.user = "{tokenFile: empty-token}"; }),
       "user \"u\" tokenFile " + dir.path() + "/empty-token is empty"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    write(path, c.yaml);
    auto access = load_kubeconfig(path);
    REQUIRE_FALSE(access.ok());
    CHECK_THAT(access.error().message, Catch::StartsWith("kubeconfig " + path + ": " + c.message));
    CHECK(access.error().code == ErrorCode::kInvalid);
  }

  SECTION("a missing file") {
    auto access = load_kubeconfig(dir.path() + "/none");
    REQUIRE_FALSE(access.ok());
    CHECK_THAT(access.error().message, Catch::StartsWith("kubeconfig " + dir.path() + "/none: cannot open"));
    CHECK(access.error().code == ErrorCode::kNotFound);
  }
}

}  // namespace xebec::client
