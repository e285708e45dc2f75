// Informer (see informer.h): one thread runs list, watch, relist; the watch's sink only queues
// what it gets for that thread, so handlers run on it, in order, and never on a watch's thread.
#include "controlplane/client/informer.h"

#include "controlplane/client/backoff.h"
#include "controlplane/client/json_field.h"

namespace xebec::client {

using nlohmann::json;

namespace {

// An object's metadata.labels, or null.
json labels_of(const json& object) {
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return nullptr;
  const auto labels = meta->find("labels");
  return labels == meta->end() ? json() : *labels;
}

}  // namespace

std::string object_key(const json& object) {
  const std::string ns = string_field(object, {"metadata", "namespace"});
  const std::string name = string_field(object, {"metadata", "name"});
  return ns.empty() ? name : ns + "/" + name;
}

Informer::Informer(ApiClient& client, const api::ResourceType& type, InformerOptions options)
    : client_(client), type_(type), options_(std::move(options)), random_(std::random_device{}()) {
  if (auto labels = api::LabelSelector::parse(options_.label_selector)) labels_ = std::move(*labels);
  if (auto fields = api::FieldSelector::parse(options_.field_selector)) fields_ = std::move(*fields);
}

Informer::~Informer() { stop(); }

void Informer::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Informer::add_handlers(EventHandlers handlers) {
  std::lock_guard lock(mu_);
  new_handlers_.push_back(std::move(handlers));
  cv_.notify_all();
}

void Informer::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] { run(); });
}

bool Informer::has_synced() const {
  std::lock_guard lock(mu_);
  return synced_;
}

bool Informer::wait_for_sync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return synced_; });
}

ObjectPtr Informer::get(const std::string& key) const {
  std::shared_lock lock(cache_mu_);
  const auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Informer::list() const {
  std::shared_lock lock(cache_mu_);
  std::vector<ObjectPtr> out;
  out.reserve(cache_.size());
  for (const auto& [key, object] : cache_) out.push_back(object);
  return out;
}

std::string Informer::resource_version() const {
  std::shared_lock lock(cache_mu_);
  return resource_version_;
}

std::string Informer::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

bool Informer::stopping() const {
  std::lock_guard lock(mu_);
  return stop_;
}

bool Informer::pause(std::chrono::steady_clock::duration delay) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, delay, [&] { return stop_; });
}

void Informer::run() {
  bool listed = false;
  while (!stopping()) {
    adopt_new_handlers();
    const Status result = listed ? watch_until_end() : relist();
    {
      std::lock_guard lock(mu_);
      last_error_ = result ? "" : result.error().message;
    }
    if (result) {
      listed = true;
      failures_ = 0;
      continue;  // a list is followed by a watch, a watch the server ended by the next
    }
    if (listed && result.error().code == ErrorCode::kGone) {
      listed = false;  // the resourceVersion is compacted away: list again, at once
      continue;
    }
    if (!pause(exponential_delay(options_.backoff, options_.max_backoff, failures_++))) return;
  }
}

Status Informer::relist() {
  ListOptions page_options{options_.label_selector, options_.field_selector, options_.page_size, "", ""};
  std::vector<json> items;
  std::string version;
  while (!stopping()) {
    auto page = client_.list(type_, options_.ns, page_options);
    if (!page && page.error().code == ErrorCode::kGone && !page_options.continue_token.empty()) {
      // The pages' resourceVersion was compacted away between pages: the whole list at once.
      page_options.limit = 0;
      page_options.continue_token.clear();
      items.clear();
      version.clear();
      continue;
    }
    if (!page) return page.error();
    if (version.empty()) version = string_field(*page, {"metadata", "resourceVersion"});
    if (auto it = page->find("items"); it != page->end() && it->is_array())
      for (json& item : *it) items.push_back(std::move(item));
    page_options.continue_token = string_field(*page, {"metadata", "continue"});
    if (page_options.continue_token.empty()) break;
  }
  if (stopping()) return {};

  std::map<std::string, ObjectPtr> fresh;
  for (json& item : items) {
    // List items may come without kind and apiVersion; cached objects all have them, as watch events do.
    if (!item.contains("kind")) item["kind"] = type_.kind;
    if (!item.contains("apiVersion")) item["apiVersion"] = type_.api_version();
    std::string key = object_key(item);
    fresh.emplace(std::move(key), std::make_shared<const json>(std::move(item)));
  }
  // The new state replaces the cache at once, so that readers see the state at one
  // resourceVersion; then the handlers hear of the difference: deletes first (what went while
  // unseen), then adds and updates in key order. Unchanged objects (same resourceVersion) are
  // no news.
  std::vector<ObjectPtr> deleted;
  std::vector<std::pair<ObjectPtr, ObjectPtr>> changed;  // {old or nullptr, new}
  {
    std::unique_lock lock(cache_mu_);
    for (const auto& [key, old] : cache_)
      if (!fresh.contains(key)) deleted.push_back(old);
    for (auto& [key, object] : fresh) {
      const auto it = cache_.find(key);
      if (it == cache_.end()) {
        changed.emplace_back(nullptr, object);
      } else if (string_field(*it->second, {"metadata", "resourceVersion"}) !=
                 string_field(*object, {"metadata", "resourceVersion"})) {
        changed.emplace_back(it->second, object);
      }
    }
    cache_ = std::move(fresh);
    resource_version_ = version;
  }
  for (const ObjectPtr& object : deleted) notify_delete(*object);
  for (const auto& [old, object] : changed) {
    if (old) {
      notify_update(*old, *object);
    } else {
      notify_add(*object);
    }
  }
  std::lock_guard lock(mu_);
  synced_ = true;
  cv_.notify_all();
  return {};
}

