// One invocation end to end through run(), with a fake plugin: versions, outputs, error codes.
#include "cni/spec/skel.h"

#include <catch2/catch.hpp>
#include <map>
#include <sstream>

namespace xebec::cni {
namespace {

using nlohmann::json;

// Records what it was called with and answers with `fail` when set.
class FakePlugin final : public Plugin {
 public:
  std::optional<Error> fail;
  std::vector<std::string> calls;
  NetConf last;

  Result<CniResult> add(const Invocation& inv, const NetConf& conf) override {
    record("ADD " + inv.container_id, conf);
    if (fail) return *fail;
    CniResult r;
    r.interfaces = {{inv.ifname, "02:00:00:00:00:01", std::nullopt, inv.netns, "", ""}};
    r.ips = {{"10.244.1.5/32", "169.254.1.1", 0}};
    return r;
  }
  Status del(const Invocation& inv, const NetConf& conf) override { return answer("DEL " + inv.container_id, conf); }
  Status check(const Invocation& inv, const NetConf& conf) override {
    return answer("CHECK " + inv.container_id, conf);
  }
  Status status(const Invocation&, const NetConf& conf) override { return answer("STATUS", conf); }
  Status gc(const Invocation&, const NetConf& conf) override { return answer("GC", conf); }

 private:
  void record(std::string call, const NetConf& conf) {
    calls.push_back(std::move(call));
    last = conf;
  }
  Status answer(std::string call, const NetConf& conf) {
    record(std::move(call), conf);
    if (fail) return *fail;
    return {};
  }
};

struct Outcome {
  int exit_code;
  json output;  // null when nothing was printed
};

Outcome invoke(Plugin& plugin, const std::string& command, const std::string& config,
               std::map<std::string, std::string> env = {}) {
  env.emplace("CNI_COMMAND", command);
  env.emplace("CNI_CONTAINERID", "c1");
  env.emplace("CNI_NETNS", "/run/netns/p1");
  env.emplace("CNI_IFNAME", "eth0");
  std::ostringstream out;
  int code = run(
      plugin, config,
      [&](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() || it->second == "<unset>" ? nullptr : it->second.c_str();
      },
      out);
  return {code, out.str().empty() ? json() : json::parse(out.str())};
}

std::string conf(const std::string& version, const std::string& extra = "") {
  return R"({"cniVersion":")" + version + R"(","name":"xebec","type":"xebec-cni")" + extra + "}";
}

TEST_CASE("VERSION works without a network name and lists every version", "[cni][skel]") {
  FakePlugin p;
  for (const char* stdin_text : {R"({"cniVersion":"0.4.0"})", "", R"({"cniVersion":"9.9.9"})"}) {
    auto o = invoke(p, "VERSION", stdin_text);
    INFO(stdin_text);
    CHECK(o.exit_code == 0);
    CHECK(o.output["supportedVersions"] == json::parse(R"(["0.3.1","0.4.0","1.0.0","1.1.0"])"));
  }
  CHECK(invoke(p, "VERSION", R"({"cniVersion":"0.4.0"})").output["cniVersion"] == "0.4.0");
  CHECK(p.calls.empty());
}

TEST_CASE("ADD prints the result in the configuration's version", "[cni][skel]") {
  FakePlugin p;
  auto old = invoke(p, "ADD", conf("0.3.1"));
  REQUIRE(old.exit_code == 0);
  CHECK(old.output["cniVersion"] == "0.3.1");
  CHECK(old.output["ips"][0]["version"] == "4");
  auto current = invoke(p, "ADD", conf("1.1.0"));
  REQUIRE(current.exit_code == 0);
  CHECK(current.output["cniVersion"] == "1.1.0");
  CHECK_FALSE(current.output["ips"][0].contains("version"));
  CHECK(current.output["interfaces"][0]["sandbox"] == "/run/netns/p1");
}

TEST_CASE("prevResult and the attachments to keep reach the plugin", "[cni][skel]") {
  FakePlugin p;
  REQUIRE(invoke(p, "ADD", conf("1.0.0", R"(,"prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.2/24"}]})"))
              .exit_code == 0);
  REQUIRE(p.last.prev_result);
  CHECK(p.last.prev_result->ips.at(0).address == "10.1.0.2/24");
  REQUIRE(invoke(p, "GC", conf("1.1.0", R"(,"cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"}])"))
              .exit_code == 0);
  CHECK(p.last.valid_attachments == std::vector<Attachment>{{"a", "eth0"}});
  REQUIRE(invoke(p, "GC", conf("1.1.0", R"(,"cni.dev/attachments":[])")).exit_code == 0);
  CHECK(p.last.valid_attachments.empty());
}

TEST_CASE("failures carry the spec's codes", "[cni][skel]") {
  struct Row {
    const char* what;
    std::string command, config;
    std::map<std::string, std::string> env;
    std::optional<Error> plugin_error;
    int code;
    std::string message;
  };
  std::vector<Row> rows = {
      {"bad env", "ADD", conf("1.1.0"), {{"CNI_IFNAME", "<unset>"}}, {}, 4, "CNI_IFNAME is not set"},
      {"bad JSON", "ADD", "{not json", {}, {}, 6, "not JSON"},
      {"empty stdin", "DEL", "", {}, {}, 6, "no network configuration"},
      {"not an object", "ADD", "[1]", {}, {}, 6, "not a JSON object"},
      {"unknown version", "ADD", conf("0.2.0"), {}, {}, 1, "CNI version 0.2.0 is not supported"},
      {"no version", "ADD", R"({"name":"n","type":"xebec-cni"})", {}, {}, 1, "cniVersion: required"},
      {"CHECK before 0.4.0", "CHECK", conf("0.3.1"), {}, {}, 1, "does not have CHECK (it came in 0.4.0)"},
      {"STATUS before 1.1.0", "STATUS", conf("1.0.0"), {}, {}, 1, "does not have STATUS (it came in 1.1.0)"},
      {"GC before 1.1.0", "GC", conf("1.0.0"), {}, {}, 1, "does not have GC"},
      {"no name", "ADD", R"({"cniVersion":"1.0.0","type":"x"})", {}, {}, 7, "name: required"},
      {"bad name", "ADD", R"({"cniVersion":"1.0.0","name":"a b"})", {}, {}, 7, "'a b' is not a network name"},
      {"ipam of the wrong type",
       "ADD",
       conf("1.0.0", R"(,"ipam":"host-local")"),
       {},
       {},
       7,
       "ipam: expected an object"},
      {"GC without its list", "GC", conf("1.1.0"), {}, {}, 7, "cni.dev/valid-attachments: required"},
      {"plugin: invalid", "ADD", conf("1.1.0"), {}, err("mtu: too small", ErrorCode::kInvalid), 7, "mtu: too small"},
      {"plugin: twice", "ADD", conf("1.1.0"), {}, err("already", ErrorCode::kAlreadyExists), 101, "already"},
      {"plugin: full", "ADD", conf("1.1.0"), {}, err("full", ErrorCode::kExhausted), 102, "full"},
      {"plugin: busy", "DEL", conf("1.1.0"), {}, err("locked", ErrorCode::kUnavailable), 11, "locked"},
      {"plugin: other", "CHECK", conf("1.1.0"), {}, err("no route"), 100, "no route"},
      {"STATUS: full", "STATUS", conf("1.1.0"), {}, err("full", ErrorCode::kExhausted), 51, "full"},
      {"STATUS: down", "STATUS", conf("1.1.0"), {}, err("no dataplane"), 50, "no dataplane"},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    FakePlugin p;
    p.fail = row.plugin_error;
    auto o = invoke(p, row.command, row.config, row.env);
    CHECK(o.exit_code == 1);
    CHECK(o.output["code"] == row.code);
    CHECK_THAT(o.output["msg"].get<std::string>(), Catch::Contains(row.message));
    CHECK(o.output.contains("cniVersion"));
  }
}

TEST_CASE("a plugin's error names the command, container, interface and network", "[cni][skel]") {
  FakePlugin p;
  p.fail = err("boom");
  auto o = invoke(p, "ADD", conf("1.0.0"));
  CHECK(o.output["cniVersion"] == "1.0.0");
  CHECK(o.output["details"] == "ADD of container c1 interface eth0 on network xebec");
}

}  // namespace
}  // namespace xebec::cni
