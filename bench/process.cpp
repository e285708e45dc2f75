// posix_spawn-based timed runs and async-signal-safe cleanup on interruption.
#include "bench/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace xebec::bench {

namespace {

std::string tail(const std::string& s, std::size_t n) { return s.size() > n ? "..." + s.substr(s.size() - n) : s; }

struct CleanupSlot {
  std::vector<std::string> args;
  std::vector<char*> argv;
  volatile sig_atomic_t active = 0;
};
std::array<CleanupSlot, 16> g_slots;
volatile pid_t g_child = 0;  // the child run_timed / run_output waits for, if any

void run_cleanups_and_exit(int sig) {
  if (g_child > 0) {
    kill(g_child, SIGTERM);
    waitpid(g_child, nullptr, 0);
  }
  for (auto& slot : g_slots) {
    if (!slot.active) continue;
    pid_t pid = fork();
    if (pid == 0) {
      execv(slot.argv[0], slot.argv.data());
      _exit(127);
    }
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
  _exit(128 + sig);
}

void install_handlers() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  struct sigaction sa {};
  sa.sa_handler = run_cleanups_and_exit;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&sa.sa_mask, sig);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

}  // namespace

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/sbin:/usr/bin:/bin";
  std::istringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

Result<ProcessRun> run_timed(const std::vector<std::string>& argv) {
  std::string program = find_program(argv.at(0));
  if (program.empty()) return err(argv[0] + ": not found in PATH");
  char stderr_path[] = "/tmp/xebec-bench-stderr-XXXXXX";
  int stderr_fd = mkstemp(stderr_path);
  if (stderr_fd < 0) return err(std::string("cannot create a temporary file: ") + std::strerror(errno));
  unlink(stderr_path);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, stderr_fd, STDERR_FILENO);

  auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    close(stderr_fd);
    return err("cannot start " + program + ": " + std::strerror(rc));
  }
  g_child = pid;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child = 0;
  ProcessRun run;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::string output;
  char buf[4096];
  lseek(stderr_fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(stderr_fd, buf, sizeof buf)) > 0;) output.append(buf, n);
  close(stderr_fd);
  run.error_output = tail(output, 2048);

  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string command;
    for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
    std::string how = WIFEXITED(status) ? "exited with " + std::to_string(WEXITSTATUS(status))
                                        : "killed by signal " + std::to_string(WTERMSIG(status));
    return err("`" + command + "` " + how + (run.error_output.empty() ? "" : ":\n" + run.error_output));
  }
  return run;
}

Result<std::unique_ptr<Daemon>> Daemon::start(const std::vector<std::string>& argv, const std::string& log) {
  const std::string program = argv.at(0).starts_with("/") ? argv[0] : find_program(argv[0]);
  if (program.empty()) return err(argv[0] + ": not found in PATH");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return err("cannot start " + program + ": " + std::strerror(rc));
  return std::unique_ptr<Daemon>(new Daemon(pid));
}

Daemon::~Daemon() {
  kill(pid_, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    usleep(100000);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

std::size_t Daemon::rss_bytes() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;  // "VmRSS:   1234 kB"
  return 0;
}

Result<std::string> run_output(const std::vector<std::string>& argv) {
  std::string program = find_program(argv.at(0));
  if (program.empty()) return err(argv[0] + ": not found in PATH");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return err(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return err("cannot start " + program + ": " + std::strerror(rc));
  }
  g_child = pid;
  std::string output;
  char buf[65536];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    output.append(buf, n);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return err(argv[0] + " failed");
  return output;
}

CleanupOnSignal::CleanupOnSignal(std::vector<std::string> argv) : slot_(-1) {
  install_handlers();
  for (std::size_t i = 0; i < g_slots.size(); ++i) {
    if (g_slots[i].active) continue;
    auto& slot = g_slots[i];
    slot.args = std::move(argv);
    slot.argv.clear();
    for (auto& a : slot.args) slot.argv.push_back(a.data());
    slot.argv.push_back(nullptr);
    slot.active = 1;
    slot_ = static_cast<int>(i);
    return;
  }
  throw std::logic_error("CleanupOnSignal: more than 16 registered");
}

CleanupOnSignal::~CleanupOnSignal() {
  if (slot_ >= 0) g_slots[slot_].active = 0;
}

}  // namespace xebec::bench
