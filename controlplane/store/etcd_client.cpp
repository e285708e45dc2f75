// EtcdClient: failover over endpoints, a pool of idle connections per endpoint, and etcd's error
// answers turned into Errors that say which endpoint answered what.
#include "controlplane/store/etcd_client.h"

#include "controlplane/store/etcd_codec.h"

namespace xebec::store::etcd {

using nlohmann::json;

// The most of an unexpected answer quoted in an error message.
constexpr std::size_t kQuotedAnswerBytes = 300;

namespace {

std::string excerpt(const std::string& answer) {
  return answer.size() <= kQuotedAnswerBytes ? answer : answer.substr(0, kQuotedAnswerBytes) + "...";
}

// An error answer of the gateway: {"error": "...", "message": "...", "code": <gRPC code>}.
Error answer_error(const Endpoint& endpoint, const std::string& target, unsigned status, const std::string& body) {
  const std::string where = "etcd at " + endpoint.url + " answered " + target + " with ";
  const json answer = json::parse(body, nullptr, false);
  const std::string message = string_field(answer, "message");
  if (message.empty())
    return err(where + "HTTP " + std::to_string(status) + ": " + excerpt(body) + " (is it etcd's client URL?)");
  const auto code = int64_field(answer, "code");
  return err(where + "\"" + message + "\"", error_code_of(code ? *code : -1, message));
}

}  // namespace

Result<std::unique_ptr<EtcdClient>> EtcdClient::create(const std::vector<std::string>& urls) {
  if (urls.empty()) return err("no etcd endpoints given (expected http://HOST:PORT, ...)", ErrorCode::kInvalid);
  std::vector<std::unique_ptr<Pool>> pools;
  for (const auto& url : urls) {
    auto endpoint = parse_endpoint(url);
    if (!endpoint) return endpoint.error();
    pools.push_back(std::make_unique<Pool>(std::move(*endpoint)));
  }
  return std::unique_ptr<EtcdClient>(new EtcdClient(std::move(pools)));
}

Result<std::unique_ptr<HttpConnection>> EtcdClient::connect_any(std::size_t& pool_index) {
  std::string failures;
  const std::size_t first = preferred_;
  for (std::size_t k = 0; k < pools_.size(); ++k) {
    pool_index = (first + k) % pools_.size();
    Pool& pool = *pools_[pool_index];
    {
      std::lock_guard lock(pool.mu);
      while (!pool.idle.empty()) {
        std::unique_ptr<HttpConnection> c = std::move(pool.idle.back());
        pool.idle.pop_back();
        if (c->idle_and_open()) return c;
      }
    }
    auto c = HttpConnection::open(pool.endpoint, kConnectTimeout);
    if (c) {
      preferred_ = pool_index;
      return c;
    }
    failures += (failures.empty() ? "" : "; ") + c.error().message;
  }
  return err("no etcd endpoint could be reached: " + failures, ErrorCode::kUnavailable);
}

void EtcdClient::give_back(std::size_t pool_index, std::unique_ptr<HttpConnection> connection) {
  Pool& pool = *pools_[pool_index];
  std::lock_guard lock(pool.mu);
  if (pool.idle.size() < kMaxIdleConnectionsPerEndpoint) pool.idle.push_back(std::move(connection));
}

Result<json> EtcdClient::call(const std::string& target, const json& request) {
  std::size_t pool_index = 0;
  auto connection = connect_any(pool_index);
  if (!connection) return connection.error();
  const Endpoint endpoint = (*connection)->endpoint();
  auto response = (*connection)->post(target, request.dump(), kRequestTimeout);
  if (!response) return response.error();
  if (response->keep_alive) give_back(pool_index, std::move(*connection));
  if (response->status != 200) return answer_error(endpoint, target, response->status, response->body);
  json answer = json::parse(response->body, nullptr, false);
  if (!answer.is_object())
    return err("etcd at " + endpoint.url + " answered " + target + " with something that is not a JSON object: " +
               excerpt(response->body));
  return answer;
}

Result<std::unique_ptr<HttpConnection>> EtcdClient::open_stream(const std::string& target, const json& request) {
  std::size_t pool_index = 0;
  auto connection = connect_any(pool_index);
  if (!connection) return connection.error();
  HttpConnection& c = **connection;
  auto status = c.start_stream(target, request.dump(), kRequestTimeout);
  if (!status) return status.error();
  if (*status == 200) return connection;
  std::string body;
  while (body.size() < kQuotedAnswerBytes) {
    auto more = c.read_stream(kRequestTimeout);
    if (!more || more->empty()) break;
    body += *more;
  }
  return answer_error(c.endpoint(), target, *status, body);
}

}  // namespace xebec::store::etcd
