// MemoryStore: the live map answers reads of the present; the history answers the past.
#include "controlplane/store/memory_store.h"

#include <algorithm>

namespace xebec::store {

KeyValue MemoryStore::record(Event::Type type, KeyValue kv) {
  kv.mod_revision = ++revision_;
  if (type == Event::Type::kDelete) live_.erase(kv.key);
  else live_[kv.key] = kv;
  history_.push_back(Event{type, kv});
  hub_.publish(history_.back());
  return kv;
}

Result<KeyValue> MemoryStore::expect(const std::string& key, Revision expected) const {
  auto it = live_.find(key);
  if (it == live_.end()) return err(key + " not found", ErrorCode::kNotFound);
  if (expected && it->second.mod_revision != expected)
    return err(key + " was changed at revision " + std::to_string(it->second.mod_revision), ErrorCode::kConflict);
  return it->second;
}

Result<KeyValue> MemoryStore::create(const std::string& key, const std::string& value) {
  std::lock_guard lock(mu_);
  if (live_.contains(key)) return err(key + " already exists", ErrorCode::kAlreadyExists);
  return record(Event::Type::kPut, KeyValue{key, value, revision_ + 1, 0});
}

Result<KeyValue> MemoryStore::update(const std::string& key, const std::string& value, Revision expected) {
  std::lock_guard lock(mu_);
  auto cur = expect(key, expected);
  if (!cur) return cur;
  cur->value = value;
  return record(Event::Type::kPut, *cur);
}

Result<KeyValue> MemoryStore::remove(const std::string& key, Revision expected) {
  std::lock_guard lock(mu_);
  auto cur = expect(key, expected);
  if (!cur) return cur;
  return record(Event::Type::kDelete, *cur);
}

Result<KeyValue> MemoryStore::get(const std::string& key) {
  std::lock_guard lock(mu_);
  return expect(key, 0);
}

Result<ListResult> MemoryStore::list(const std::string& prefix, const ListOptions& options) {
  std::lock_guard lock(mu_);
  ListResult out;
  out.revision = options.revision ? options.revision : revision_;
  if (out.revision < compacted_)
    return err("revision " + std::to_string(out.revision) + " was compacted", ErrorCode::kGone);
  if (out.revision > revision_)
    return err("revision " + std::to_string(out.revision) + " is in the future", ErrorCode::kInvalid);
  // The present, rewound: undo every write after the revision asked for, newest first.
  std::map<std::string, KeyValue> state = live_;
  for (auto it = history_.rbegin(); it != history_.rend() && it->revision() > out.revision; ++it) {
    state.erase(it->kv.key);
    auto older = std::find_if(it + 1, history_.rend(), [&](const Event& e) { return e.kv.key == it->kv.key; });
    if (older != history_.rend() && older->type == Event::Type::kPut) state[it->kv.key] = older->kv;
  }
  auto it = state.lower_bound(std::max(prefix, options.start_after));
  if (it != state.end() && it->first == options.start_after) ++it;
  for (; it != state.end() && it->first.starts_with(prefix); ++it) {
    if (options.limit > 0 && static_cast<std::int64_t>(out.items.size()) == options.limit) {
      out.more = true;
      break;
    }
    out.items.push_back(it->second);
  }
  return out;
}

Result<Revision> MemoryStore::current_revision() {
  std::lock_guard lock(mu_);
  return revision_;
}

Status MemoryStore::compact(Revision revision) {
  std::lock_guard lock(mu_);
  if (revision > revision_) return err("cannot compact beyond the current revision", ErrorCode::kInvalid);
  if (revision <= compacted_) return {};
  // Keep what the state at `revision` is made of: each key's newest write up to it, if a put.
  std::map<std::string, Revision> newest;
  for (const auto& e : history_)
    if (e.revision() <= revision) newest[e.kv.key] = e.revision();
  std::erase_if(history_, [&](const Event& e) {
    return e.revision() < revision && (e.type == Event::Type::kDelete || e.revision() < newest[e.kv.key]);
  });
  compacted_ = revision;
  return {};
}

Result<std::unique_ptr<Watch>> MemoryStore::watch(Revision after, WatchSink sink) {
  std::lock_guard lock(mu_);
  if (after + 1 < compacted_) return err("revision " + std::to_string(after) + " was compacted", ErrorCode::kGone);
  if (after > revision_) return err("revision " + std::to_string(after) + " is in the future", ErrorCode::kInvalid);
  std::vector<Event> history;
  for (const auto& e : history_)
    if (e.revision() > after) history.push_back(e);
  return hub_.add(std::move(history), std::move(sink));
}

}  // namespace xebec::store
