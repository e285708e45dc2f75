// WatchedObjects: one decode per event whoever asks, what a decode gives, and the bound on what
// is kept.
#include "controlplane/apiserver/watched_objects.h"

#include <catch2/catch.hpp>

namespace xebec::apiserver {
namespace {

using nlohmann::json;

store::KeyValue stored(const std::string& key, const json& object, store::Revision revision) {
  store::KeyValue kv;
  kv.key = key;
  kv.value = object.dump();
  kv.create_revision = kv.mod_revision = revision;
  return kv;
}

}  // namespace

TEST_CASE("an event's object is decoded once and shared by every watch that asks", "[apiserver]") {
  WatchedObjects watched;
  const auto kv = stored("/registry/pods/default/web", {{"kind", "Pod"}, {"metadata", {{"name", "web"}}}}, 7);
  auto first = watched.get(kv);
  auto second = watched.get(kv);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->get() == second->get());
  CHECK((*first)->object["metadata"]["resourceVersion"] == "7");
  CHECK(json::parse((*first)->text) == (*first)->object);
}

TEST_CASE("the same revision of another key is not taken for the cached one", "[apiserver]") {
  WatchedObjects watched;
  auto a = watched.get(stored("/registry/pods/default/a", {{"metadata", {{"name", "a"}}}}, 3));
  auto b = watched.get(stored("/registry/pods/default/b", {{"metadata", {{"name", "b"}}}}, 3));
  REQUIRE(a);
  REQUIRE(b);
  CHECK((*b)->object["metadata"]["name"] == "b");
}

TEST_CASE("a stored text that is not a JSON object is an error", "[apiserver]") {
  WatchedObjects watched;
  store::KeyValue kv;
  kv.key = "/registry/pods/default/bad";
  kv.value = "not json";
  kv.mod_revision = 1;
  CHECK_FALSE(watched.get(kv));
}

TEST_CASE("only the last objects asked for are kept", "[apiserver]") {
  WatchedObjects watched(2);
  const auto one = stored("/registry/pods/default/one", {{"metadata", {{"name", "one"}}}}, 1);
  auto kept = watched.get(one);
  for (store::Revision r = 2; r <= 3; ++r)
    (void)watched.get(stored("/registry/pods/default/x", {{"metadata", json::object()}}, r));
  auto again = watched.get(one);
  REQUIRE(kept);
  REQUIRE(again);
  CHECK(kept->get() != again->get());  // decoded anew
  CHECK((*again)->object == (*kept)->object);
}

TEST_CASE("an event line carries the object's text as it is", "[apiserver]") {
  CHECK(event_line("ADDED", R"({"a":1})") == "{\"object\":{\"a\":1},\"type\":\"ADDED\"}\n");
}

}  // namespace xebec::apiserver
