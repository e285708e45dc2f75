// EtcdProcess: fork and exec /usr/bin/etcd as a one-member cluster on loopback, poll until it
// answers through EtcdStore::connect, SIGKILL it and remove its directory at the end.
#include "controlplane/store/etcd_process_test_support.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "controlplane/store/etcd_store.h"

namespace xebec::store::testing {

constexpr const char* kEtcdBinary = "/usr/bin/etcd";  // Debian's etcd-server
constexpr auto kStartTimeout = std::chrono::seconds(20);

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  REQUIRE(bound);
  return ntohs(address.sin_port);
}

std::string dead_endpoint() { return "http://127.0.0.1:" + std::to_string(free_port()); }

EtcdProcess::EtcdProcess()
    : client_url_("http://127.0.0.1:" + std::to_string(free_port())),
      peer_url_("http://127.0.0.1:" + std::to_string(free_port())) {
  REQUIRE(::access(kEtcdBinary, X_OK) == 0);  // apt-get install etcd-server
  std::string dir = (std::filesystem::temp_directory_path() / "xebec-etcd-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  dir_ = dir;
  try {
    start();
  } catch (...) {
    std::filesystem::remove_all(dir_);
    throw;
  }
}

EtcdProcess::~EtcdProcess() {
  kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void EtcdProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void EtcdProcess::start() {
  REQUIRE(pid_ <= 0);
  const std::vector<std::string> args = {kEtcdBinary,
                                         "--name=test",
                                         "--data-dir=" + (dir_ / "data").string(),
                                         "--listen-client-urls=" + client_url_,
                                         "--advertise-client-urls=" + client_url_,
                                         "--listen-peer-urls=" + peer_url_,
                                         "--initial-advertise-peer-urls=" + peer_url_,
                                         "--initial-cluster=test=" + peer_url_,
                                         "--logger=zap",
                                         "--log-level=error"};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string log = (dir_ / "etcd.log").string();

  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {  // the child: only async-signal-safe calls until exec
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::execv(kEtcdBinary, argv.data());
    ::_exit(127);
  }

  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  std::string last_error;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("etcd exited at start; its log:\n" << log_tail());
    }
    auto store = EtcdStore::connect({client_url_}, "");
    if (store) return;
    last_error = store.error().message;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill();
  FAIL("etcd did not answer within " << kStartTimeout.count() << "s: " << last_error << "\nits log:\n" << log_tail());
}

std::string EtcdProcess::log_tail() const {
  std::ifstream in(dir_ / "etcd.log");
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  constexpr std::size_t kTail = 4000;
  return all.size() <= kTail ? all : all.substr(all.size() - kTail);
}

EtcdProcess& shared_etcd() {
  static EtcdProcess etcd;
  return etcd;
}

std::string fresh_key_prefix() {
  static std::atomic<int> next{0};
  return "/xebec-test/" + std::to_string(++next) + "/";
}

}  // namespace xebec::store::testing
