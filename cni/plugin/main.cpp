// xebec-cni: the CNI plugin executable that runtimes run by name ("type": "xebec-cni").
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "cni/plugin/plugin.h"

int main() {
  std::signal(SIGPIPE, SIG_IGN);  // a delegate that exits early must not kill us mid-write
  std::string config{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  xebec::cni::XebecCni plugin;
  return xebec::cni::run(
      plugin, config, [](const char* name) { return std::getenv(name); }, std::cout);
}
