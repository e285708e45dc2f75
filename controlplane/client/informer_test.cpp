// Informer over the in-process apiserver: the first sync, changes in order, a dropped watch
// resumed from where it was, a relist after 410 that hands over the difference (deletes
// included), handlers added late; and once end to end over HTTPS with a restarting apiserver.
#include "controlplane/client/informer.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "controlplane/client/https_api_client.h"
#include "controlplane/client/in_process_api_client.h"
#include "controlplane/client/test_support.h"

namespace xebec::client {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::pod;
using testing::pods;

// What the handlers were told, as "add default/a", "update default/a", "delete default/b";
// and whether the cache already showed each change when its handler ran.
class HandlerLog {
 public:
  explicit HandlerLog(const Informer& informer) : informer_(informer) {}

  EventHandlers handlers() {
    return {[this](const json& o) { record("add", o, true); },
            [this](const json& old_object, const json& o) {
              if (old_object["metadata"]["resourceVersion"] == o["metadata"]["resourceVersion"]) ++unchanged_updates_;
              record("update", o, true);
            },
            [this](const json& o) { record("delete", o, false); }};
  }
  // The first n records, waiting up to 10 s for them.
  std::vector<std::string> first(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return records_.size() >= n; });
    return {records_.begin(), records_.begin() + static_cast<std::ptrdiff_t>(std::min(n, records_.size()))};
  }
  // The records after the first `skip`, once there are n of them (waiting up to 10 s).
  std::vector<std::string> after(std::size_t skip, std::size_t n) {
    std::vector<std::string> all = first(skip + n);
    return {all.begin() + static_cast<std::ptrdiff_t>(std::min(skip, all.size())), all.end()};
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return records_.size();
  }
  int cache_lagged() const { return cache_lagged_; }
  int unchanged_updates() const { return unchanged_updates_; }

 private:
  void record(const char* what, const json& o, bool present) {
    const std::string key = object_key(o);
    const ObjectPtr cached = informer_.get(key);
    const bool shows = present ? cached && (*cached)["metadata"]["resourceVersion"] == o["metadata"]["resourceVersion"]
                               : cached == nullptr;
    if (!shows) ++cache_lagged_;
    std::lock_guard lock(mu_);
    records_.push_back(std::string(what) + " " + key);
    cv_.notify_all();
  }

  const Informer& informer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> records_;
  std::atomic<int> cache_lagged_{0};
  std::atomic<int> unchanged_updates_{0};
};

// The in-process client, with a switch that drops every open watch (ended with kUnavailable)
// and refuses new ones until it is switched back, as an apiserver out of reach would; and a
// count of the lists made through it.
class FlakyClient final : public ApiClient {
 public:
  explicit FlakyClient(ApiClient& inner) : inner_(inner) {}

  void disconnect() {
    std::vector<std::shared_ptr<Link>> links;
    {
      std::lock_guard lock(mu_);
      down_ = true;
      for (auto& weak : links_)
        if (auto link = weak.lock()) links.push_back(std::move(link));
      links_.clear();
    }
    for (auto& link : links) link->cut();
  }
  void reconnect() {
    std::lock_guard lock(mu_);
    down_ = false;
  }
  int lists() const { return lists_; }

  Result<json> get(const api::ResourceType& t, const std::string& ns, const std::string& name) override {
    return inner_.get(t, ns, name);
  }
  Result<json> list(const api::ResourceType& t, const std::string& ns, const ListOptions& o) override {
    if (Status up = check("list"); !up) return up.error();
    ++lists_;
    return inner_.list(t, ns, o);
  }
  Result<json> create(const api::ResourceType& t, const std::string& ns, const json& o) override {
    return inner_.create(t, ns, o);
  }
  Result<json> update(const api::ResourceType& t, const std::string& ns, const json& o,
                      const std::string& sub) override {
    return inner_.update(t, ns, o, sub);
  }
  Result<json> patch(const api::ResourceType& t, const std::string& ns, const std::string& name, PatchType p,
                     const json& body, const std::string& sub) override {
    return inner_.patch(t, ns, name, p, body, sub);
  }
  Result<json> remove(const api::ResourceType& t, const std::string& ns, const std::string& name,
                      const DeleteOptions& o) override {
    return inner_.remove(t, ns, name, o);
  }
  Status bind(const std::string& ns, const std::string& pod, const std::string& node) override {
    return inner_.bind(ns, pod, node);
  }
  Result<std::unique_ptr<WatchHandle>> watch(const api::ResourceType& t, const std::string& ns, const WatchOptions& o,
                                             WatchSink sink) override {
    // Under the lock throughout, so that a disconnect() cuts every watch it did not refuse.
    std::lock_guard lock(mu_);
    if (down_) return err("watch: connection refused (test)", ErrorCode::kUnavailable);
    auto link = std::make_shared<Link>(std::move(sink));
    auto inner = inner_.watch(
        t, ns, o,
        {[link](WatchEvent e) { link->event(std::move(e)); }, [link](Status end) { link->end(std::move(end)); }});
    if (!inner) return inner.error();
    links_.push_back(link);
    return std::unique_ptr<WatchHandle>(std::make_unique<Handle>(std::move(*inner)));
  }

