// EtcdStore: the Store's operations as etcd requests. Conditional writes are txns that compare
// the key's create_revision (exists or not) or mod_revision, and read the key when the compare
// fails, to tell kNotFound from kConflict in the same revision.
#include "controlplane/store/etcd_store.h"

#include "controlplane/store/etcd_client.h"
#include "controlplane/store/etcd_codec.h"
#include "controlplane/store/etcd_watch.h"

namespace xebec::store {

using nlohmann::json;

namespace {

// A txn compare: `target` ("CREATE" or "MOD") of the key against `revision`.
json compare(const std::string& key64, const std::string& target, const char* result, Revision revision) {
  const std::string field = target == "CREATE" ? "create_revision" : "mod_revision";
  return {{"key", key64}, {"target", target}, {"result", result}, {field, std::to_string(revision)}};
}

// The compare for update and remove: the key exists (expected 0) or was last written at `expected`.
json exists_at(const std::string& key64, Revision expected) {
  return expected == 0 ? compare(key64, "CREATE", "GREATER", 0) : compare(key64, "MOD", "EQUAL", expected);
}

json put(const std::string& key64, const std::string& value) {
  return {{"request_put", {{"key", key64}, {"value", base64_encode(value)}, {"prev_kv", true}}}};
}

json remove_key(const std::string& key64) {
  return {{"request_delete_range", {{"key", key64}, {"prev_kv", true}}}};
}

// A txn on one key: `success` when `condition` holds, else a range of the key.
Result<json> txn(etcd::EtcdClient& client, const std::string& key64, const json& condition, const json& success) {
  return client.call("/v3/kv/txn", {{"compare", json::array({condition})},
                                    {"success", json::array({success})},
                                    {"failure", json::array({{{"request_range", {{"key", key64}}}}})}});
}

// The first response of a txn answer, which holds `kind` ("response_put", ...).
Result<json> first_response(const json& answer, const std::string& kind) {
  const auto responses = answer.find("responses");
  if (responses == answer.end() || !responses->is_array() || responses->empty() || !(*responses)[0].is_object() ||
      !(*responses)[0].contains(kind))
    return err("etcd's txn answer has no " + kind + ": " + answer.dump());
  return (*responses)[0][kind];
}

// The key-values in `field` of a range or delete answer ("kvs", "prev_kvs").
Result<std::vector<KeyValue>> decode_kvs(const json& answer, const char* field, const std::string& key_prefix) {
  auto kvs = etcd::array_field(answer, field);
  if (!kvs) return kvs.error();
  std::vector<KeyValue> out;
  for (const json& kv : *kvs) {
    auto item = etcd::decode_kv(kv, key_prefix);
    if (!item) return item.error();
    out.push_back(std::move(*item));
  }
  return out;
}

// Why a txn on `key` with `expected` failed, from the range it ran instead: kNotFound or kConflict.
Error txn_failure(const std::string& key, Revision expected, const json& answer, const std::string& key_prefix) {
  auto range = first_response(answer, "response_range");
  if (!range) return range.error();
  auto current = decode_kvs(*range, "kvs", key_prefix);
  if (!current) return current.error();
  if (current->empty()) return err("\"" + key + "\" does not exist", ErrorCode::kNotFound);
  return err("\"" + key + "\" changed: it is at revision " + std::to_string(current->front().mod_revision) +
                 ", not " + std::to_string(expected) + "; read it again",
             ErrorCode::kConflict);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

EtcdStore::EtcdStore(std::unique_ptr<etcd::EtcdClient> client, std::string key_prefix)
    : client_(std::move(client)), key_prefix_(std::move(key_prefix)) {}

EtcdStore::~EtcdStore() = default;

Result<std::unique_ptr<EtcdStore>> EtcdStore::connect(std::vector<std::string> endpoints, std::string key_prefix) {
  auto client = etcd::EtcdClient::create(endpoints);
  if (!client) return client.error();
  std::unique_ptr<EtcdStore> store(new EtcdStore(std::move(*client), std::move(key_prefix)));
  if (auto revision = store->current_revision(); !revision)
    return err("etcd does not answer at " + joined(endpoints) + ": " + revision.error().message, revision.error().code);
  return store;
}

Result<KeyValue> EtcdStore::create(const std::string& key, const std::string& value) {
  const std::string key64 = base64_encode(key_prefix_ + key);
  auto answer = txn(*client_, key64, compare(key64, "CREATE", "EQUAL", 0), put(key64, value));
  if (!answer) return answer.error();
  if (!etcd::bool_field(*answer, "succeeded")) return err("\"" + key + "\" already exists", ErrorCode::kAlreadyExists);
  auto revision = etcd::header_revision(*answer);
  if (!revision) return revision.error();
  return KeyValue{key, value, *revision, *revision};
}

Result<KeyValue> EtcdStore::update(const std::string& key, const std::string& value, Revision expected) {
  const std::string key64 = base64_encode(key_prefix_ + key);
  auto answer = txn(*client_, key64, exists_at(key64, expected), put(key64, value));
  if (!answer) return answer.error();
  if (!etcd::bool_field(*answer, "succeeded")) return txn_failure(key, expected, *answer, key_prefix_);
  auto put_answer = first_response(*answer, "response_put");
  if (!put_answer) return put_answer.error();
  auto previous = etcd::decode_kv(put_answer->value("prev_kv", json::object()), key_prefix_);
  auto revision = etcd::header_revision(*answer);
  if (!previous) return previous.error();
  if (!revision) return revision.error();
  return KeyValue{key, value, previous->create_revision, *revision};
}

Result<KeyValue> EtcdStore::remove(const std::string& key, Revision expected) {
  const std::string key64 = base64_encode(key_prefix_ + key);
  auto answer = txn(*client_, key64, exists_at(key64, expected), remove_key(key64));
  if (!answer) return answer.error();
  if (!etcd::bool_field(*answer, "succeeded")) return txn_failure(key, expected, *answer, key_prefix_);
  auto deleted = first_response(*answer, "response_delete_range");
  if (!deleted) return deleted.error();
  auto previous = decode_kvs(*deleted, "prev_kvs", key_prefix_);
  auto revision = etcd::header_revision(*answer);
  if (!previous) return previous.error();
  if (!revision) return revision.error();
  if (previous->empty()) return err("etcd deleted \"" + key + "\" without returning its last value");
  KeyValue last = std::move(previous->front());
  last.mod_revision = *revision;
  return last;
}

Result<KeyValue> EtcdStore::get(const std::string& key) {
  auto answer = client_->call("/v3/kv/range", {{"key", base64_encode(key_prefix_ + key)}});
  if (!answer) return answer.error();
  auto found = decode_kvs(*answer, "kvs", key_prefix_);
  if (!found) return found.error();
  if (found->empty()) return err("\"" + key + "\" does not exist", ErrorCode::kNotFound);
  return std::move(found->front());
}

Result<ListResult> EtcdStore::list(const std::string& prefix, const ListOptions& options) {
  const std::string begin = key_prefix_ + prefix;
  std::string from = begin.empty() ? std::string(1, '\0') : begin;  // etcd wants a non-empty key
  if (!options.start_after.empty()) {
    // The least key after start_after is start_after followed by a zero byte.
    const std::string after = key_prefix_ + options.start_after + '\0';
    if (after > from) from = after;
  }
  json request = {{"key", base64_encode(from)}, {"range_end", base64_encode(etcd::prefix_end(begin))}};
  if (options.revision != 0) request["revision"] = std::to_string(options.revision);
  if (options.limit != 0) request["limit"] = std::to_string(options.limit);
  auto answer = client_->call("/v3/kv/range", request);
  if (!answer && answer.error().code == ErrorCode::kGone)
    return err("cannot list \"" + prefix + "\" at revision " + std::to_string(options.revision) +
                   ", compacted away (list at the latest revision instead): " + answer.error().message,
               ErrorCode::kGone);
  if (!answer) return answer.error();

  auto items = decode_kvs(*answer, "kvs", key_prefix_);
  if (!items) return items.error();
  ListResult result;
  result.items = std::move(*items);
  result.more = etcd::bool_field(*answer, "more");
  if (options.revision != 0) {
    result.revision = options.revision;  // the header has the latest revision, not the one read
  } else {
    auto revision = etcd::header_revision(*answer);
    if (!revision) return revision.error();
    result.revision = *revision;
  }
  return result;
}

Result<Revision> EtcdStore::current_revision() {
  const std::string key = key_prefix_.empty() ? std::string(1, '\0') : key_prefix_;
  auto answer = client_->call("/v3/kv/range", {{"key", base64_encode(key)}, {"count_only", true}});
  if (!answer) return answer.error();
  return etcd::header_revision(*answer);
}

Status EtcdStore::compact(Revision revision) {
  auto answer = client_->call("/v3/kv/compaction", {{"revision", std::to_string(revision)}});
  // Compacted already at or after `revision`: the history before it is gone, as asked.
  if (!answer && answer.error().code != ErrorCode::kGone) return answer.error();
  return {};
}

Result<std::unique_ptr<Watch>> EtcdStore::watch(Revision after, WatchSink sink) {
  return etcd::EtcdWatch::start(*client_, key_prefix_, after, std::move(sink));
}

}  // namespace xebec::store
