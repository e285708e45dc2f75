// What the client tests share: a watch sink that records what it is told and lets a test wait
// for it (bounded), and the objects the tests create.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/api/resource.h"
#include "controlplane/apiserver/apiserver.h"
#include "controlplane/client/api_client.h"
#include "controlplane/server/temp_dir.h"

namespace xebec::client::testing {

inline const api::ResourceType& pods() { return *api::find_resource("", "v1", "pods"); }
inline const api::ResourceType& nodes() { return *api::find_resource("", "v1", "nodes"); }

inline nlohmann::json pod(const std::string& name, const std::string& app = "web") {
  return {{"metadata", {{"name", name}, {"labels", {{"app", app}}}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
}

inline std::string version_of(const nlohmann::json& object) {
  return object["metadata"]["resourceVersion"].get<std::string>();
}

// A WatchSink's record: events as "TYPE name", and how the watch ended. Thread-safe.
class WatchLog {
 public:
  WatchSink sink() {
    return {[this](WatchEvent e) {
              static const char* kTypes[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK"};
              std::lock_guard lock(mu_);
              events_.push_back(std::string(kTypes[static_cast<int>(e.type)]) + " " +
                                e.object["metadata"].value("name", ""));
              cv_.notify_all();
            },
            [this](Status end) {
              std::lock_guard lock(mu_);
              ends_.push_back(std::move(end));
              cv_.notify_all();
            }};
  }
  // The first n events other than bookmarks, waiting up to 10 s for them.
  std::vector<std::string> events(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return without_bookmarks().size() >= n; });
    std::vector<std::string> out = without_bookmarks();
    if (out.size() > n) out.resize(n);
    return out;
  }
  // How the watch ended, waiting up to `limit` for it; nullopt if it has not.
  std::optional<Status> end(std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, limit, [&] { return !ends_.empty(); })) return std::nullopt;
    return ends_.front();
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return events_.size() + ends_.size();
  }

 private:
  std::vector<std::string> without_bookmarks() const {
    std::vector<std::string> out;
    for (const auto& e : events_)
      if (!e.starts_with("BOOKMARK")) out.push_back(e);
    return out;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
  std::vector<Status> ends_;
};

// A real apiserver (SQLite store) on 127.0.0.1 with a temporary data directory, for the HTTPS
// tests; stopped and removed when it goes.
class TestApiserver {
 public:
  TestApiserver() { start("127.0.0.1:0"); }
  // Stops the server and starts a new one on the same port and data directory.
  void restart() {
    const std::uint16_t port = server_->port();
    server_.reset();
    start("127.0.0.1:" + std::to_string(port));
  }
  void stop() { server_.reset(); }
  std::string kubeconfig() const { return dir_.path() + "/admin.kubeconfig"; }

 private:
  void start(const std::string& listen) {
    apiserver::ApiserverOptions options;
    options.data_dir = dir_.path();
    options.listen = listen;
    options.store = "sqlite";
    auto started = apiserver::Apiserver::start(options);
    INFO((started ? "" : started.error().message));
    REQUIRE(started.ok());
    server_ = std::move(*started);
  }
  server::testing::TempDir dir_;
  std::unique_ptr<apiserver::Apiserver> server_;
};

}  // namespace xebec::client::testing