 private:
  // Passes a watch's calls on until it is cut, which ends it there.
  class Link {
   public:
    explicit Link(WatchSink sink) : sink_(std::move(sink)) {}
    void event(WatchEvent e) {
      std::lock_guard lock(mu_);
      if (!cut_) sink_.on_event(std::move(e));
    }
    void end(Status s) {
      std::lock_guard lock(mu_);
      if (!cut_) sink_.on_end(std::move(s));
      cut_ = true;
    }
    void cut() { end(err("the connection dropped (test)", ErrorCode::kUnavailable)); }

   private:
    std::mutex mu_;  // one call at a time, as the WatchSink contract says
    WatchSink sink_;
    bool cut_ = false;
  };
  struct Handle final : WatchHandle {
    explicit Handle(std::unique_ptr<WatchHandle> h) : inner(std::move(h)) {}
    std::unique_ptr<WatchHandle> inner;
  };

  Status check(const std::string& what) {
    std::lock_guard lock(mu_);
    if (down_) return err(what + ": connection refused (test)", ErrorCode::kUnavailable);
    return {};
  }

  ApiClient& inner_;
  std::mutex mu_;
  bool down_ = false;
  std::vector<std::weak_ptr<Link>> links_;
  std::atomic<int> lists_{0};
};

// Short back-off, so that the tests need not wait.
InformerOptions quick(InformerOptions options = {}) {
  options.backoff = 10ms;
  options.max_backoff = 100ms;
  return options;
}

}  // namespace

TEST_CASE("informer: the first list fills the cache and reaches the handlers as adds", "[informer]") {
  InProcessApiClient client;
  for (const char* name : {"b", "a", "c"}) REQUIRE(client.create(pods(), "default", pod(name)).ok());
  REQUIRE(client.create(pods(), "kube-system", pod("other")).ok());
  Informer informer(client, pods(), quick({.ns = "default", .page_size = 2}));
  HandlerLog log(informer);
  informer.add_handlers(log.handlers());
  CHECK_FALSE(informer.has_synced());
  informer.start();
  REQUIRE(informer.wait_for_sync(10s));
  CHECK(log.first(3) == std::vector<std::string>{"add default/a", "add default/b", "add default/c"});
  CHECK(informer.list().size() == 3);
  REQUIRE(informer.get("default/a"));
  CHECK((*informer.get("default/a"))["kind"] == "Pod");
  CHECK(informer.get("kube-system/other") == nullptr);
  CHECK_FALSE(informer.resource_version().empty());
  CHECK(log.cache_lagged() == 0);
}

TEST_CASE("informer: changes reach the handlers in order, after the cache shows them", "[informer]") {
  InProcessApiClient client;
  REQUIRE(client.create(pods(), "default", pod("a")).ok());
  Informer informer(client, pods(), quick());
  HandlerLog log(informer);
  informer.add_handlers(log.handlers());
  informer.start();
  REQUIRE(informer.wait_for_sync(10s));
  REQUIRE(client.create(pods(), "default", pod("b")).ok());
  REQUIRE(client.patch(pods(), "default", "a", PatchType::kMerge, {{"metadata", {{"labels", {{"x", "1"}}}}}}).ok());
  REQUIRE(client.remove(pods(), "default", "b").ok());
  REQUIRE(client.create(pods(), "kube-system", pod("c")).ok());
  CHECK(log.first(5) == std::vector<std::string>{"add default/a", "add default/b", "update default/a",
                                                 "delete default/b", "add kube-system/c"});
  CHECK(informer.get("default/b") == nullptr);
  CHECK((*informer.get("default/a"))["metadata"]["labels"]["x"] == "1");
  CHECK(log.cache_lagged() == 0);
}

TEST_CASE("informer: a dropped watch resumes from the last resourceVersion, without a relist", "[informer]") {
  InProcessApiClient server;
  FlakyClient client(server);
  REQUIRE(server.create(pods(), "default", pod("a")).ok());
  Informer informer(client, pods(), quick({.ns = "default"}));
  HandlerLog log(informer);
  informer.add_handlers(log.handlers());
  informer.start();
  REQUIRE(informer.wait_for_sync(10s));
  REQUIRE(log.first(1) == std::vector<std::string>{"add default/a"});

  client.disconnect();
  REQUIRE(server.create(pods(), "default", pod("b")).ok());
  REQUIRE(server.remove(pods(), "default", "a").ok());
  std::this_thread::sleep_for(50ms);  // the informer retries against a server it cannot reach
  client.reconnect();
  CHECK(log.after(1, 2) == std::vector<std::string>{"add default/b", "delete default/a"});
  CHECK(client.lists() == 1);
  CHECK(informer.list().size() == 1);
}

