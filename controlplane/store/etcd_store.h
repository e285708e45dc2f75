// The Store on an etcd v3 cluster, through the JSON gateway of its client URLs (etcd 3.4's
// /v3/ API): each operation is one range, txn or compaction call; each watch one /v3/watch stream.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "controlplane/store/store.h"

namespace xebec::store {

namespace etcd {
class EtcdClient;
}

// Owns its connections to etcd (watches own theirs and may outlive it). Thread-safe, as Store
// says. Revisions are etcd's: with a key prefix they count the writes of everyone sharing the etcd.
class EtcdStore final : public Store {
 public:
  // Uses the etcd cluster at `endpoints` ("http://127.0.0.1:2379", ...; the next is tried when
  // one refuses connections) and checks that it answers. Every key is stored under `key_prefix`
  // (e.g. "/xebec/cluster-a") so that several clusters can share one etcd; keys handed out are
  // without it. A watch, or a list of "", covers every key that begins with the prefix, so
  // stores sharing an etcd need prefixes neither of which begins the other ("/xebec/a" and
  // "/xebec/b", not "/xebec/a" and "/xebec/ab"). kInvalid for a malformed endpoint,
  // kUnavailable when no endpoint answers.
  static Result<std::unique_ptr<EtcdStore>> connect(std::vector<std::string> endpoints, std::string key_prefix);
  ~EtcdStore() override;

  Result<KeyValue> create(const std::string& key, const std::string& value) override;
  Result<KeyValue> update(const std::string& key, const std::string& value, Revision expected) override;
  Result<KeyValue> remove(const std::string& key, Revision expected) override;
  Result<KeyValue> get(const std::string& key) override;
  Result<ListResult> list(const std::string& prefix, const ListOptions& options) override;
  Result<Revision> current_revision() override;
  Status compact(Revision revision) override;
  Result<std::unique_ptr<Watch>> watch(Revision after, WatchSink sink) override;

 private:
  EtcdStore(std::unique_ptr<etcd::EtcdClient> client, std::string key_prefix);

  std::unique_ptr<etcd::EtcdClient> client_;
  const std::string key_prefix_;
};

}  // namespace xebec::store
