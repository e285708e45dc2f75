// Helpers for tests that send real traffic through network namespaces: namespaces that delete
// themselves, commands run inside a namespace, and TCP servers and clients living in one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"

namespace xebec::testing {

using namespace std::chrono_literals;

// How a command ended and what it printed (stdout and stderr, interleaved).
struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed (also on timeout); -1 when it could not start
  std::string output;
  bool ok() const { return exit_code == 0; }
};

// Runs argv (no shell; argv[0] looked up in PATH) inside network namespace `netns`, a name
// under /run/netns ("" = this process's namespace), killed after `timeout`. Only the network
// namespace changes: unlike `ip netns exec`, which remounts /sys and so hides bpffs.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& netns = "",
                          std::chrono::milliseconds timeout = 30s);

// run_command, throwing std::runtime_error (command and output in the message) on failure.
std::string run_checked(const std::vector<std::string>& argv, const std::string& netns = "",
                        std::chrono::milliseconds timeout = 30s);

// A network namespace (`ip netns add`), deleted with everything in it (`ip netns del`, links
// included) when it goes out of scope. Names should start with "xebec-". Not thread-safe.
class Namespace {
 public:
  explicit Namespace(std::string name);  // throws when the namespace cannot be made
  ~Namespace();
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  const std::string& name() const { return name_; }
  // `ip -n NAME args...`, throwing on failure.
  void ip(const std::vector<std::string>& args) const;

 private:
  std::string name_;
};

// Creates a TCP socket inside network namespace `netns` (it stays there whichever thread
// uses it later); close-on-exec. An error names the namespace and errno.
Result<int> tcp_socket_in(const std::string& netns);

// A TCP server on address:port inside a namespace, one thread per connection. Each
// connection is greeted with "NAME\n" and then every line it sends is answered with
// "NAME LINE\n", so a client can tell, at any time, which backend it is talking to.
// The destructor stops it and closes every connection. accepted() is thread-safe.
class TcpServer {
 public:
  // Throws when it cannot listen.
  TcpServer(const std::string& netns, std::string name, const std::string& address, std::uint16_t port);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  const std::string& name() const { return name_; }
  int accepted() const { return accepted_.load(); }

 private:
  void accept_loop();
  void serve(int fd);

  std::string name_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};  // readable once the server stops: wakes every poll
  std::atomic<int> accepted_{0};
  std::vector<std::thread> connections_;  // touched by the acceptor, then by the destructor
  std::thread acceptor_;
};

// A TCP connection made from inside a namespace, speaking TcpServer's line protocol. Every
// wait is bounded. Not thread-safe; movable.
class TcpClient {
 public:
  // Connects and reads the greeting; an error says which step failed and why.
  static Result<TcpClient> connect(const std::string& netns, const std::string& address, std::uint16_t port,
                                   std::chrono::milliseconds timeout = 3s);
  TcpClient(TcpClient&& other) noexcept;
  TcpClient& operator=(TcpClient&&) = delete;
  TcpClient(const TcpClient&) = delete;
  ~TcpClient();

  const std::string& greeting() const { return greeting_; }  // the server's name
  std::uint16_t local_port() const { return local_port_; }

  Status send_line(const std::string& line);
  Result<std::string> read_line(std::chrono::milliseconds timeout = 3s);
  // Sends `line` and returns the server's answer to it.
  Result<std::string> exchange(const std::string& line, std::chrono::milliseconds timeout = 3s);

 private:
  explicit TcpClient(int fd) : fd_(fd) {}
  int fd_;
  std::string buffer_;  // bytes received past the last returned line
  std::string greeting_;
  std::uint16_t local_port_ = 0;
};

}  // namespace xebec::testing
