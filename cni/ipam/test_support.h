// What the tests share: a fresh directory for each test, and printers so that a failed
// comparison shows addresses and attachments.
#pragma once

#include <filesystem>
#include <ostream>
#include <set>
#include <string>

#include "cni/ipam/ipv4.h"
#include "cni/ipam/store.h"
#include "controlplane/server/temp_dir.h"

namespace xebec::cni::ipam {

inline std::ostream& operator<<(std::ostream& out, const Ipv4Address& a) { return out << a.str(); }
inline std::ostream& operator<<(std::ostream& out, const Attachment& a) {
  return out << a.container_id << "/" << a.ifname;
}

// The attachment marks of a network directory: the names in attachments/ but its model .empty.
inline std::set<std::string> marks_in(const std::string& network_dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(network_dir + "/attachments"))
    if (entry.path().filename() != ".empty") names.insert(entry.path().filename());
  return names;
}

using server::testing::TempDir;  // a directory of its own for each test, removed after it

}  // namespace xebec::cni::ipam
