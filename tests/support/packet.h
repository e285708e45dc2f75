// A small packet builder and checker for BPF_PROG_TEST_RUN tests and benchmarks: Ethernet +
// IPv4 (+ options) + TCP/UDP frames with correct checksums, parsed back and verified from scratch.
#pragma once

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace xebec::testing {

using Frame = std::vector<std::uint8_t>;

inline constexpr std::size_t kEthHeaderLen = 14;
inline constexpr std::size_t kIpv4HeaderLen = 20;  // without options
inline constexpr std::size_t kTcpHeaderLen = 20;   // without options
inline constexpr std::size_t kUdpHeaderLen = 8;

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;

// TCP flag bits (the 14th byte of the TCP header).
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;

// IPv4 frag_off bits (host order).
inline constexpr std::uint16_t kIpDontFragment = 0x4000;
inline constexpr std::uint16_t kIpMoreFragments = 0x2000;
inline constexpr std::uint16_t kIpOffsetMask = 0x1fff;  // in 8-byte units

// What to build. Addresses are in network order, as the maps and dataplane::Endpoint keep
// them (use ipv4("10.96.0.10")); ports and every other number are in host order.
struct PacketSpec {
  std::uint8_t dst_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
  std::uint8_t src_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
  std::uint16_t ethertype = kEtherTypeIpv4;  // anything but IPv4: `payload` follows Ethernet
  std::uint32_t saddr = 0;                   // network order
  std::uint32_t daddr = 0;                   // network order
  std::uint8_t proto = IPPROTO_TCP;          // not TCP/UDP: `payload` follows the IPv4 header
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint8_t tcp_flags = kTcpSyn;
  std::uint32_t seq = 1;
  std::uint32_t ack_seq = 0;
  std::uint16_t window = 65535;
  std::vector<std::uint8_t> ip_options;  // appended to the IPv4 header; length a multiple of 4
  std::uint16_t frag = 0;                // IPv4 flags and fragment offset, host order
  std::uint16_t ip_id = 1;
  std::uint8_t ttl = 64;
  bool udp_checksum = true;  // false: UDP checksum 0 ("none", RFC 768)
  std::vector<std::uint8_t> payload;
};

// The frame `spec` describes, every checksum computed.
Frame build(const PacketSpec& spec);

// A frame parsed back into the fields the load-balancer reads and rewrites.
struct ParsedPacket {
  std::uint16_t ethertype = 0;
  std::size_t l3_off = 0;
  std::size_t l4_off = 0;  // 0 when not TCP/UDP
  std::uint8_t ihl = 0;    // header length in 32-bit words
  std::uint16_t tot_len = 0;
  std::uint16_t frag = 0;
  std::uint8_t proto = 0;
  std::uint32_t saddr = 0;  // network order
  std::uint32_t daddr = 0;  // network order
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint8_t tcp_flags = 0;
  std::uint16_t ip_check = 0;  // as carried
  std::uint16_t l4_check = 0;  // as carried
};

// Fails, saying why, unless the frame is a whole IPv4 packet (TCP/UDP headers complete if
// it is TCP/UDP and not a non-first fragment).
Result<ParsedPacket> parse(std::span<const std::uint8_t> frame);

// RFC 1071 Internet checksum of `data`, `sum` being a partial 32-bit sum to start from.
std::uint16_t inet_checksum(std::span<const std::uint8_t> data, std::uint32_t sum = 0);

// Recomputes the IPv4 header checksum and, for TCP/UDP, the L4 checksum over pseudo-header,
// header and payload, and fails naming the first one that is wrong. A UDP checksum of 0
// means "none" and passes (check ParsedPacket::l4_check where that matters).
Status verify_checksums(std::span<const std::uint8_t> frame);

// Rewrites the IPv4 header checksum of a frame after a test edited the header by hand. The
// frame must hold at least the 12 bytes of IPv4 header up to the checksum.
void fix_ipv4_checksum(Frame& frame);

// "10.96.0.10" in network order; throws on a malformed address (test code only).
std::uint32_t ipv4(const std::string& text);

// A readable dump of a frame for failure messages: hex, 16 bytes a line.
std::string hex(std::span<const std::uint8_t> frame);

}  // namespace xebec::testing
