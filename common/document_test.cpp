#include "common/document.h"

#include <catch2/catch.hpp>

namespace xebec {

using nlohmann::json;

TEST_CASE("JSON and YAML documents read into the same JSON", "[common]") {
  struct Case {
    const char* name;
    std::string text;
    json want;
  };
  const std::vector<Case> cases = {
      {"a JSON object", R"({"a": 1, "b": [true, null]})", {{"a", 1}, {"b", {true, nullptr}}}},
      {"a JSON array", " [1, \"x\"]", {1, "x"}},
      {"YAML maps and lists", "a: 1\nb:\n- true\n- ~\n", {{"a", 1}, {"b", {true, nullptr}}}},
      {"YAML quoted scalars stay strings", "port: \"80\"\nflag: 'true'\n", {{"port", "80"}, {"flag", "true"}}},
      {"YAML plain scalars that are not numbers stay strings", "cpu: 0.5\nimage: nginx:1.25\n",
       {{"cpu", "0.5"}, {"image", "nginx:1.25"}}},
      {"a Kubernetes manifest",
       "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels: {env: prod}\n",
       {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "team-a"}, {"labels", {{"env", "prod"}}}}}}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto doc = parse_document(c.text);
    REQUIRE(doc.ok());
    CHECK(*doc == c.want);
  }
}

TEST_CASE("a document that is neither JSON nor YAML is a bad request that says which it tried", "[common]") {
  struct Case {
    std::string text, says;
  };
  for (const auto& c : std::vector<Case>{{"{\"a\": 1", "invalid JSON"}, {"a: [1, 2", "invalid YAML"},
                                         {"a: b: c", "invalid YAML"}}) {
    auto doc = parse_document(c.text);
    REQUIRE_FALSE(doc.ok());
    CHECK(doc.error().code == ErrorCode::kBadRequest);
    CHECK(doc.error().message.starts_with(c.says));
  }
}

}  // namespace xebec
