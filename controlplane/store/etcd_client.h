// The endpoints of one etcd cluster, reached through its JSON gateway: calls that fail over to
// the next endpoint when one refuses connections, over a few kept-alive connections each.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controlplane/store/etcd_connection.h"
#include "common/result.h"

namespace xebec::store::etcd {

constexpr Duration kConnectTimeout = std::chrono::seconds(3);
constexpr Duration kRequestTimeout = std::chrono::seconds(30);
constexpr std::size_t kMaxIdleConnectionsPerEndpoint = 8;

// Owns the idle connections. Thread-safe: any number of threads may call at once; each call
// has a connection to itself.
class EtcdClient {
 public:
  // kInvalid when the list is empty or an endpoint is not http://HOST:PORT.
  static Result<std::unique_ptr<EtcdClient>> create(const std::vector<std::string>& urls);

  // POSTs `request` to `target` (e.g. "/v3/kv/range") and returns etcd's answer. An endpoint that
  // cannot be connected to is skipped for the next; one that fails after taking the request is
  // not (it may have applied it): kUnavailable. etcd's own errors keep its message, coded by
  // error_code_of.
  Result<nlohmann::json> call(const std::string& target, const nlohmann::json& request);

  // Starts a streaming call (a watch) on a connection of its own, failing over like call(), and
  // returns the connection with the response's header read; the body is left to read.
  Result<std::unique_ptr<HttpConnection>> open_stream(const std::string& target, const nlohmann::json& request);

 private:
  struct Pool {
    explicit Pool(Endpoint e) : endpoint(std::move(e)) {}
    Endpoint endpoint;
    std::mutex mu;
    std::vector<std::unique_ptr<HttpConnection>> idle;  // guarded by mu
  };

  explicit EtcdClient(std::vector<std::unique_ptr<Pool>> pools) : pools_(std::move(pools)) {}
  // A connection to the first endpoint, from the last one that worked on, that takes one.
  Result<std::unique_ptr<HttpConnection>> connect_any(std::size_t& pool_index);
  void give_back(std::size_t pool_index, std::unique_ptr<HttpConnection> connection);

  const std::vector<std::unique_ptr<Pool>> pools_;
  std::atomic<std::size_t> preferred_{0};  // the endpoint to try first
};

}  // namespace xebec::store::etcd
