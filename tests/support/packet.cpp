// Building Ethernet/IPv4/TCP|UDP frames byte by byte, and parsing and checksumming them back
// without trusting anything the frame says about itself.
#include "tests/support/packet.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace xebec::testing {

namespace {

void put16(Frame& f, std::size_t off, std::uint16_t v) {
  f[off] = v >> 8;
  f[off + 1] = v & 0xff;
}

void put32(Frame& f, std::size_t off, std::uint32_t v) {
  put16(f, off, v >> 16);
  put16(f, off + 2, v & 0xffff);
}

std::uint16_t get16(std::span<const std::uint8_t> f, std::size_t off) {
  return static_cast<std::uint16_t>(f[off] << 8 | f[off + 1]);
}

// Addresses are kept in network order: copy their bytes, do not convert them.
void put_addr(Frame& f, std::size_t off, std::uint32_t addr_be) { std::memcpy(&f[off], &addr_be, 4); }

std::uint32_t get_addr(std::span<const std::uint8_t> f, std::size_t off) {
  std::uint32_t addr_be;
  std::memcpy(&addr_be, &f[off], 4);
  return addr_be;
}

// The TCP/UDP pseudo-header (RFC 793 §3.1, RFC 768) as a partial sum, from the IPv4
// header at l3_off.
std::uint32_t pseudo_header_sum(std::span<const std::uint8_t> f, std::size_t l3_off, std::uint8_t proto,
                                std::size_t l4_len) {
  std::uint32_t sum = 0;
  for (std::size_t i = 12; i < 20; i += 2) sum += get16(f, l3_off + i);  // saddr, daddr
  return sum + proto + static_cast<std::uint32_t>(l4_len);
}

std::string hex16(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

}  // namespace

std::uint16_t inet_checksum(std::span<const std::uint8_t> data, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += get16(data, i);
  if (i < data.size()) sum += data[i] << 8;  // an odd last byte is padded with zero
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

Frame build(const PacketSpec& s) {
  Frame f(kEthHeaderLen);
  std::memcpy(&f[0], s.dst_mac, 6);
  std::memcpy(&f[6], s.src_mac, 6);
  put16(f, 12, s.ethertype);
  if (s.ethertype != kEtherTypeIpv4) {
    f.resize(kEthHeaderLen + s.payload.size());
    std::copy(s.payload.begin(), s.payload.end(), f.begin() + kEthHeaderLen);
    return f;
  }

  if (s.ip_options.size() % 4 || s.ip_options.size() > 40)
    throw std::invalid_argument("IPv4 options must be a multiple of 4 bytes, at most 40");
  const std::size_t l3 = kEthHeaderLen;
  const std::size_t ihl = kIpv4HeaderLen + s.ip_options.size();
  const std::size_t l4 = l3 + ihl;
  const std::size_t l4_header = s.proto == IPPROTO_TCP ? kTcpHeaderLen : s.proto == IPPROTO_UDP ? kUdpHeaderLen : 0;
  const std::size_t l4_len = l4_header + s.payload.size();
  f.resize(l4 + l4_len);

  f[l3] = 0x40 | static_cast<std::uint8_t>(ihl / 4);
  put16(f, l3 + 2, static_cast<std::uint16_t>(ihl + l4_len));
  put16(f, l3 + 4, s.ip_id);
  put16(f, l3 + 6, s.frag);
  f[l3 + 8] = s.ttl;
  f[l3 + 9] = s.proto;
  put_addr(f, l3 + 12, s.saddr);
  put_addr(f, l3 + 16, s.daddr);
  std::copy(s.ip_options.begin(), s.ip_options.end(), f.begin() + l3 + kIpv4HeaderLen);
  std::copy(s.payload.begin(), s.payload.end(), f.begin() + l4 + l4_header);
  fix_ipv4_checksum(f);

  if (s.proto == IPPROTO_TCP) {
    put16(f, l4, s.sport);
    put16(f, l4 + 2, s.dport);
    put32(f, l4 + 4, s.seq);
    put32(f, l4 + 8, s.ack_seq);
    f[l4 + 12] = (kTcpHeaderLen / 4) << 4;
    f[l4 + 13] = s.tcp_flags;
    put16(f, l4 + 14, s.window);
    auto segment = std::span<const std::uint8_t>(f).subspan(l4);
    put16(f, l4 + 16, inet_checksum(segment, pseudo_header_sum(f, l3, s.proto, l4_len)));
  } else if (s.proto == IPPROTO_UDP) {
    put16(f, l4, s.sport);
    put16(f, l4 + 2, s.dport);
    put16(f, l4 + 4, static_cast<std::uint16_t>(l4_len));
    if (s.udp_checksum) {
      auto segment = std::span<const std::uint8_t>(f).subspan(l4);
      std::uint16_t check = inet_checksum(segment, pseudo_header_sum(f, l3, s.proto, l4_len));
      put16(f, l4 + 6, check ? check : 0xffff);  // a computed 0 is sent as 0xffff (RFC 768)
    }
  }
  return f;
}

void fix_ipv4_checksum(Frame& f) {
  const std::size_t l3 = kEthHeaderLen;
  // A test may have made IHL claim more header than the frame holds: sum what is there.
  const std::size_t ihl = std::min<std::size_t>((f[l3] & 0x0f) * 4u, f.size() - l3);
  put16(f, l3 + 10, 0);
  put16(f, l3 + 10, inet_checksum(std::span<const std::uint8_t>(f).subspan(l3, ihl)));
}

Result<ParsedPacket> parse(std::span<const std::uint8_t> f) {
  ParsedPacket p;
  if (f.size() < kEthHeaderLen) return err("frame of " + std::to_string(f.size()) + " bytes: no Ethernet header");
  p.ethertype = get16(f, 12);
  if (p.ethertype != kEtherTypeIpv4) return err("ethertype " + hex16(p.ethertype) + " is not IPv4");
  p.l3_off = kEthHeaderLen;
  if (f.size() < p.l3_off + kIpv4HeaderLen) return err("frame ends inside the IPv4 header");
  if (f[p.l3_off] >> 4 != 4) return err("IP version " + std::to_string(f[p.l3_off] >> 4));
  p.ihl = f[p.l3_off] & 0x0f;
  p.tot_len = get16(f, p.l3_off + 2);
  p.frag = get16(f, p.l3_off + 6);
  p.proto = f[p.l3_off + 9];
  p.ip_check = get16(f, p.l3_off + 10);
  p.saddr = get_addr(f, p.l3_off + 12);
  p.daddr = get_addr(f, p.l3_off + 16);
  if (p.ihl < 5) return err("IHL " + std::to_string(p.ihl) + " is below 5");
  if (p.tot_len < p.ihl * 4u || f.size() < p.l3_off + p.tot_len)
    return err("IPv4 total length " + std::to_string(p.tot_len) + " does not fit a frame of " +
               std::to_string(f.size()) + " bytes");
  const bool has_l4 = (p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP) && !(p.frag & kIpOffsetMask);
  if (!has_l4) return p;

  p.l4_off = p.l3_off + p.ihl * 4u;
  const std::size_t l4_end = p.l3_off + p.tot_len;
  const std::size_t header = p.proto == IPPROTO_TCP ? kTcpHeaderLen : kUdpHeaderLen;
  if (l4_end < p.l4_off + header) return err("packet ends inside the " + std::string(p.proto == IPPROTO_TCP ? "TCP" : "UDP") + " header");
  p.sport = get16(f, p.l4_off);
  p.dport = get16(f, p.l4_off + 2);
  if (p.proto == IPPROTO_TCP) {
    p.tcp_flags = f[p.l4_off + 13];
    p.l4_check = get16(f, p.l4_off + 16);
  } else {
    p.l4_check = get16(f, p.l4_off + 6);
  }
  return p;
}

Status verify_checksums(std::span<const std::uint8_t> f) {
  auto p = parse(f);
  if (!p) return p.error();
  auto header = f.subspan(p->l3_off, p->ihl * 4u);
  if (inet_checksum(header) != 0) {
    Frame copy(header.begin(), header.end());
    copy[10] = copy[11] = 0;
    return err("IPv4 header checksum " + hex16(p->ip_check) + ", expected " + hex16(inet_checksum(copy)));
  }
  // A fragment's L4 checksum covers the reassembled datagram: nothing to check here.
  if (!p->l4_off || (p->frag & kIpMoreFragments)) return {};
  if (p->proto == IPPROTO_UDP && p->l4_check == 0) return {};

  const std::size_t l4_len = p->tot_len - p->ihl * 4u;
  auto segment = f.subspan(p->l4_off, l4_len);
  const std::uint32_t pseudo = pseudo_header_sum(f, p->l3_off, p->proto, l4_len);
  if (inet_checksum(segment, pseudo) == 0) return {};
  Frame copy(segment.begin(), segment.end());
  const std::size_t check_off = p->proto == IPPROTO_TCP ? 16 : 6;
  copy[check_off] = copy[check_off + 1] = 0;
  return err(std::string(p->proto == IPPROTO_TCP ? "TCP" : "UDP") + " checksum " + hex16(p->l4_check) +
             ", expected " + hex16(inet_checksum(copy, pseudo)));
}

std::uint32_t ipv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) throw std::invalid_argument("not an IPv4 address: " + text);
  return a.s_addr;
}

std::string hex(std::span<const std::uint8_t> f) {
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < f.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%02x", f[i]);
    out += buf;
    out += (i % 16 == 15 || i + 1 == f.size()) ? "\n" : " ";
  }
  return out;
}

}  // namespace xebec::testing
