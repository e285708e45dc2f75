// Network-namespace test helpers: commands via fork/setns/exec, TCP servers and clients whose
// sockets are created by a thread that has entered the namespace.
#include "tests/support/netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace xebec::testing {

namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text() { return std::strerror(errno); }

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Opens /run/netns/NAME; -1 with errno set when it cannot.
int open_netns(const std::string& netns) { return ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC); }

// In the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(int netns_fd, int out_fd, char* const* argv) {
  if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) != 0) {
    static const char msg[] = "setns failed\n";
    (void)!write(out_fd, msg, sizeof msg - 1);
    _exit(126);
  }
  dup2(out_fd, STDOUT_FILENO);
  dup2(out_fd, STDERR_FILENO);
  execvp(argv[0], argv);
  static const char msg[] = "exec failed\n";
  (void)!write(out_fd, msg, sizeof msg - 1);
  _exit(127);
}

// Reads the child's output until it exits (a grandchild keeping the pipe open cannot hang
// us) or the deadline passes; then the child is killed. Returns the wait status.
int collect(pid_t pid, int out_fd, Clock::time_point deadline, std::string& output) {
  char buf[4096];
  int status = 0;
  for (;;) {
    pollfd p{out_fd, POLLIN, 0};
    if (poll(&p, 1, 20) > 0) {
      ssize_t n = read(out_fd, buf, sizeof buf);
      if (n > 0) output.append(buf, n);
    }
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      output += "\n(killed: timed out)";
      break;
    }
  }
  fcntl(out_fd, F_SETFL, O_NONBLOCK);
  for (ssize_t n; (n = read(out_fd, buf, sizeof buf)) > 0;) output.append(buf, n);
  return status;
}

Status send_all(int fd, const std::string& data, Clock::time_point deadline) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += n;
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return err("send: " + errno_text());
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, remaining_ms(deadline)) == 0) return err("send: timed out");
  }
  return {};
}

Result<sockaddr_in> ipv4_sockaddr(const std::string& address, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return err("not an IPv4 address: " + address);
  return sa;
}

std::string endpoint(const std::string& address, std::uint16_t port) { return address + ":" + std::to_string(port); }

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& netns,
                          std::chrono::milliseconds timeout) {
  CommandResult r;
  if (argv.empty()) return r;
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  int netns_fd = -1;
  if (!netns.empty() && (netns_fd = open_netns(netns)) < 0) {
    r.output = "cannot open network namespace " + netns + ": " + errno_text();
    return r;
  }
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    r.output = "pipe: " + errno_text();
    if (netns_fd >= 0) close(netns_fd);
    return r;
  }
  pid_t pid = fork();
  if (pid == 0) exec_child(netns_fd, out[1], cargv.data());
  close(out[1]);
  if (netns_fd >= 0) close(netns_fd);
  if (pid < 0) {
    r.output = "fork: " + errno_text();
    close(out[0]);
    return r;
  }
  int status = collect(pid, out[0], Clock::now() + timeout, r.output);
  close(out[0]);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string run_checked(const std::vector<std::string>& argv, const std::string& netns,
                        std::chrono::milliseconds timeout) {
  auto r = run_command(argv, netns, timeout);
  if (!r.ok())
    throw std::runtime_error("`" + joined(argv) + "`" + (netns.empty() ? "" : " in " + netns) + " exited " +
                             std::to_string(r.exit_code) + ": " + r.output);
  return r.output;
}

Namespace::Namespace(std::string name) : name_(std::move(name)) {
  run_checked({"ip", "netns", "add", name_});
  try {
    ip({"link", "set", "lo", "up"});
  } catch (...) {
    run_command({"ip", "netns", "del", name_});
    throw;
  }
}

Namespace::~Namespace() { run_command({"ip", "netns", "del", name_}); }

void Namespace::ip(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"ip", "-n", name_};
  argv.insert(argv.end(), args.begin(), args.end());
  run_checked(argv);
}

Result<int> tcp_socket_in(const std::string& netns) {
  int fd = -1;
  std::string error;
  // setns(CLONE_NEWNET) moves only the calling thread: a short-lived one does it for us.
  std::thread worker([&] {
    int ns = open_netns(netns);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
      error = "cannot enter network namespace " + netns + ": " + errno_text();
      if (ns >= 0) close(ns);
      return;
    }
    close(ns);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) error = "socket: " + errno_text();
  });
  worker.join();
  if (fd < 0) return err(error);
  return fd;
}

