// The Stream a handler writes a chunked response through: a thread-safe handle that posts each
// chunk to its connection's strand and accounts for what is still unsent.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "controlplane/server/handler.h"

namespace xebec::server {

class Connection;

// Shared by the handler's holders and the connection; refers to the connection weakly, so holding
// it keeps no socket open. All methods are thread-safe. write()/close() never block on the network.
class ChunkStream final : public Stream {
 public:
  ChunkStream(std::weak_ptr<Connection> connection, std::size_t backlog_limit);

  bool write(std::string chunk) override;
  void close() override;
  bool closed() const override;

  // Called by the connection: `bytes` of queued chunks went out.
  void sent(std::size_t bytes);
  // Called by the connection when it closes: writes are refused from now on.
  void gone();

 private:
  mutable std::mutex mu_;
  const std::weak_ptr<Connection> connection_;
  const std::size_t backlog_limit_;
  std::size_t backlog_ = 0;  // bytes written but not yet sent (under mu_)
  bool closed_ = false;      // under mu_
};

}  // namespace xebec::server
