// ApiHandler: the apiserver's REST surface on top of ObjectStorage. Routes discovery and
// resource requests (get, list, watch, create, update, patch, delete, and the status, scale,
// binding and namespace finalize subresources), turns errors into Status bodies, and lists as
// Tables when kubectl asks for them.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/api/object_storage.h"
#include "controlplane/api/request_path.h"
#include "controlplane/apiserver/watched_objects.h"
#include "controlplane/server/handler.h"
#include "controlplane/store/store.h"

namespace xebec::apiserver {

struct ApiHandlerOptions {
  // How often a watch that allows them (?allowWatchBookmarks=true) gets a BOOKMARK event with
  // the resourceVersion it has reached, so that it can resume from there.
  std::chrono::milliseconds bookmark_interval = std::chrono::minutes(1);
};

// Thread-safe; keeps only the watches it serves. Watches hold no thread: their events reach the
// client through the store's watch delivery and the request's Stream; one thread of the
// handler's ends those timed out or left by their client, and sends their bookmarks.
class ApiHandler {
 public:
  explicit ApiHandler(store::Store& store, ApiHandlerOptions options = {});
  // Ends the watches still open; the store must outlive the handler.
  ~ApiHandler();
  ApiHandler(const ApiHandler&) = delete;
  ApiHandler& operator=(const ApiHandler&) = delete;

  void operator()(server::Request& request, server::Reply& reply);

 private:
  server::Response handle(const server::Request& request);
  server::Response handle_resource(const server::Request& request, const api::ResourcePath& path);
  void watch(const server::Request& request, const api::ResourcePath& path, server::Reply& reply);
  void tend_watches();
  void tend_loop(std::stop_token stop);

  struct WatchState;

  store::Store& store_;
  api::ObjectStorage objects_;
  const ApiHandlerOptions options_;
  // The objects of recent events, decoded and encoded once for all the watches; shared with their
  // sinks, which the store may still be running while the handler goes.
  const std::shared_ptr<WatchedObjects> watched_ = std::make_shared<WatchedObjects>();
  std::mutex watches_mu_;
  std::vector<std::weak_ptr<WatchState>> watches_;  // the watches served, to tend and to end them
  std::jthread tender_;                             // last: starts after what it uses
};

}  // namespace xebec::apiserver
