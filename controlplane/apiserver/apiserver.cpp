// Apiserver: start-up in order (data dir, store and its watch cache, built-in namespaces, TLS, token, server,
// kubeconfig) and a compactor that keeps five minutes of history, as kube-apiserver does.
#include "controlplane/apiserver/apiserver.h"

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "controlplane/api/object_storage.h"
#include "controlplane/apiserver/api_handler.h"
#include "controlplane/server/auth.h"
#include "controlplane/server/http_server.h"
#include "controlplane/server/kubeconfig.h"
#include "controlplane/server/tls.h"
#include "controlplane/store/etcd_store.h"
#include "controlplane/store/sqlite_store.h"
#include "controlplane/store/watch_cache.h"

namespace xebec::apiserver {

namespace {

constexpr std::chrono::minutes kCompactionInterval{5};

Result<std::unique_ptr<store::Store>> open_backend(const ApiserverOptions& o) {
  if (o.store == "sqlite") {
    auto s = store::SqliteStore::open(o.data_dir + "/state.db");
    if (!s) return s.error();
    return std::unique_ptr<store::Store>(std::move(*s));
  }
  if (o.store == "etcd") {
    if (o.etcd_endpoints.empty()) return err("--store etcd needs --etcd-endpoints (e.g. http://127.0.0.1:2379)");
    auto s = store::EtcdStore::connect(o.etcd_endpoints, o.etcd_prefix);
    if (!s) return s.error();
    return std::unique_ptr<store::Store>(std::move(*s));
  }
  return err("unknown store '" + o.store + "': expected sqlite or etcd");
}

// The backend behind a watch cache: the watches kubectl and the controllers open share one.
Result<std::unique_ptr<store::Store>> open_store(const ApiserverOptions& o) {
  auto backend = open_backend(o);
  if (!backend) return backend.error();
  auto cache = store::WatchCache::open(std::move(*backend));
  if (!cache) return cache.error();
  return std::unique_ptr<store::Store>(std::move(*cache));
}

// The namespaces every cluster has.
Status ensure_namespaces(store::Store& store) {
  api::ObjectStorage objects(store);
  const api::ResourceType* ns = api::find_resource("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    auto created = objects.create(*ns, "", {{"metadata", {{"name", name}}}, {"status", {{"phase", "Active"}}}}, false);
    if (!created && created.error().code != ErrorCode::kAlreadyExists) return created.error();
  }
  return {};
}

// "HOST:PORT" -> HOST (IPv6 without brackets).
std::string host_of(const std::string& listen) {
  const auto colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host.empty() || host == "0.0.0.0" ? "127.0.0.1" : host;
}

}  // namespace

struct Apiserver::Impl {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<ApiHandler> handler;
  std::unique_ptr<server::HttpServer> http;
  std::string kubeconfig;
  std::mutex mu;
  std::condition_variable_any wake;
  std::jthread compactor;

  // Every interval, compacts to the revision the store was at one interval earlier.
  void compact_loop(std::stop_token stop) {
    store::Revision previous = 0;
    std::unique_lock lock(mu);
    while (true) {
      wake.wait_for(lock, stop, kCompactionInterval, [] { return false; });
      if (stop.stop_requested()) return;
      if (previous > 0) (void)store->compact(previous);
      if (auto now = store->current_revision(); now) previous = *now;
    }
  }
};

Apiserver::Apiserver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Apiserver::~Apiserver() { stop(); }

Result<std::unique_ptr<Apiserver>> Apiserver::start(const ApiserverOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) return err("cannot create the data directory " + o.data_dir + ": " + ec.message());

  auto impl = std::make_unique<Impl>();
  auto store = open_store(o);
  if (!store) return store.error();
  impl->store = std::move(*store);
  if (auto ok = ensure_namespaces(*impl->store); !ok) return ok.error();

  const std::string host = host_of(o.listen);
  auto tls = server::ensure_tls(o.data_dir, {host});
  if (!tls) return tls.error();
  auto token = server::ensure_admin_token(o.data_dir);
  if (!token) return token.error();
  server::Authenticator auth;
  auth.add_token(*token, std::string(server::kAdminUser));

  server::HttpServerOptions http;
  http.listen = o.listen;
  http.cert_file = tls->server_cert;
  http.key_file = tls->server_key;
  impl->handler = std::make_unique<ApiHandler>(*impl->store);
  ApiHandler* handler = impl->handler.get();
  auto server = server::HttpServer::start(http, std::move(auth),
                                          [handler](server::Request& r, server::Reply& reply) { (*handler)(r, reply); });
  if (!server) return server.error();
  impl->http = std::move(*server);
  const std::uint16_t port = impl->http->port();

  auto kubeconfig = server::write_admin_kubeconfig(o.data_dir, host, port, *tls, *token);
  if (!kubeconfig) return kubeconfig.error();
  impl->kubeconfig = *kubeconfig;
  Impl* raw = impl.get();
  impl->compactor = std::jthread([raw](std::stop_token stop) { raw->compact_loop(stop); });
  return std::unique_ptr<Apiserver>(new Apiserver(std::move(impl)));
}

std::uint16_t Apiserver::port() const { return impl_->http->port(); }

const std::string& Apiserver::kubeconfig() const { return impl_->kubeconfig; }

void Apiserver::stop() {
  if (impl_->compactor.joinable()) {
    impl_->compactor.request_stop();
    impl_->compactor.join();
  }
  if (impl_->http) impl_->http->stop();
}

}  // namespace xebec::apiserver
