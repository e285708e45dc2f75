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

TEST_CASE("LabelSelector objects match as their string forms do", "[api][selector]") {
  struct Case {
    const char* selector;
    const char* labels;
    bool matches;
  };
  const std::vector<Case> cases = {
      {R"({})", R"({"app":"web"})", true},
      {R"({"matchLabels":{"app":"web"}})", R"({"app":"web","tier":"front"})", true},
      {R"({"matchLabels":{"app":"web"}})", R"({"app":"db"})", false},
      {R"({"matchExpressions":[{"key":"tier","operator":"In","values":["front","edge"]}]})", R"({"tier":"edge"})", true},
      {R"({"matchExpressions":[{"key":"tier","operator":"NotIn","values":["front"]}]})", R"({})", true},
      {R"({"matchExpressions":[{"key":"tier","operator":"Exists"}]})", R"({"app":"web"})", false},
      {R"({"matchExpressions":[{"key":"tier","operator":"DoesNotExist"}]})", R"({"app":"web"})", true},
      {R"({"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["db"]}]})",
       R"({"app":"web","tier":"front"})", false},
  };
  for (const auto& c : cases) {
    INFO(c.selector << " on " << c.labels);
    auto sel = LabelSelector::from_object(json::parse(c.selector));
    REQUIRE(sel.ok());
    CHECK(sel->matches(json::parse(c.labels)) == c.matches);
  }
}

TEST_CASE("bad LabelSelector objects are invalid, saying why", "[api][selector]") {
  struct Case {
    const char* selector;
    const char* says;
  };
  const std::vector<Case> cases = {
      {R"({"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]})", "\"Gt\" is not a valid"},
      {R"({"matchExpressions":[{"key":"a","operator":"In"}]})", "In needs values"},
      {R"({"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]})", "Exists takes no values"},
      {R"({"matchExpressions":[{"operator":"Exists"}]})", "needs a key"},
      {R"({"matchLabels":{"a":1}})", "matchLabels.a must be a string"},
      {R"("app=web")", "must be an object"},
  };
  for (const auto& c : cases) {
    INFO(c.selector);
    auto sel = LabelSelector::from_object(json::parse(c.selector));
    REQUIRE_FALSE(sel.ok());
    CHECK(sel.error().code == xebec::ErrorCode::kInvalid);
    CHECK(sel.error().message.find(c.says) != std::string::npos);
  }
}