TcpServer::TcpServer(const std::string& netns, std::string name, const std::string& address, std::uint16_t port)
    : name_(std::move(name)) {
  auto sa = ipv4_sockaddr(address, port);
  if (!sa) throw std::runtime_error(sa.error().message);
  auto fd = tcp_socket_in(netns);
  if (!fd) throw std::runtime_error(fd.error().message);
  listen_fd_ = *fd;
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&*sa), sizeof *sa) != 0 || listen(listen_fd_, 128) != 0 ||
      pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    std::string e =
        "server " + name_ + " cannot listen on " + endpoint(address, port) + " in " + netns + ": " + errno_text();
    close(listen_fd_);
    throw std::runtime_error(e);
  }
  acceptor_ = std::thread(&TcpServer::accept_loop, this);
}

TcpServer::~TcpServer() {
  (void)!write(stop_pipe_[1], "x", 1);  // never read: stays readable for every poll
  acceptor_.join();
  for (auto& t : connections_) t.join();  // the acceptor is gone: nobody adds more
  close(listen_fd_);
  close(stop_pipe_[0]);
  close(stop_pipe_[1]);
}

void TcpServer::accept_loop() {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0) continue;  // EINTR
    if (p[1].revents) return;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) continue;
    accepted_++;
    connections_.emplace_back(&TcpServer::serve, this, fd);
  }
}

void TcpServer::serve(int fd) {
  constexpr auto kSendTimeout = 3s;
  std::string buffer;
  char chunk[1024];
  bool open = send_all(fd, name_ + "\n", Clock::now() + kSendTimeout).ok();
  while (open) {
    pollfd p[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0) continue;
    if (p[1].revents) break;
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) break;
    buffer.append(chunk, n);
    for (auto nl = buffer.find('\n'); open && nl != std::string::npos; nl = buffer.find('\n')) {
      open = send_all(fd, name_ + " " + buffer.substr(0, nl) + "\n", Clock::now() + kSendTimeout).ok();
      buffer.erase(0, nl + 1);
    }
  }
  close(fd);
}

Result<TcpClient> TcpClient::connect(const std::string& netns, const std::string& address, std::uint16_t port,
                                     std::chrono::milliseconds timeout) {
  const auto to = endpoint(address, port);
  auto sa = ipv4_sockaddr(address, port);
  if (!sa) return sa.error();
  auto fd = tcp_socket_in(netns);
  if (!fd) return fd.error();
  TcpClient c(*fd);
  const auto deadline = Clock::now() + timeout;
  if (::connect(c.fd_, reinterpret_cast<sockaddr*>(&*sa), sizeof *sa) != 0) {
    if (errno != EINPROGRESS) return err("connect to " + to + ": " + errno_text());
    pollfd p{c.fd_, POLLOUT, 0};
    if (poll(&p, 1, remaining_ms(deadline)) == 0) return err("connect to " + to + ": timed out");
    int so_error = 0;
    socklen_t len = sizeof so_error;
    getsockopt(c.fd_, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error) return err("connect to " + to + ": " + std::strerror(so_error));
  }
  sockaddr_in local{};
  socklen_t len = sizeof local;
  getsockname(c.fd_, reinterpret_cast<sockaddr*>(&local), &len);
  c.local_port_ = ntohs(local.sin_port);
  auto greeting = c.read_line(std::chrono::milliseconds(remaining_ms(deadline)));
  if (!greeting) return err("connected to " + to + " but got no greeting: " + greeting.error().message);
  c.greeting_ = *greeting;
  return c;
}

TcpClient::TcpClient(TcpClient&& other) noexcept
    : fd_(other.fd_), buffer_(std::move(other.buffer_)), greeting_(std::move(other.greeting_)),
      local_port_(other.local_port_) {
  other.fd_ = -1;
}

TcpClient::~TcpClient() {
  if (fd_ >= 0) close(fd_);
}

Status TcpClient::send_line(const std::string& line) { return send_all(fd_, line + "\n", Clock::now() + 3s); }

Result<std::string> TcpClient::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  char chunk[1024];
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, remaining_ms(deadline)) == 0)
      return err("no line within " + std::to_string(timeout.count()) + " ms");
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) return err("connection closed by the server");
    if (n < 0 && errno != EAGAIN && errno != EINTR) return err("recv: " + errno_text());
    if (n > 0) buffer_.append(chunk, n);
  }
}

Result<std::string> TcpClient::exchange(const std::string& line, std::chrono::milliseconds timeout) {
  if (auto ok = send_line(line); !ok) return ok.error();
  return read_line(timeout);
}

}  // namespace xebec::testing
