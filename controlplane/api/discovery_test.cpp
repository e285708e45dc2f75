// Discovery documents hold what kubectl looks for.
#include "controlplane/api/discovery.h"

#include <catch2/catch.hpp>

using namespace xebec::api;
using nlohmann::json;

namespace {
json find_named(const json& list, const std::string& name) {
  for (const auto& r : list)
    if (r["name"] == name) return r;
  FAIL("no " << name << " in " << list.dump());
  return {};
}
}  // namespace

TEST_CASE("discovery lists the groups, their types, short names and subresources", "[api][discovery]") {
  CHECK(api_versions()["versions"] == json{"v1"});
  const json groups = api_group_list()["groups"];
  REQUIRE(groups.size() == 1);
  CHECK(groups[0]["name"] == "apps");
  CHECK(groups[0]["preferredVersion"]["groupVersion"] == "apps/v1");

  const json core = api_resource_list({"", "v1"});
  CHECK(core["groupVersion"] == "v1");
  const json pods = find_named(core["resources"], "pods");
  CHECK(pods["kind"] == "Pod");
  CHECK(pods["namespaced"] == true);
  CHECK(pods["shortNames"] == json{"po"});
  CHECK(pods["categories"] == json{"all"});
  CHECK(pods["verbs"].size() == 8);
  CHECK(find_named(core["resources"], "pods/status")["verbs"] == json{"get", "patch", "update"});
  CHECK(find_named(core["resources"], "pods/binding")["kind"] == "Binding");
  CHECK(find_named(core["resources"], "namespaces")["namespaced"] == false);
  CHECK(find_named(core["resources"], "replicationcontrollers/scale")["group"] == "autoscaling");

  const json apps = api_resource_list({"apps", "v1"});
  CHECK(find_named(apps["resources"], "deployments")["shortNames"] == json{"deploy"});
  CHECK(find_named(apps["resources"], "deployments/scale")["kind"] == "Scale");
  CHECK(api_resource_list({"batch", "v1"}).is_null());
  CHECK(version_info()["minor"] == "32");
}
