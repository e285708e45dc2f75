// The NETLINK_ROUTE socket with kernel reasons, and conversions between our addresses and libnl's.
#include "cni/net/netlink.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>

namespace xebec::cni {

NlAddrPtr ipv4_address(in_addr ip, unsigned prefixlen) {
  NlAddrPtr a(allocated(nl_addr_build(AF_INET, &ip, sizeof ip)));
  nl_addr_set_prefixlen(a.get(), static_cast<int>(prefixlen));
  return a;
}

NlAddrPtr mac_address(const Mac& mac) { return NlAddrPtr(allocated(nl_addr_build(AF_LLC, mac.data(), mac.size()))); }

bool is_ipv4_address(const nl_addr* a, in_addr ip, unsigned prefixlen) {
  return a && nl_addr_get_family(a) == AF_INET && nl_addr_get_len(a) == sizeof ip &&
         nl_addr_get_prefixlen(a) == prefixlen && std::memcmp(nl_addr_get_binary_addr(a), &ip, sizeof ip) == 0;
}

bool is_mac_address(const nl_addr* a, const Mac& mac) {
  return a && nl_addr_get_len(a) == mac.size() && std::memcmp(nl_addr_get_binary_addr(a), mac.data(), mac.size()) == 0;
}

std::string to_string(in_addr ip) {
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &ip, buf, sizeof buf);
}

std::string to_string(const Mac& mac) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return buf;
}

Result<RouteSocket> RouteSocket::open() {
  std::unique_ptr<nl_sock, detail::NlPut<&nl_socket_free>> sock(allocated(nl_socket_alloc()));
  if (int rc = nl_connect(sock.get(), NETLINK_ROUTE); rc < 0)
    return err(std::string("cannot open a NETLINK_ROUTE socket: ") + nl_geterror(rc));
  // One recvmsg per answer, not a peek first: a buffer as large as the kernel's dump batches.
  nl_socket_disable_msg_peek(sock.get());
  nl_socket_set_msg_buf_size(sock.get(), 32768);
  // Failures carry the kernel's explanation, after the header of the failed request only.
  int one = 1;
  setsockopt(nl_socket_get_fd(sock.get()), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(nl_socket_get_fd(sock.get()), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  auto kernel = std::make_unique<KernelError>();
  nl_socket_modify_err_cb(sock.get(), NL_CB_CUSTOM, &RouteSocket::keep_kernel_error, kernel.get());
  return RouteSocket(sock.release(), std::move(kernel));
}

// libnl's error callback: keeps the errno and the extended-ack message, then lets libnl fail
// the request as it would have.
int RouteSocket::keep_kernel_error(sockaddr_nl*, nlmsgerr* e, void* arg) {
  auto* kernel = static_cast<KernelError*>(arg);
  kernel->errnum = -e->error;
  const auto* hdr = reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(e) - NLMSG_HDRLEN);
  if (hdr->nlmsg_flags & NLM_F_ACK_TLVS) {
    std::size_t offset = sizeof *e + (hdr->nlmsg_flags & NLM_F_CAPPED ? 0 : e->msg.nlmsg_len - NLMSG_HDRLEN);
    std::size_t total = hdr->nlmsg_len - NLMSG_HDRLEN;
    if (offset < total) {
      const auto* tlvs = reinterpret_cast<const nlattr*>(reinterpret_cast<const char*>(e) + offset);
      if (nlattr* msg = nla_find(tlvs, static_cast<int>(total - offset), NLMSGERR_ATTR_MSG))
        kernel->message = nla_get_string(msg);
    }
  }
  return NL_STOP;
}

NetlinkFailure RouteSocket::failure(int rc) const {
  if (kernel_->errnum == 0) return {0, nl_geterror(rc)};
  std::string reason = std::strerror(kernel_->errnum);
  if (!kernel_->message.empty()) reason += ": " + kernel_->message;
  return {kernel_->errnum, reason};
}

}  // namespace xebec::cni
