// Informer: a shared watch and cache of one resource type, as client-go's shared informer. It
// lists (in pages), then watches from the list's resourceVersion with bookmarks; when the watch
// ends it watches again from the last resourceVersion seen, and when that is compacted away
// (410 Gone) it lists again and hands the handlers the difference. The scheduler and the
// controllers read its cache and are told of each change through their handlers.
//
// Selectors: the list carries them, the watch does not: the informer applies them to the
// watch's events itself, so that an object a change moves out of the selection leaves the
// cache as a delete (a kubelet's spec.nodeName= or a scheduler's status.phase!= informer must
// see those leave). xebec's apiserver was written to do that on the watch too only later; the
// watch could now carry the selectors and spare the events it drops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <shared_mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "controlplane/api/selector.h"
#include "controlplane/client/api_client.h"

namespace xebec::client {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

// The cache key of an object: "namespace/name", or "name" for a cluster-scoped one.
std::string object_key(const nlohmann::json& object);

struct InformerOptions {
  std::string ns{};  // "": every namespace (and the only choice for a cluster-scoped type)
  std::string label_selector{};
  std::string field_selector{};
  std::int64_t page_size = 500;  // items per list request; 0: the whole list at once
  // Each watch asks the server to end it after a random time between this and twice this, so
  // that watches are renewed now and then, spread over time (client-go: 5 to 10 minutes). 0: never.
  std::chrono::seconds watch_timeout = std::chrono::minutes(5);
  // After a failed list or a dropped watch: wait this long, doubling up to max_backoff.
  std::chrono::milliseconds backoff = std::chrono::milliseconds(100);
  std::chrono::milliseconds max_backoff = std::chrono::seconds(30);
};

// What a handler is told. Any of the three may be empty. They are called on the informer's
// thread, one at a time, in the order of the changes (after a relist: the deletes, then the
// adds and updates by key), once the cache shows the change; they should be quick (a
// controller's only add a key to its WorkQueue), must not throw and must not destroy the
// informer.
struct EventHandlers {
  std::function<void(const nlohmann::json& object)> on_add;
  std::function<void(const nlohmann::json& old_object, const nlohmann::json& new_object)> on_update;
  // The object as last seen: after a relist, the state before it was deleted, unseen.
  std::function<void(const nlohmann::json& object)> on_delete;
};

// Owns its thread, which does the listing, watching and calling of handlers; destroying the
// informer stops the thread (at once, or when a list or watch request it waits on returns,
// within the client's request timeout). Thread-safe: any thread may read the cache and add
// handlers at any time. The client must outlive it.
class Informer {
 public:
  Informer(ApiClient& client, const api::ResourceType& type, InformerOptions options = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Registers handlers. Added after the informer started, they are first told of every object
  // in the cache as an add.
  void add_handlers(EventHandlers handlers);
  // Starts listing and watching. Once only.
  void start();
  // Stops the thread: no handler is called after it returns; the cache stays readable. What
  // owns handlers' targets calls it before they go (the destructor does too).
  void stop();

  // Whether the first list is in the cache and its adds were handed to the handlers.
  bool has_synced() const;
  // Waits until has_synced(), at most `timeout`; returns has_synced().
  bool wait_for_sync(std::chrono::milliseconds timeout) const;

  // The object with key "namespace/name" (or "name"), or nullptr.
  ObjectPtr get(const std::string& key) const;
  // Every object in the cache, by key.
  std::vector<ObjectPtr> list() const;
  // The resourceVersion the cache reflects.
  std::string resource_version() const;
  // Why the last list or watch failed, while the informer retries it; "" once one works. For a
  // component to say why it is not syncing.
  std::string last_error() const;

 private:
  // What the watch's sink hands the informer's thread.
  using WatchItem = std::variant<WatchEvent, Status>;

  void run();
  // Lists, and hands the handlers the difference from the cache.
  Status relist();
  // Watches from the cache's resourceVersion until the watch ends; returns why.
  Status watch_until_end();
  void apply(const WatchEvent& event);
  ObjectPtr put(const std::string& key, ObjectPtr object);  // returns the object it replaced
  ObjectPtr erase(const std::string& key);
  void set_resource_version(const std::string& version);
  void notify_add(const nlohmann::json& object);
  void notify_update(const nlohmann::json& old_object, const nlohmann::json& new_object);
  void notify_delete(const nlohmann::json& object);
  void adopt_new_handlers();
  // Waits `delay`, or less if the informer is stopped; false once stopped.
  bool pause(std::chrono::steady_clock::duration delay);
  bool stopping() const;

  ApiClient& client_;
  const api::ResourceType& type_;
  const InformerOptions options_;
  // options_'s selectors, applied to watch events. Ones that do not parse select everything
  // here: the server refuses them on the list, which then never succeeds (see last_error()).
  api::LabelSelector labels_;
  api::FieldSelector fields_;

  mutable std::shared_mutex cache_mu_;  // the cache: written by the thread, read by anyone
  std::map<std::string, ObjectPtr> cache_;
  std::string resource_version_;

  mutable std::mutex mu_;               // the rest below
  mutable std::condition_variable cv_;  // an item arrived, handlers were added, stop, or synced
  std::deque<WatchItem> items_;
  std::vector<EventHandlers> new_handlers_;  // added, not yet adopted by the thread
  bool synced_ = false;
  bool stop_ = false;
  bool started_ = false;
  std::string last_error_;

  std::vector<EventHandlers> handlers_;  // the thread's own, as is what follows
  int failures_ = 0;                     // in a row, for the back-off
  std::mt19937 random_;                  // picks each watch's timeout
  std::thread thread_;
};

}  // namespace xebec::client
