// The thread-safe Stream handle over a connection (see chunk_stream.h).
#include "controlplane/server/chunk_stream.h"

#include "controlplane/server/connection.h"

namespace xebec::server {

ChunkStream::ChunkStream(std::weak_ptr<Connection> connection, std::size_t backlog_limit)
    : connection_(std::move(connection)), backlog_limit_(backlog_limit) {}

bool ChunkStream::write(std::string chunk) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  if (chunk.empty()) return true;  // an empty chunk would end the body
  std::shared_ptr<Connection> connection = connection_.lock();
  if (!connection) {
    closed_ = true;
    return false;
  }
  if (backlog_ + chunk.size() > backlog_limit_) {  // the client is not keeping up
    closed_ = true;
    connection->abort();
    return false;
  }
  backlog_ += chunk.size();
  // Posted under the lock, so chunks reach the strand in the order of write() calls.
  connection->post_chunk(std::move(chunk));
  return true;
}

void ChunkStream::close() {
  std::lock_guard lock(mu_);
  if (closed_) return;
  closed_ = true;
  if (std::shared_ptr<Connection> connection = connection_.lock()) connection->post_finish();
}

bool ChunkStream::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void ChunkStream::sent(std::size_t bytes) {
  std::lock_guard lock(mu_);
  backlog_ -= bytes;
}

void ChunkStream::gone() {
  std::lock_guard lock(mu_);
  closed_ = true;
}

}  // namespace xebec::server