Status Informer::watch_until_end() {
  {
    std::lock_guard lock(mu_);
    items_.clear();
  }
  auto push = [this](WatchItem item) {
    std::lock_guard lock(mu_);
    items_.push_back(std::move(item));
    cv_.notify_all();
  };
  const auto min_timeout = options_.watch_timeout.count();
  WatchOptions watch_options{resource_version(), "", "", true,  // selectors: see informer.h
                             std::uniform_int_distribution<std::int64_t>(min_timeout, 2 * min_timeout)(random_)};
  auto handle = client_.watch(
      type_, options_.ns, watch_options,
      {[push](WatchEvent event) { push(std::move(event)); }, [push](Status end) { push(std::move(end)); }});
  if (!handle) return handle.error();
  while (true) {
    WatchItem item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !items_.empty() || !new_handlers_.empty(); });
      if (stop_) return {};
      if (items_.empty()) {
        lock.unlock();
        adopt_new_handlers();
        continue;
      }
      item = std::move(items_.front());
      items_.pop_front();
    }
    if (auto* end = std::get_if<Status>(&item)) return *end;
    failures_ = 0;  // the watch works: a later drop starts the back-off afresh
    apply(std::get<WatchEvent>(item));
  }
}

void Informer::apply(const WatchEvent& event) {
  const std::string version = string_field(event.object, {"metadata", "resourceVersion"});
  if (event.type != WatchEvent::Type::kBookmark) {
    const std::string key = object_key(event.object);
    auto object = std::make_shared<const json>(event.object);
    const bool selected = labels_.matches(labels_of(event.object)) && fields_.matches(event.object);
    if (event.type == WatchEvent::Type::kDeleted || !selected) {
      if (erase(key)) notify_delete(*object);  // one never seen, or never selected, is no news
    } else if (const ObjectPtr old = put(key, object)) {
      notify_update(*old, *object);
    } else {
      notify_add(*object);
    }
  }
  if (!version.empty()) set_resource_version(version);
}

ObjectPtr Informer::put(const std::string& key, ObjectPtr object) {
  std::unique_lock lock(cache_mu_);
  ObjectPtr& slot = cache_[key];
  std::swap(slot, object);
  return object;
}

ObjectPtr Informer::erase(const std::string& key) {
  std::unique_lock lock(cache_mu_);
  const auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  ObjectPtr old = std::move(it->second);
  cache_.erase(it);
  return old;
}

void Informer::set_resource_version(const std::string& version) {
  std::unique_lock lock(cache_mu_);
  resource_version_ = version;
}

void Informer::notify_add(const json& object) {
  for (const auto& h : handlers_)
    if (h.on_add) h.on_add(object);
}

void Informer::notify_update(const json& old_object, const json& new_object) {
  for (const auto& h : handlers_)
    if (h.on_update) h.on_update(old_object, new_object);
}

void Informer::notify_delete(const json& object) {
  for (const auto& h : handlers_)
    if (h.on_delete) h.on_delete(object);
}

void Informer::adopt_new_handlers() {
  std::vector<EventHandlers> added;
  {
    std::lock_guard lock(mu_);
    added.swap(new_handlers_);
  }
  if (added.empty()) return;
  const std::vector<ObjectPtr> objects = list();
  for (auto& h : added) {
    if (h.on_add)
      for (const ObjectPtr& object : objects) h.on_add(*object);
    handlers_.push_back(std::move(h));
  }
}

}  // namespace xebec::client
