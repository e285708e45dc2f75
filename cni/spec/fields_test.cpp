// FieldReader: each type's reading, absent and null fields, and errors with the field's path.
#include "cni/spec/fields.h"

#include <catch2/catch.hpp>
#include <functional>

namespace xebec::cni {
namespace {

using nlohmann::json;

TEST_CASE("fields are read by type, and absent or null ones are absent", "[cni][fields]") {
  json doc = json::parse(R"({"s":"x","i":7,"b":true,"o":{},"a":[1],"l":["p","q"],"n":null})");
  FieldReader r(doc, "ipam");
  CHECK(r.string("s") == "x");
  CHECK(r.integer("i", 0, 10) == 7);
  CHECK(r.boolean("b") == true);
  CHECK(r.object("o") != nullptr);
  CHECK(r.array("a") != nullptr);
  CHECK(r.strings("l") == std::vector<std::string>{"p", "q"});
  CHECK_FALSE(r.string("missing"));
  CHECK_FALSE(r.string("n"));
  CHECK_FALSE(r.has("n"));
  CHECK(r.has("s"));
  CHECK_FALSE(r.error());
}

TEST_CASE("the first wrong field is the error, with its path", "[cni][fields]") {
  struct Row {
    const char* doc;
    std::function<void(FieldReader&)> read;
    const char* message;
  };
  std::vector<Row> rows = {
      {R"({"s":1})", [](FieldReader& r) { r.string("s"); }, "ipam.s: expected a string, got 1"},
      {R"({"i":"7"})", [](FieldReader& r) { r.integer("i", 0, 10); }, "ipam.i: expected an integer, got \"7\""},
      {R"({"i":1.5})", [](FieldReader& r) { r.integer("i", 0, 10); }, "ipam.i: expected an integer, got 1.5"},
      {R"({"i":11})", [](FieldReader& r) { r.integer("i", 0, 10); }, "ipam.i: 11 is out of range [0, 10]"},
      {R"({"b":"yes"})", [](FieldReader& r) { r.boolean("b"); }, "ipam.b: expected true or false"},
      {R"({"o":[]})", [](FieldReader& r) { r.object("o"); }, "ipam.o: expected an object, got []"},
      {R"({"a":{}})", [](FieldReader& r) { r.array("a"); }, "ipam.a: expected a list, got {}"},
      {R"({"l":["p",2]})", [](FieldReader& r) { r.strings("l"); }, "ipam.l[1]: expected a string, got 2"},
      {R"({"s":1,"i":"x"})",
       [](FieldReader& r) {
         r.string("s");
         r.integer("i", 0, 1);
       },
       "ipam.s:"},
  };
  for (const auto& row : rows) {
    INFO(row.doc);
    json doc = json::parse(row.doc);
    FieldReader r(doc, "ipam");
    row.read(r);
    REQUIRE(r.error());
    CHECK(r.error()->code == ErrorCode::kInvalid);
    CHECK_THAT(r.error()->message, Catch::StartsWith(row.message));
  }
  json not_object = json::array();
  FieldReader top(not_object, "");
  REQUIRE(top.error());
  CHECK(top.error()->message == "configuration: expected an object, got []");
  json long_value = std::string(100, 'x');
  CHECK(describe(long_value).size() < 70);
}

}  // namespace
}  // namespace xebec::cni
