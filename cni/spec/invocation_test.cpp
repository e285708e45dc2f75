// The CNI_* environment: what each command needs, and the errors for what is missing or bad.
#include "cni/spec/invocation.h"

#include <catch2/catch.hpp>
#include <map>

namespace xebec::cni {
namespace {

Result<Invocation> read(std::map<std::string, std::string> env) {
  return read_invocation([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST_CASE("an ADD environment is read whole", "[cni][env]") {
  auto inv = read({{"CNI_COMMAND", "ADD"},
                   {"CNI_CONTAINERID", "abc123"},
                   {"CNI_NETNS", "/run/netns/x"},
                   {"CNI_IFNAME", "eth0"},
                   {"CNI_ARGS", "IgnoreUnknown=1;IP=10.244.1.9;K8S_POD_NAME=web"},
                   {"CNI_PATH", "/opt/cni/bin::/usr/lib/cni"}});
  REQUIRE(inv);
  CHECK(inv->command == Command::kAdd);
  CHECK(inv->container_id == "abc123");
  CHECK(inv->netns == "/run/netns/x");
  CHECK(inv->ifname == "eth0");
  CHECK(inv->arg("IP") == "10.244.1.9");
  CHECK(inv->arg("K8S_POD_NAME") == "web");
  CHECK_FALSE(inv->arg("NOPE"));
  CHECK(inv->path == std::vector<std::string>{"/opt/cni/bin", "/usr/lib/cni"});
}

TEST_CASE("each command asks only for the variables it needs", "[cni][env]") {
  CHECK(read({{"CNI_COMMAND", "VERSION"}}));
  CHECK(read({{"CNI_COMMAND", "STATUS"}}));
  CHECK(read({{"CNI_COMMAND", "GC"}}));
  CHECK(read({{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c1"}, {"CNI_IFNAME", "eth0"}}));  // no netns: fine
}

TEST_CASE("bad environments are refused with the variable named", "[cni][env]") {
  struct Row {
    std::map<std::string, std::string> env;
    std::string message;
  };
  const std::map<std::string, std::string> add = {
      {"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c1"}, {"CNI_NETNS", "/run/netns/x"}, {"CNI_IFNAME", "eth0"}};
  auto with = [&](std::string key, std::string value) {
    auto env = add;
    if (value == "<unset>")
      env.erase(key);
    else
      env[key] = value;
    return env;
  };
  std::vector<Row> rows = {
      {with("CNI_COMMAND", "<unset>"), "CNI_COMMAND is not set"},
      {with("CNI_COMMAND", "ATTACH"), "CNI_COMMAND: unknown command 'ATTACH'"},
      {with("CNI_CONTAINERID", "<unset>"), "CNI_CONTAINERID is not set; ADD needs it"},
      {with("CNI_NETNS", "<unset>"), "CNI_NETNS is not set; ADD needs it"},
      {with("CNI_IFNAME", "<unset>"), "CNI_IFNAME is not set; ADD needs it"},
      {with("CNI_CONTAINERID", "-abc"), "CNI_CONTAINERID '-abc' must start with a letter or a digit"},
      {with("CNI_CONTAINERID", "ab/c"), "may hold only letters, digits"},
      {with("CNI_IFNAME", "averyveryverylongname"), "is longer than 15 bytes"},
      {with("CNI_IFNAME", "eth/0"), "may not hold '/'"},
      {with("CNI_IFNAME", ".."), "may not be '.' or '..'"},
      {with("CNI_ARGS", "IP"), "CNI_ARGS: 'IP' is not KEY=VALUE"},
  };
  for (const auto& row : rows) {
    auto inv = read(row.env);
    INFO(row.message);
    REQUIRE_FALSE(inv);
    CHECK_THAT(inv.error().message, Catch::Contains(row.message));
  }
}

}  // namespace
}  // namespace xebec::cni
