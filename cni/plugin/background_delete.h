// Deleting a host-side veth after the plugin has returned. The kernel holds a link deletion
// for an RCU grace period (some 20 ms here, most of a reference plugin's DEL); DEL has cut the
// pod off and released its address, and the runtime need not wait for the rest.
#pragma once

#include <string>

namespace xebec::cni {

// Starts a detached process (no stdio, its own session) that deletes the link in this
// network namespace. The caller's DEL may return at once; an ADD that meets the link still
// there deletes it itself, and GC collects it if the process never ran.
void delete_in_background(const std::string& host_ifname);

}  // namespace xebec::cni
