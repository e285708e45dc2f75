// The rollout arithmetic as tables: limits from the spec, the new ReplicaSet's growth, the old
// ones' shrinking, proportional resizing, and the template hash.
#include "controlplane/controllers/rollout.h"

#include <catch2/catch.hpp>

namespace xebec::controllers::rollout {
namespace {

using nlohmann::json;

json rolling(std::int64_t replicas, json surge, json unavailable) {
  return {{"replicas", replicas},
          {"strategy",
           {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", surge}, {"maxUnavailable", unavailable}}}}}};
}

TEST_CASE("limits: percentages round surge up and unavailability down", "[rollout]") {
  struct Case {
    const char* name;
    json spec;
    std::int64_t surge, unavailable;
  };
  const Case cases[] = {
      {"defaults 25%/25% of 3", json{{"replicas", 3}}, 1, 0},
      {"25%/25% of 4", rolling(4, "25%", "25%"), 1, 1},
      {"25%/25% of 10", rolling(10, "25%", "25%"), 3, 2},
      {"counts", rolling(5, 2, 1), 2, 1},
      {"both zero: one may be unavailable", rolling(3, 0, "0%"), 0, 1},
      {"100% unavailable of 3", rolling(3, "0%", "100%"), 0, 3},
      {"unavailable beyond replicas is capped", rolling(2, 1, 5), 1, 2},
      {"recreate has neither", json{{"replicas", 3}, {"strategy", {{"type", "Recreate"}}}}, 0, 0},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto got = limits(c.spec);
    REQUIRE(got);
    CHECK(got->max_surge == c.surge);
    CHECK(got->max_unavailable == c.unavailable);
  }
}

TEST_CASE("limits: an unreadable value is an error that names the field", "[rollout]") {
  for (const json& bad : {json("25"), json("x%"), json("%"), json::object(), json(1.5)}) {
    INFO(bad.dump());
    auto got = limits(rolling(3, bad, 1));
    REQUIRE_FALSE(got);
    CHECK_THAT(got.error().message, Catch::Contains("spec.strategy.rollingUpdate.maxSurge"));
  }
}

TEST_CASE("the new ReplicaSet grows within the surge, never past the size wanted", "[rollout]") {
  struct Case {
    const char* name;
    Limits limits;
    std::int64_t wanted, all, current, next;
  };
  const Case cases[] = {
      {"start of a rollout: surge 1 over 3 old", {1, 0}, 3, 3, 0, 1},
      {"at the surge: wait for old ones to go", {1, 0}, 3, 4, 1, 1},
      {"room made by old ones going", {1, 0}, 3, 3, 1, 2},
      {"surge larger than what is left", {5, 0}, 3, 3, 2, 3},
      {"no old ones: straight to the size", {1, 1}, 3, 0, 0, 3},
      {"no surge", {0, 1}, 3, 3, 0, 0},
      {"no surge, one old gone", {0, 1}, 3, 2, 0, 1},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(new_replica_set_size(c.limits, c.wanted, c.all, c.current) == c.next);
  }
}

TEST_CASE("old ReplicaSets shrink unavailable pods first, then as availability allows", "[rollout]") {
  struct Case {
    const char* name;
    Limits limits;
    std::int64_t wanted;
    ReplicaSetCounts current;
    std::vector<ReplicaSetCounts> old;
    std::vector<std::int64_t> sizes;
  };
  const Case cases[] = {
      {"new pods not available yet: keep the old", {1, 0}, 3, {1, 0}, {{3, 3}}, {3}},
      {"one new available: one old may go", {1, 0}, 3, {1, 1}, {{3, 3}}, {2}},
      {"maxUnavailable 1: one old goes at once", {0, 1}, 3, {0, 0}, {{3, 3}}, {2}},
      {"unavailable old pods go first, without cost", {1, 0}, 3, {1, 1}, {{3, 2}}, {2}},
      {"oldest first", {1, 1}, 4, {1, 1}, {{2, 2}, {2, 2}}, {0, 2}},
      {"all new available: the old go", {1, 0}, 3, {3, 3}, {{1, 1}}, {0}},
      {"nothing old", {1, 0}, 3, {3, 3}, {}, {}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(old_replica_set_sizes(c.limits, c.wanted, c.current, c.old) == c.sizes);
  }
}

TEST_CASE("a resize mid-rollout is shared in proportion", "[rollout]") {
  struct Case {
    const char* name;
    std::int64_t wanted, surge, fallback;
    std::vector<Share> shares;
    std::vector<std::int64_t> sizes;
  };
  const Case cases[] = {
      // 10 replicas + 3 surge = 13 in all; to 20 + 5 = 25: each grows by 25/13.
      {"grow", 20, 5, 13, {{8, 13, 1}, {5, 13, 0}}, {15, 10}},
      {"shrink", 5, 1, 13, {{8, 13, 1}, {5, 13, 0}}, {4, 2}},
      {"to zero", 0, 0, 13, {{8, 13, 1}, {5, 13, 0}}, {0, 0}},
      {"without annotations the status total is used", 20, 5, 13, {{8, -1, 1}, {5, -1, 0}}, {15, 10}},
      {"rounding leftovers go to the largest", 4, 0, 3, {{1, 3, 1}, {1, 3, 0}, {1, 3, 2}}, {1, 1, 2}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto sizes = proportional_sizes(c.wanted, c.surge, c.fallback, c.shares);
    CHECK(sizes == c.sizes);
  }
}

TEST_CASE("template hashes are stable, differ by template and collision count, and ignore nothing else", "[rollout]") {
  const json a = {{"metadata", {{"labels", {{"app", "web"}}}}}, {"spec", {{"containers", {{{"image", "nginx:1"}}}}}}};
  json b = a;
  b["spec"]["containers"][0]["image"] = "nginx:2";
  CHECK(template_hash(a, 0) == template_hash(json::parse(a.dump()), 0));
  CHECK(template_hash(a, 0) != template_hash(b, 0));
  CHECK(template_hash(a, 0) != template_hash(a, 1));
  CHECK(template_hash(a, 0).find_first_not_of("bcdfghjklmnpqrstvwxz2456789") == std::string::npos);
}

TEST_CASE("a ReplicaSet's template matches the Deployment's but for pod-template-hash", "[rollout]") {
  const json d = {{"metadata", {{"labels", {{"app", "web"}}}}}, {"spec", {{"containers", {{{"image", "nginx:1"}}}}}}};
  json rs = d;
  rs["metadata"]["labels"]["pod-template-hash"] = "abc";
  CHECK(same_template(rs, d));
  rs["spec"]["containers"][0]["image"] = "nginx:2";
  CHECK_FALSE(same_template(rs, d));
  json undone = d;  // as `kubectl rollout undo` writes it back
  undone["metadata"]["creationTimestamp"] = nullptr;
  undone["spec"]["containers"][0]["resources"] = json::object();
  CHECK(same_template(rs, undone) == same_template(rs, d));
  rs["spec"]["containers"][0]["image"] = "nginx:1";
  CHECK(same_template(rs, undone));
  CHECK(template_hash(undone, 0) == template_hash(d, 0));
  const json bare = {{"spec", d["spec"]}};
  json bare_rs = bare;
  bare_rs["metadata"]["labels"]["pod-template-hash"] = "abc";
  CHECK(same_template(bare_rs, bare));
}

}  // namespace
}  // namespace xebec::controllers::rollout
