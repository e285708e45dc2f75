// A double fork, so the deleting process is neither our child nor holding the runtime's pipes.
#include "cni/plugin/background_delete.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni/net/pod_link.h"

namespace xebec::cni {

void delete_in_background(const std::string& host_ifname) {
  pid_t child = fork();
  if (child < 0) {
    (void)delete_host_link(host_ifname);  // no process to spare: delete it here
    return;
  }
  if (child == 0) {
    setsid();
    int null = open("/dev/null", O_RDWR);
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) dup2(null, fd);
    if (fork() == 0) _exit(delete_host_link(host_ifname) ? 0 : 1);
    _exit(0);
  }
  while (waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace xebec::cni
