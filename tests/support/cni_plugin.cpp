// fork, setns, exec, with pipes for the plugin's stdin and stdout.
#include "tests/support/cni_plugin.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

namespace xebec::testing {

nlohmann::json PluginRun::json() const {
  auto j = nlohmann::json::parse(output, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

PluginRun run_plugin(const std::string& binary, const std::string& netns, const std::map<std::string, std::string>& env,
                     const std::string& stdin_text) {
  std::vector<std::string> env_text;
  for (const auto& [k, v] : env) env_text.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string path = binary;
  char* argv[] = {path.data(), nullptr};

  int ns = netns.empty() ? -1 : ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (!netns.empty() && ns < 0) throw std::runtime_error("no network namespace " + netns);
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid == 0) {
    if (ns >= 0 && setns(ns, CLONE_NEWNET) != 0) _exit(126);
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    execve(argv[0], argv, envp.data());
    _exit(127);
  }
  if (ns >= 0) close(ns);
  close(in[0]);
  close(out[1]);
  // Inputs are small: the write fits the pipe, so no reader thread is needed.
  (void)!write(in[1], stdin_text.data(), stdin_text.size());
  close(in[1]);
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
