// xebec-ipam: the IPAM plugin executable ("ipam": {"type": "xebec-ipam"}).
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "cni/ipam/command.h"

int main() {
  std::string config{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  xebec::cni::ipam::IpamPlugin plugin;
  return xebec::cni::run(
      plugin, config, [](const char* name) { return std::getenv(name); }, std::cout);
}
