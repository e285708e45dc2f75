// A throwaway etcd for tests: Debian's /usr/bin/etcd on free loopback ports with a temporary
// data directory, killed and removed when the test is done, also when it fails.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace xebec::store::testing {

// Owns the etcd process and its directory (the data and etcd's log). Not thread-safe. The
// process also dies with the test process (PR_SET_PDEATHSIG), should that crash.
class EtcdProcess {
 public:
  // Starts etcd and waits until it answers; fails the test (with etcd's log) otherwise.
  EtcdProcess();
  ~EtcdProcess();
  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  // "http://127.0.0.1:PORT", its client URL.
  const std::string& endpoint() const { return client_url_; }
  // Kills etcd at once (SIGKILL) and waits for it to be gone.
  void kill();
  // Starts it (again: same ports, same data) and waits until it answers.
  void start();

 private:
  std::string log_tail() const;

  std::filesystem::path dir_;
  std::string client_url_;
  std::string peer_url_;
  pid_t pid_ = -1;
};

// A loopback TCP port that nothing listens on (as of now).
int free_port();
// "http://127.0.0.1:PORT" where nothing listens.
std::string dead_endpoint();

// The etcd shared by the tests of this process that do not stop it; stores on it keep apart by
// key prefix (fresh_key_prefix()).
EtcdProcess& shared_etcd();
// A key prefix no other store of this process uses.
std::string fresh_key_prefix();

}  // namespace xebec::store::testing
