// fork/exec of a delegate plugin with pipes for its stdin and stdout.
#include "cni/plugin/delegate.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

extern char** environ;

namespace xebec::cni {

namespace {

Result<std::string> find_plugin(const std::string& type, const Invocation& inv) {
  if (inv.path.empty()) return err("CNI_PATH is not set: cannot find IPAM plugin '" + type + "'", ErrorCode::kInvalid);
  std::string searched;
  for (const auto& dir : inv.path) {
    std::string candidate = dir + "/" + type;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    searched += (searched.empty() ? "" : ":") + dir;
  }
  return err("IPAM plugin '" + type + "' not found in CNI_PATH (" + searched + ")", ErrorCode::kInvalid);
}

ErrorCode error_code_of(int cni_code) {
  switch (cni_code) {
    case 6: return ErrorCode::kBadRequest;
    case 2:
    case 7: return ErrorCode::kInvalid;
    case 11: return ErrorCode::kUnavailable;
    case 3: return ErrorCode::kNotFound;
    default: return ErrorCode::kUnknown;
  }
}

// Writes all of `data` to fd while draining `out_fd` into `output`, so neither side can fill
// a pipe and wait for the other.
Status exchange(int in_fd, int out_fd, const std::string& data, std::string& output) {
  std::size_t written = 0;
  if (data.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  char buf[8192];
  while (true) {
    struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    if (poll(fds, in_fd >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      return err(std::string("poll: ") + strerror(errno));
    }
    if (in_fd >= 0 && fds[1].revents) {
      ssize_t n = write(in_fd, data.data() + written, data.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 || written == data.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
    if (fds[0].revents) {
      ssize_t n = read(out_fd, buf, sizeof buf);
      if (n > 0) {
        output.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        if (in_fd >= 0) close(in_fd);
        return {};
      }
    }
  }
}

}  // namespace

Result<std::string> run_delegate(const std::string& type, Command command, const Invocation& inv,
                                 const std::string& config) {
  auto path = find_plugin(type, inv);
  if (!path) return path.error();

  std::vector<std::string> env_text = {"CNI_COMMAND=" + std::string(command_name(command))};
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "CNI_COMMAND=", 12) != 0) env_text.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  char* argv[] = {path->data(), nullptr};

  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return err(std::string("pipe: ") + strerror(errno));
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return err(std::string("pipe: ") + strerror(errno));
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    execve(argv[0], argv, envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  if (pid < 0) {
    close(in[1]);
    close(out[0]);
    return err(std::string("fork: ") + strerror(errno));
  }
  std::string output;
  auto io = exchange(in[1], out[0], config, output);
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!io) return err("IPAM plugin " + type + ": " + io.error().message);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return output;

  auto e = nlohmann::json::parse(output, nullptr, false);
  if (e.is_object() && e.contains("msg") && e["msg"].is_string()) {
    int code = e.value("code", 0);
    std::string details =
        e.contains("details") && e["details"].is_string() ? ": " + e["details"].get<std::string>() : "";
    return err("IPAM plugin " + type + " " + std::string(command_name(command)) + " failed (code " +
                   std::to_string(code) + "): " + e["msg"].get<std::string>() + details,
               error_code_of(code));
  }
  std::string how = WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                      : "signal " + std::to_string(WTERMSIG(status));
  return err("IPAM plugin " + type + " " + std::string(command_name(command)) + " failed with " + how +
             (output.empty() ? "" : ": " + output));
}

Result<CniResult> delegate_add(const std::string& type, const Invocation& inv, const std::string& config) {
  auto output = run_delegate(type, Command::kAdd, inv, config);
  if (!output) return output.error();
  auto json = nlohmann::json::parse(*output, nullptr, false);
  if (json.is_discarded()) return err("IPAM plugin " + type + " printed no JSON result: " + *output);
  return parse_result(json, "the result of IPAM plugin " + type);
}

}  // namespace xebec::cni
