// Label and field selectors, as tables.
#include "controlplane/api/selector.h"

#include <catch2/catch.hpp>

using namespace xebec::api;
using nlohmann::json;

TEST_CASE("label selectors match as Kubernetes' do", "[api][selector]") {
  const json labels = {{"app", "web"}, {"tier", "front"}, {"env", "prod"}};
  struct Case {
    std::string selector;
    bool matches;
  };
  for (const auto& c : std::vector<Case>{
           {"", true},
           {"app=web", true},
           {"app==web", true},
           {"app=db", false},
           {"app!=db", true},
           {"missing!=x", true},
           {"app=web,tier=front", true},
           {"app=web,tier=back", false},
           {"env in (prod,staging)", true},
           {"env in (staging)", false},
           {"env notin (staging, dev)", true},
           {"missing notin (x)", true},
           {"missing in (x)", false},
           {"app", true},
           {"!app", false},
           {"!canary", true},
           {"app=web, env in (prod), !canary", true},
           {"example.com/owner", false},
       }) {
    INFO(c.selector);
    auto s = LabelSelector::parse(c.selector);
    REQUIRE(s.ok());
    CHECK(s->matches(labels) == c.matches);
  }
  CHECK(LabelSelector::parse("app=web")->matches(json()) == false);
  CHECK(LabelSelector::parse("!app")->matches(json()) == true);
}

TEST_CASE("bad label selectors are refused with the part that is wrong", "[api][selector]") {
  for (const char* text : {"app=we b", "env in (prod", "env within (prod)", "app=web,", "a b c", "k=v(x)"}) {
    INFO(text);
    auto s = LabelSelector::parse(text);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == xebec::ErrorCode::kBadRequest);
    CHECK(s.error().message.find(text) != std::string::npos);
  }
}

TEST_CASE("field selectors read the supported fields", "[api][selector]") {
  const json pod = {{"metadata", {{"name", "web-1"}, {"namespace", "prod"}}},
                    {"spec", {{"nodeName", "node-2"}}},
                    {"status", {{"phase", "Running"}}}};
  struct Case {
    std::string selector;
    bool matches;
  };
  for (const auto& c : std::vector<Case>{
           {"", true},
           {"metadata.name=web-1", true},
           {"metadata.name==web-2", false},
           {"metadata.namespace!=prod", false},
           {"spec.nodeName=node-2,status.phase=Running", true},
           {"spec.nodeName=", false},
           {"status.phase!=Pending", true},
       }) {
    INFO(c.selector);
    auto s = FieldSelector::parse(c.selector);
    REQUIRE(s.ok());
    CHECK(s->matches(pod) == c.matches);
  }
  // An unscheduled pod has no spec.nodeName: it matches "spec.nodeName=", as the scheduler asks.
  CHECK(FieldSelector::parse("spec.nodeName=")->matches(json{{"spec", json::object()}}));
  auto bad = FieldSelector::parse("spec.containers=x");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "field label not supported: spec.containers");
  CHECK_FALSE(FieldSelector::parse("metadata.name").ok());
}
