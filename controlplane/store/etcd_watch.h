// A Store watch on etcd: one streaming /v3/watch over the store's key prefix, read by a thread
// of its own that hands each watch response's events to the sink.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "controlplane/store/etcd_client.h"
#include "controlplane/store/store.h"

namespace xebec::store::etcd {

// Owns the stream's connection and the thread reading it; destroying it closes the connection
// and joins the thread, so the sink is not called after the destructor returns. The sink may
// destroy its own watch (the thread then ends by itself, after the sink returns).
class EtcdWatch final : public Watch {
 public:
  // Starts delivering every change after `after` under `key_prefix` (keys handed out without
  // it). kGone when etcd compacted revision after + 1 away; an error when no endpoint takes the
  // watch or etcd does not confirm it.
  static Result<std::unique_ptr<Watch>> start(EtcdClient& client, const std::string& key_prefix, Revision after,
                                              WatchSink sink);
  ~EtcdWatch() override;

  EtcdWatch(const EtcdWatch&) = delete;
  EtcdWatch& operator=(const EtcdWatch&) = delete;

 private:
  struct Stream;
  explicit EtcdWatch(std::shared_ptr<Stream> stream);

  std::shared_ptr<Stream> stream_;  // shared with thread_, which may outlive this when detached
  std::thread thread_;
};

}  // namespace xebec::store::etcd
