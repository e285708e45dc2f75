// libnl for the CNI plugin: owning pointers for libnl objects, libnl addresses built from ours,
// and a NETLINK_ROUTE socket that keeps the kernel's reason when a request fails.
#pragma once

#include <netinet/in.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include <array>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include "common/result.h"

namespace xebec::cni {

namespace detail {
template <auto Put>
struct NlPut {
  template <typename T>
  void operator()(T* p) const {
    Put(p);
  }
};
}  // namespace detail

// One reference to a libnl object, dropped with the object's own put (or free) function.
using NlAddrPtr = std::unique_ptr<nl_addr, detail::NlPut<&nl_addr_put>>;
using NlCachePtr = std::unique_ptr<nl_cache, detail::NlPut<&nl_cache_free>>;
using LinkPtr = std::unique_ptr<rtnl_link, detail::NlPut<&rtnl_link_put>>;
using AddrPtr = std::unique_ptr<rtnl_addr, detail::NlPut<&rtnl_addr_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, detail::NlPut<&rtnl_route_put>>;
using NeighPtr = std::unique_ptr<rtnl_neigh, detail::NlPut<&rtnl_neigh_put>>;

using Mac = std::array<unsigned char, 6>;

// libnl allocations fail only when memory runs out: then as the standard library does.
template <typename T>
T* allocated(T* p) {
  if (!p) throw std::bad_alloc();
  return p;
}

// `ip`/`prefixlen` and a MAC address as libnl addresses.
NlAddrPtr ipv4_address(in_addr ip, unsigned prefixlen);
NlAddrPtr mac_address(const Mac& mac);
// Whether `a` is exactly `ip`/`prefixlen`, or exactly `mac`.
bool is_ipv4_address(const nl_addr* a, in_addr ip, unsigned prefixlen);
bool is_mac_address(const nl_addr* a, const Mac& mac);

// "10.244.1.5", "ee:ee:ee:ee:ee:ee".
std::string to_string(in_addr ip);
std::string to_string(const Mac& mac);

// Why a request failed: the kernel's errno (0 when libnl failed before the kernel answered)
// and the reason in words, with the kernel's extended-ack message when it sent one.
struct NetlinkFailure {
  int errnum = 0;
  std::string reason;
};

// A NETLINK_ROUTE socket, bound for its whole life to the network namespace of the thread
// that opened it: requests act there whichever namespace the thread is in later. Owns the
// socket; movable; not thread-safe.
class RouteSocket {
 public:
  static Result<RouteSocket> open();

  // Runs op(socket), one or more libnl calls answering with a libnl return code; nullopt
  // when it succeeded.
  template <typename Op>
  std::optional<NetlinkFailure> request(Op op) {
    *kernel_ = KernelError{};
    int rc = op(sock_.get());
    if (rc >= 0) return std::nullopt;
    return failure(rc);
  }

 private:
  struct KernelError {
    int errnum = 0;
    std::string message;  // NLMSGERR_ATTR_MSG
  };
  static int keep_kernel_error(sockaddr_nl*, nlmsgerr* e, void* arg);
  RouteSocket(nl_sock* sock, std::unique_ptr<KernelError> kernel) : sock_(sock), kernel_(std::move(kernel)) {}
  NetlinkFailure failure(int rc) const;

  std::unique_ptr<nl_sock, detail::NlPut<&nl_socket_free>> sock_;
  std::unique_ptr<KernelError> kernel_;  // written by libnl's error callback: its address must not move
};

}  // namespace xebec::cni
