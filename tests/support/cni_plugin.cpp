// Plugin runs: posix_spawn here, or fork, setns and exec into another namespace; pipes for the
// plugin's stdin and stdout.
#include "tests/support/cni_plugin.h"

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace xebec::testing {

nlohmann::json PluginRun::json() const {
  auto j = nlohmann::json::parse(output, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

namespace {

// Starts argv[0] with stdin and stdout on the given descriptors: posix_spawn (vfork and exec,
// as runtimes start plugins) in this namespace, or fork, setns and exec into another.
pid_t start(char* const argv[], char* const envp[], const std::string& netns, int in, int out) {
  if (netns.empty()) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO);
    pid_t pid = 0;
    int e = posix_spawn(&pid, argv[0], &actions, nullptr, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    if (e != 0) throw std::runtime_error(std::string("cannot start ") + argv[0] + ": " + std::strerror(e));
    return pid;
  }
  int ns = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0) throw std::runtime_error("no network namespace " + netns);
  pid_t pid = fork();
  if (pid == 0) {
    if (setns(ns, CLONE_NEWNET) != 0) _exit(126);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    execve(argv[0], argv, envp);
    _exit(127);
  }
  close(ns);
  if (pid < 0) throw std::runtime_error(std::string("cannot fork: ") + std::strerror(errno));
  return pid;
}

}  // namespace

PluginRun run_plugin(const std::string& binary, const std::string& netns, const std::map<std::string, std::string>& env,
                     const std::string& stdin_text) {
  std::vector<std::string> env_text;
  for (const auto& [k, v] : env) env_text.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string path = binary;
  char* argv[] = {path.data(), nullptr};

  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  // Configurations are small: written before the start, they fit the pipe.
  if (write(in[1], stdin_text.data(), stdin_text.size()) != static_cast<ssize_t>(stdin_text.size()))
    throw std::runtime_error("cannot write the configuration to the pipe");
  close(in[1]);
  pid_t pid = start(argv, envp.data(), netns, in[0], out[1]);
  close(in[0]);
  close(out[1]);
  PluginRun run;
  char buf[4096];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    run.output.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

}  // namespace xebec::testing
