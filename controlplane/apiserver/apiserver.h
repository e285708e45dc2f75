// Apiserver: the assembled API server: its store (embedded SQLite or etcd), TLS material,
// admin token and kubeconfig, the HTTPS server and the ApiHandler behind it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace xebec::apiserver {

struct ApiserverOptions {
  std::string data_dir;                     // created if missing: state.db, pki/, admin.kubeconfig
  std::string listen = "127.0.0.1:6443";    // HOST:PORT; port 0 picks one
  std::string store = "sqlite";             // "sqlite" or "etcd"
  std::vector<std::string> etcd_endpoints;  // http://HOST:PORT, for --store etcd
  std::string etcd_prefix = "/xebec";       // keys live under it in a shared etcd
};

// Owns the store, the server and its threads; stop() (or the destructor) ends them.
class Apiserver {
 public:
  static Result<std::unique_ptr<Apiserver>> start(const ApiserverOptions& options);
  ~Apiserver();
  Apiserver(const Apiserver&) = delete;
  Apiserver& operator=(const Apiserver&) = delete;

  std::uint16_t port() const;
  const std::string& kubeconfig() const;  // DATA_DIR/admin.kubeconfig
  void stop();

 private:
  struct Impl;
  explicit Apiserver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xebec::apiserver