TEST_CASE("informer: after a 410 it lists again and hands over the difference", "[informer]") {
  InProcessApiClient server;
  FlakyClient client(server);
  for (const char* name : {"keep", "change", "drop"}) REQUIRE(server.create(pods(), "default", pod(name)).ok());
  Informer informer(client, pods(), quick({.ns = "default"}));
  HandlerLog log(informer);
  informer.add_handlers(log.handlers());
  informer.start();
  REQUIRE(informer.wait_for_sync(10s));
  REQUIRE(log.first(3).size() == 3);

  client.disconnect();
  REQUIRE(server.remove(pods(), "default", "drop").ok());
  REQUIRE(
      server.patch(pods(), "default", "change", PatchType::kMerge, {{"metadata", {{"labels", {{"v", "2"}}}}}}).ok());
  auto added = server.create(pods(), "default", pod("new"));
  REQUIRE(added.ok());
  // Everything the informer has not seen is compacted away: its resourceVersion is now too old.
  REQUIRE(server.store().compact(std::stoll(testing::version_of(*added))).ok());
  client.reconnect();

  CHECK(log.after(3, 3) == std::vector<std::string>{"delete default/drop", "update default/change", "add default/new"});
  CHECK(client.lists() == 2);
  CHECK(log.unchanged_updates() == 0);  // "keep" did not change: no news of it
  CHECK(informer.get("default/drop") == nullptr);
  CHECK((*informer.get("default/change"))["metadata"]["labels"]["v"] == "2");
  CHECK(informer.resource_version() == testing::version_of(*added));

  // And it watches again from the new list.
  REQUIRE(server.create(pods(), "default", pod("later")).ok());
  CHECK(log.after(6, 1) == std::vector<std::string>{"add default/later"});
  CHECK(log.cache_lagged() == 0);
}

TEST_CASE("informer: a selector's informer sees objects leave the selection as deletes", "[informer]") {
  InProcessApiClient client;
  REQUIRE(client.create(pods(), "default", pod("a", "web")).ok());
  Informer informer(client, pods(), quick({.label_selector = "app=web"}));
  HandlerLog log(informer);
  informer.add_handlers(log.handlers());
  informer.start();
  REQUIRE(informer.wait_for_sync(10s));
  REQUIRE(client.create(pods(), "default", pod("b", "db")).ok());
  REQUIRE(client.patch(pods(), "default", "a", PatchType::kMerge, {{"metadata", {{"labels", {{"app", "db"}}}}}}).ok());
  REQUIRE(client.patch(pods(), "default", "b", PatchType::kMerge, {{"metadata", {{"labels", {{"app", "web"}}}}}}).ok());
  CHECK(log.first(3) == std::vector<std::string>{"add default/a", "delete default/a", "add default/b"});
}

TEST_CASE("informer: handlers added late are first told of the cache", "[informer]") {
  InProcessApiClient client;
  REQUIRE(client.create(pods(), "default", pod("a")).ok());
  Informer informer(client, pods(), quick());
  HandlerLog early(informer), late(informer);
  informer.add_handlers(early.handlers());
  informer.start();
  REQUIRE(informer.wait_for_sync(10s));
  informer.add_handlers(late.handlers());
  CHECK(late.first(1) == std::vector<std::string>{"add default/a"});
  REQUIRE(client.create(pods(), "default", pod("b")).ok());
  CHECK(late.first(2) == std::vector<std::string>{"add default/a", "add default/b"});
  CHECK(early.first(2) == std::vector<std::string>{"add default/a", "add default/b"});
}

TEST_CASE("informer: it stops at once when destroyed, also while it cannot reach the server", "[informer]") {
  InProcessApiClient server;
  FlakyClient client(server);
  client.disconnect();
  auto informer = std::make_unique<Informer>(client, pods(), InformerOptions{.backoff = 10s, .max_backoff = 10s});
  informer->start();
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(informer->has_synced());
  CHECK_THAT(informer->last_error(), Catch::Contains("connection refused (test)"));
  const auto start = std::chrono::steady_clock::now();
  informer.reset();
  CHECK(std::chrono::steady_clock::now() - start < 5s);  // not the 10 s back-off
}

TEST_CASE("informer: over HTTPS, end to end, through an apiserver restart", "[informer][https]") {
  testing::TestApiserver server;
  auto client = HttpsApiClient::from_kubeconfig(server.kubeconfig());
  REQUIRE(client.ok());
  ApiClient& api = **client;
  REQUIRE(api.create(pods(), "default", pod("a")).ok());
  Informer informer(api, pods(), quick({.ns = "default"}));
  HandlerLog log(informer);
  informer.add_handlers(log.handlers());
  informer.start();
  REQUIRE(informer.wait_for_sync(10s));
  REQUIRE(api.create(pods(), "default", pod("b")).ok());
  REQUIRE(api.remove(pods(), "default", "a").ok());
  CHECK(log.first(3) == std::vector<std::string>{"add default/a", "add default/b", "delete default/a"});

  server.restart();  // the watch drops; the informer comes back on its own
  REQUIRE(api.create(pods(), "default", pod("c")).ok());
  CHECK(log.after(3, 1) == std::vector<std::string>{"add default/c"});
  CHECK(informer.list().size() == 2);
  CHECK(log.cache_lagged() == 0);
}

}  // namespace xebec::client
