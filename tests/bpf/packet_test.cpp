// Packet tests of the load-balancer's BPF programs (bpf/lb.bpf.c), run through BPF_PROG_TEST_RUN
// against the programs loaded into this kernel: tables of {packet in, verdict, packet out}.
//
// Each TEST_CASE has its own BpfInstance: set up the maps through the real dataplane
// (BpfLoadBalancer::apply), then feed frames built by tests/support/packet.h to from_pod,
// to_pod, from_uplink, to_uplink and xdp_uplink. Rows of a table run in order and share the
// instance's conntrack, so a table can open a flow and then send its reply. BPF_PROG_TEST_RUN
// builds an skb or xdp_buff from the bytes, runs the program once and copies the packet back;
// nothing is ever sent.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "bpf/api/lb.h"
#include "dataplane/address.h"
#include "dataplane/service.h"
#include "dataplane/stats.h"
#include "lb.skel.h"
#include "tests/support/bpf_instance.h"
#include "tests/support/packet.h"

namespace xebec::testing {
namespace {

using dataplane::Algorithm;
using dataplane::ServiceSpec;

// ---------------------------------------------------------------------------------------------
// Programs, verdicts and one test run.

enum class Prog { kFromPod, kToPod, kFromUplink, kToUplink, kXdpUplink };
constexpr Prog kAllProgs[] = {Prog::kFromPod, Prog::kToPod, Prog::kFromUplink, Prog::kToUplink,
                              Prog::kXdpUplink};

const char* prog_name(Prog p) {
  switch (p) {
    case Prog::kFromPod: return "from_pod";
    case Prog::kToPod: return "to_pod";
    case Prog::kFromUplink: return "from_uplink";
    case Prog::kToUplink: return "to_uplink";
    case Prog::kXdpUplink: return "xdp_uplink";
  }
  return "?";
}

const bpf_program* program(BpfInstance& inst, Prog p) {
  const auto& progs = inst.object().skel()->progs;
  switch (p) {
    case Prog::kFromPod: return progs.from_pod;
    case Prog::kToPod: return progs.to_pod;
    case Prog::kFromUplink: return progs.from_uplink;
    case Prog::kToUplink: return progs.to_uplink;
    case Prog::kXdpUplink: return progs.xdp_uplink;
  }
  return nullptr;
}

enum class Verdict { kPass, kDrop };

// tc and XDP spell "pass" and "drop" differently (TC_ACT_OK 0 / TC_ACT_SHOT 2, XDP_PASS 2 /
// XDP_DROP 1): rows say what they mean, this says what the program must return.
std::uint32_t verdict_code(Prog p, Verdict v) {
  if (p == Prog::kXdpUplink) return v == Verdict::kPass ? XDP_PASS : XDP_DROP;
  return v == Verdict::kPass ? TC_ACT_OK : TC_ACT_SHOT;
}

struct RunResult {
  int error = 0;  // errno of a refused BPF_PROG_TEST_RUN, else 0
  std::uint32_t retval = 0;
  Frame out;
};

RunResult run(BpfInstance& inst, Prog prog, const Frame& in) {
  RunResult r;
  r.out.resize(in.size() + 256);  // the programs never grow a packet; room to see it if one did
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(), .data_out = r.out.data(),
              .data_size_in = static_cast<__u32>(in.size()), .data_size_out = static_cast<__u32>(r.out.size()));
  if (bpf_prog_test_run_opts(bpf_program__fd(program(inst, prog)), &opts) < 0) {
    r.error = errno;
    r.out.clear();
    return r;
  }
  r.retval = opts.retval;
  r.out.resize(opts.data_size_out);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Packets.

// An IPv4 address (network order) and a port (host order).
struct Addr {
  std::uint32_t ip = 0;
  std::uint16_t port = 0;
  auto operator<=>(const Addr&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Addr& a) {
  return os << dataplane::format_ipv4(a.ip) << ":" << a.port;
}

Addr at(const std::string& ip, std::uint16_t port) { return {ipv4(ip), port}; }

Addr addr_of(const dataplane::Endpoint& e) { return {e.address_be, ntohs(e.port_be)}; }

PacketSpec tcp(Addr src, Addr dst, std::uint8_t flags, const std::string& payload = "") {
  PacketSpec s;
  s.saddr = src.ip;
  s.sport = src.port;
  s.daddr = dst.ip;
  s.dport = dst.port;
  s.proto = IPPROTO_TCP;
  s.tcp_flags = flags;
  s.payload.assign(payload.begin(), payload.end());
  return s;
}

PacketSpec udp(Addr src, Addr dst, const std::string& payload = "query") {
  PacketSpec s = tcp(src, dst, 0, payload);
  s.proto = IPPROTO_UDP;
  return s;
}

PacketSpec icmp_echo(Addr src, Addr dst) {
  PacketSpec s = tcp(src, dst, 0);
  s.proto = IPPROTO_ICMP;
  s.payload = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g'};
  const std::uint16_t check = inet_checksum(s.payload);
  s.payload[2] = check >> 8;
  s.payload[3] = check & 0xff;
  return s;
}

// The packet as it must leave after DNAT to `backend`: only the destination differs.
PacketSpec dnated(PacketSpec s, Addr backend) {
  s.daddr = backend.ip;
  s.dport = backend.port;
  return s;
}

// The packet as it must leave after reverse NAT to `frontend`: only the source differs.
PacketSpec rnated(PacketSpec s, Addr frontend) {
  s.saddr = frontend.ip;
  s.sport = frontend.port;
  return s;
}

PacketSpec with_options(PacketSpec s, std::vector<std::uint8_t> options) {
  s.ip_options = std::move(options);
  return s;
}

PacketSpec with_frag(PacketSpec s, std::uint16_t frag) {
  s.frag = frag;
  return s;
}

PacketSpec without_udp_checksum(PacketSpec s) {
  s.udp_checksum = false;
  return s;
}

// A payload that makes the UDP checksum of `translated` compute to 0, so it must be carried
// as 0xffff (RFC 768): the last two bytes are the complement of the sum of everything else.
std::vector<std::uint8_t> payload_for_zero_udp_checksum(PacketSpec translated) {
  translated.payload = {'z', 'e', 'r', 'o', 0, 0};
  const std::uint16_t check = parse(build(translated))->l4_check;
  translated.payload[4] = check >> 8;
  translated.payload[5] = check & 0xff;
  return translated.payload;
}

std::uint16_t get16(const Frame& f, std::size_t off) { return static_cast<std::uint16_t>(f[off] << 8 | f[off + 1]); }

void set16(Frame& f, std::size_t off, std::uint16_t v) {
  f[off] = v >> 8;
  f[off + 1] = v & 0xff;
}

// Offsets into a frame without IP options, for hand-made malformations.
constexpr std::size_t kL3 = kEthHeaderLen;
constexpr std::size_t kL4 = kEthHeaderLen + kIpv4HeaderLen;

// ---------------------------------------------------------------------------------------------
// Tables.

inline constexpr std::nullopt_t kUnchanged = std::nullopt;

struct Row {
  std::string what;
  Prog prog;
  Frame in;
  Verdict verdict;
  std::optional<Frame> out;  // the exact frame expected out; kUnchanged: `in`, byte for byte
};

// Runs the rows in order. A rewritten packet must equal the expected frame byte for byte (the
// builder computed its checksums from scratch) and pass verify_checksums on its own.
void run_table(BpfInstance& inst, const std::vector<Row>& rows) {
  for (const auto& row : rows) {
    INFO(prog_name(row.prog) << ": " << row.what);
    const RunResult r = run(inst, row.prog, row.in);
    CHECK(r.error == 0);
    CHECK(r.retval == verdict_code(row.prog, row.verdict));
    const Frame& want = row.out ? *row.out : row.in;
    const bool same_bytes = r.out == want;
    INFO("in:\n" << hex(row.in) << "out:\n" << hex(r.out) << "expected:\n" << hex(want));
    CHECK(same_bytes);
    if (row.out) {
      const Status sums = verify_checksums(r.out);
      INFO((sums ? std::string("checksums right") : sums.error().message));
      CHECK(sums.ok());
    }
  }
}

// The same cases through every program, each expected to pass untouched.
std::vector<Row> unchanged_everywhere(const std::vector<std::pair<std::string, Frame>>& cases) {
  std::vector<Row> rows;
  for (Prog p : kAllProgs)
    for (const auto& [what, frame] : cases) rows.push_back({what, p, frame, Verdict::kPass, kUnchanged});
  return rows;
}

// One packet that must pass; returns what came out.
Frame pass_through(BpfInstance& inst, Prog prog, const Frame& in) {
  const RunResult r = run(inst, prog, in);
  REQUIRE(r.error == 0);
  REQUIRE(r.retval == verdict_code(prog, Verdict::kPass));
  return r.out;
}

// Sends `in` and returns where it was DNATed to, having checked that nothing but the
// destination changed and that every checksum is right.
Addr dnat_target(BpfInstance& inst, Prog prog, const PacketSpec& in) {
  const Frame out = pass_through(inst, prog, build(in));
  const auto parsed = parse(out);
  REQUIRE(parsed.ok());
  const Addr dst{parsed->daddr, parsed->dport};
  INFO("DNATed to " << dst << "\nout:\n" << hex(out));
  const Status sums = verify_checksums(out);
  INFO((sums ? std::string("checksums right") : sums.error().message));
  CHECK(sums.ok());
  CHECK(out == build(dnated(in, dst)));
  return dst;
}

// ---------------------------------------------------------------------------------------------
// Setup through the dataplane, and reading what the datapath recorded.

ServiceSpec service(const std::string& frontend, const std::vector<std::string>& backends) {
  ServiceSpec s;
  auto f = dataplane::parse_frontend(frontend);
  REQUIRE(f.ok());
  s.frontend = *f;
  for (const auto& b : backends) {
    auto e = dataplane::parse_endpoint(b);
    REQUIRE(e.ok());
    s.backends.push_back(*e);
  }
  return s;
}

void apply(BpfInstance& inst, const std::vector<ServiceSpec>& specs) {
  auto done = inst.lb().apply(specs, false);
  INFO((done ? std::string("applied") : done.error().message));
  REQUIRE(done.ok());
}

dataplane::ServiceRecord record_of(BpfInstance& inst, const std::string& frontend) {
  auto f = dataplane::parse_frontend(frontend);
  REQUIRE(f.ok());
  auto all = inst.lb().services();
  REQUIRE(all.ok());
  for (const auto& r : *all)
    if (r.spec.frontend == *f) return r;
  FAIL("service " << frontend << " is not in the maps");
  return {};
}

std::set<Addr> backends_of(const ServiceSpec& s) {
  std::set<Addr> out;
  for (const auto& b : s.backends) out.insert(addr_of(b));
  return out;
}

// A NodePort is served on the addresses in lb4_node_addrs (user space fills it on attach).
void add_node_address(BpfInstance& inst, const std::string& ip) {
  const __be32 key = ipv4(ip);
  const __u32 ifindex = 1;
  REQUIRE(bpf_map_update_elem(bpf_map__fd(inst.object().skel()->maps.lb4_node_addrs), &key, &ifindex, BPF_ANY) == 0);
}

// The counters as `xebec bpf stats` reads them (dataplane/stats.h), summed over CPUs.
dataplane::Counters counters(BpfInstance& inst, const std::vector<std::uint32_t>& service_ids = {}) {
  auto c = dataplane::read_counters(inst.object(), service_ids);
  INFO((c ? std::string("read") : c.error().message));
  REQUIRE(c.ok());
  return *c;
}

std::uint64_t global_counter(BpfInstance& inst, xebec_counter c) { return counters(inst).global[c]; }

service_stats service_counters(BpfInstance& inst, std::uint32_t service_id) {
  return counters(inst, {service_id}).per_service.at(service_id);
}

// Forgets every flow, as an agent restart with a fresh map or LRU eviction would.
void clear_conntrack(BpfInstance& inst) {
  const int fd = bpf_map__fd(inst.object().skel()->maps.lb4_ct);
  ct4_key key{};
  while (bpf_map_get_next_key(fd, nullptr, &key) == 0) REQUIRE(bpf_map_delete_elem(fd, &key) == 0);
}

// flow_hash() of bpf/lib/lb.h, to find the Maglev slot a flow must land on. If the two ever
// differ, the Maglev test fails rather than user space and datapath silently disagreeing.
std::uint32_t flow_hash(const ct4_key& t) {
  std::uint64_t h = (static_cast<std::uint64_t>(t.saddr) << 32 | t.daddr) ^
                    (static_cast<std::uint64_t>(t.sport) << 24 | static_cast<std::uint64_t>(t.dport) << 8 | t.proto);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return static_cast<std::uint32_t>(h);
}

ct4_key tuple_of(const PacketSpec& s) {
  ct4_key k{};
  k.saddr = s.saddr;
  k.daddr = s.daddr;
  k.sport = htons(s.sport);
  k.dport = htons(s.dport);
  k.proto = s.proto;
  return k;
}

// ---------------------------------------------------------------------------------------------
// The builder itself.

TEST_CASE("packet builder: frames match scapy's byte for byte and checksums verify", "[packet]") {
  // Reference frames generated with scapy, from Katran's katran/lib/testing fixtures:
  // Ether(src="0x1", dst="0x2")/IP(src="192.168.1.1", dst="10.200.1.1")/UDP(sport=31337, dport=80)/"katran test pkt"
  const Frame scapy_udp = {
      0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x45, 0x00, 0x00, 0x2b, 0x00,
      0x01, 0x00, 0x00, 0x40, 0x11, 0xad, 0x4f, 0xc0, 0xa8, 0x01, 0x01, 0x0a, 0xc8, 0x01, 0x01, 0x7a, 0x69, 0x00, 0x50,
      0x00, 0x17, 0x97, 0xde, 0x6b, 0x61, 0x74, 0x72, 0x61, 0x6e, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x70, 0x6b, 0x74};
  // ... /TCP(sport=31337, dport=80, flags="A")/"katran test pkt"
  const Frame scapy_tcp = {
      0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x45, 0x00, 0x00, 0x37,
      0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0xad, 0x4e, 0xc0, 0xa8, 0x01, 0x01, 0x0a, 0xc8, 0x01, 0x01, 0x7a, 0x69,
      0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0x10, 0x20, 0x00, 0x27, 0xe4, 0x00, 0x00,
      0x6b, 0x61, 0x74, 0x72, 0x61, 0x6e, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x70, 0x6b, 0x74};

  auto katran = [](PacketSpec s) {
    const std::uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0}, src[6] = {0x01, 0, 0, 0, 0, 0};
    std::copy(dst, dst + 6, s.dst_mac);
    std::copy(src, src + 6, s.src_mac);
    s.seq = 0;
    s.window = 8192;
    return s;
  };
  const PacketSpec u = katran(udp(at("192.168.1.1", 31337), at("10.200.1.1", 80), "katran test pkt"));
  const PacketSpec t = katran(tcp(at("192.168.1.1", 31337), at("10.200.1.1", 80), kTcpAck, "katran test pkt"));
  CHECK(build(u) == scapy_udp);
  CHECK(build(t) == scapy_tcp);
  CHECK(verify_checksums(scapy_udp).ok());
  CHECK(verify_checksums(scapy_tcp).ok());

  SECTION("parse gives back the spec's fields") {
    auto p = parse(build(with_options(t, {1, 1, 1, 0})));
    REQUIRE(p.ok());
    CHECK(p->ihl == 6);
    CHECK(p->l4_off == kEthHeaderLen + 24);
    CHECK(p->saddr == t.saddr);
    CHECK(p->daddr == t.daddr);
    CHECK(p->sport == 31337);
    CHECK(p->dport == 80);
    CHECK(p->proto == IPPROTO_TCP);
    CHECK(p->tcp_flags == kTcpAck);
    CHECK(verify_checksums(build(with_options(t, {1, 1, 1, 0}))).ok());
  }
  SECTION("a wrong checksum anywhere is caught and named") {
    Frame bad_l4 = scapy_tcp;
    bad_l4.back() ^= 0x01;
    auto e = verify_checksums(bad_l4);
    REQUIRE_FALSE(e.ok());
    // the last byte sits in the high half of a padded 16-bit word: the sum moves by 0x0100
    CHECK(e.error().message == "TCP checksum 0x27e4, expected 0x26e4");
    Frame bad_ip = scapy_udp;
    bad_ip[kL3 + 8] = 63;  // TTL, without fixing the header checksum
    REQUIRE_FALSE(verify_checksums(bad_ip).ok());
    CHECK(verify_checksums(bad_ip).error().message.starts_with("IPv4 header checksum"));
    Frame bad_udp = scapy_udp;
    bad_udp[kL4 + 1] ^= 0x01;  // source port
    REQUIRE_FALSE(verify_checksums(bad_udp).ok());
    CHECK(verify_checksums(bad_udp).error().message.starts_with("UDP checksum"));
  }
  SECTION("UDP without checksum carries 0 and verifies") {
    const Frame f = build(without_udp_checksum(u));
    CHECK(get16(f, kL4 + 6) == 0);
    CHECK(verify_checksums(f).ok());
  }
  SECTION("a UDP checksum that computes to 0 is sent as 0xffff") {
    PacketSpec z = u;
    z.payload = payload_for_zero_udp_checksum(z);
    const Frame f = build(z);
    CHECK(get16(f, kL4 + 6) == 0xffff);
    CHECK(verify_checksums(f).ok());
  }
  SECTION("truncated frames do not parse") {
    CHECK_FALSE(parse(Frame(scapy_tcp.begin(), scapy_tcp.begin() + 13)).ok());
    CHECK_FALSE(parse(Frame(scapy_tcp.begin(), scapy_tcp.begin() + 30)).ok());
    CHECK_FALSE(parse(Frame(scapy_tcp.begin(), scapy_tcp.end() - 1)).ok());
  }
}

// ---------------------------------------------------------------------------------------------
// Translation.

TEST_CASE("ClusterIP TCP and UDP are DNATed to the backend and replies get the VIP back", "[bpf][packet]") {
  BpfInstance inst("pkt");
  apply(inst, {service("10.96.0.10:80/tcp", {"10.244.1.10:8080"}), service("10.96.0.11:53/udp", {"10.244.1.11:5353"})});
  const Addr vip_tcp = at("10.96.0.10", 80), be_tcp = at("10.244.1.10", 8080);
  const Addr vip_udp = at("10.96.0.11", 53), be_udp = at("10.244.1.11", 5353);
  const Addr pod = at("10.244.2.20", 40000), remote = at("10.244.3.30", 41000);

  const PacketSpec syn = tcp(pod, vip_tcp, kTcpSyn);
  const PacketSpec data = tcp(pod, vip_tcp, kTcpAck | kTcpPsh, "GET / HTTP/1.1\r\n\r\n");
  const PacketSpec synack = tcp(be_tcp, pod, kTcpSyn | kTcpAck);
  const PacketSpec query = udp(pod, vip_udp, "dns?");
  const PacketSpec answer = udp(be_udp, pod, "dns!");
  const PacketSpec nocsum = without_udp_checksum(udp(at("10.244.2.20", 40001), vip_udp));
  const PacketSpec nocsum_answer = without_udp_checksum(udp(be_udp, at("10.244.2.20", 40001)));
  PacketSpec zero = udp(at("10.244.2.20", 40002), vip_udp);
  zero.payload = payload_for_zero_udp_checksum(dnated(zero, be_udp));
  REQUIRE(get16(build(dnated(zero, be_udp)), kL4 + 6) == 0xffff);  // the row below tests what it says
  const PacketSpec remote_syn = tcp(remote, vip_tcp, kTcpSyn);
  const PacketSpec remote_synack = tcp(be_tcp, remote, kTcpSyn | kTcpAck);
  const PacketSpec xdp_syn = tcp(at("10.244.3.30", 41001), vip_tcp, kTcpSyn);
  const PacketSpec xdp_query = udp(at("10.244.3.30", 41002), vip_udp);
  const PacketSpec xdp_nocsum = without_udp_checksum(udp(at("10.244.3.30", 41003), vip_udp));
  PacketSpec xdp_zero = udp(at("10.244.3.30", 41004), vip_udp);
  xdp_zero.payload = payload_for_zero_udp_checksum(dnated(xdp_zero, be_udp));

  run_table(inst, {
      {"TCP SYN to the VIP goes to the backend", Prog::kFromPod, build(syn), Verdict::kPass, build(dnated(syn, be_tcp))},
      {"a later segment of the flow follows", Prog::kFromPod, build(data), Verdict::kPass, build(dnated(data, be_tcp))},
      {"the backend's SYN-ACK reaches the client from the VIP", Prog::kToPod, build(synack), Verdict::kPass,
       build(rnated(synack, vip_tcp))},
      // Each hook acts only in its directions. A reply crossing a forward-only hook (from_pod,
      // from_uplink, xdp_uplink) is left for the egress hooks, to_pod and to_uplink: rewritten
      // before routing, a NodePort reply would leave with a node address and be dropped as
      // martian. The egress hooks never DNAT.
      {"the reply leaving the backend pod is left for the egress hooks", Prog::kFromPod, build(synack),
       Verdict::kPass, kUnchanged},
      {"a tracked reply arriving on the uplink is left alone", Prog::kFromUplink, build(synack), Verdict::kPass,
       kUnchanged},
      {"a tracked reply arriving on the uplink is left alone", Prog::kXdpUplink, build(synack), Verdict::kPass,
       kUnchanged},
      {"a tracked forward packet at to_pod is not DNATed", Prog::kToPod, build(data), Verdict::kPass, kUnchanged},
      {"a tracked forward packet at to_uplink is not DNATed", Prog::kToUplink, build(data), Verdict::kPass, kUnchanged},
      {"UDP to the VIP goes to the backend", Prog::kFromPod, build(query), Verdict::kPass, build(dnated(query, be_udp))},
      {"the UDP answer comes from the VIP", Prog::kToPod, build(answer), Verdict::kPass, build(rnated(answer, vip_udp))},
      {"UDP without checksum is DNATed and keeps checksum 0", Prog::kFromPod, build(nocsum), Verdict::kPass,
       build(dnated(nocsum, be_udp))},
      {"its answer is reverse-NATed and keeps checksum 0", Prog::kToPod, build(nocsum_answer), Verdict::kPass,
       build(rnated(nocsum_answer, vip_udp))},
      {"UDP whose new checksum computes to 0 carries 0xffff", Prog::kFromPod, build(zero), Verdict::kPass,
       build(dnated(zero, be_udp))},
      {"ClusterIP TCP arriving on the uplink (tc)", Prog::kFromUplink, build(remote_syn), Verdict::kPass,
       build(dnated(remote_syn, be_tcp))},
      {"its reply leaving by the uplink comes from the VIP", Prog::kToUplink, build(remote_synack), Verdict::kPass,
       build(rnated(remote_synack, vip_tcp))},
      {"ClusterIP TCP arriving on the uplink (XDP)", Prog::kXdpUplink, build(xdp_syn), Verdict::kPass,
       build(dnated(xdp_syn, be_tcp))},
      {"ClusterIP UDP arriving on the uplink (XDP)", Prog::kXdpUplink, build(xdp_query), Verdict::kPass,
       build(dnated(xdp_query, be_udp))},
      {"UDP without checksum through XDP keeps checksum 0", Prog::kXdpUplink, build(xdp_nocsum), Verdict::kPass,
       build(dnated(xdp_nocsum, be_udp))},
      {"UDP whose new checksum computes to 0 carries 0xffff (XDP)", Prog::kXdpUplink, build(xdp_zero),
       Verdict::kPass, build(dnated(xdp_zero, be_udp))},
  });
}

TEST_CASE("new flows are DNATed to one of the service's backends, everything else intact", "[bpf][packet]") {
  BpfInstance inst("pkt");
  const ServiceSpec web = service("10.96.0.12:80/tcp", {"10.244.1.1:8080", "10.244.1.2:8080", "10.244.1.3:8081"});
  const ServiceSpec dns = service("10.96.0.13:53/udp", {"10.244.1.4:53", "10.244.1.5:5353", "10.244.1.6:53"});
  apply(inst, {web, dns});

  for (Prog prog : {Prog::kFromPod, Prog::kFromUplink, Prog::kXdpUplink}) {
    for (std::uint16_t i = 0; i < 20; ++i) {
      INFO(prog_name(prog) << " flow " << i);
      const Addr client = at("10.244.2.20", static_cast<std::uint16_t>(30000 + i));
      CHECK(backends_of(web).contains(dnat_target(inst, prog, tcp(client, at("10.96.0.12", 80), kTcpSyn, "x"))));
      CHECK(backends_of(dns).contains(dnat_target(inst, prog, udp(client, at("10.96.0.13", 53)))));
    }
  }
}

TEST_CASE("traffic not addressed to a frontend passes unchanged", "[bpf][packet]") {
  BpfInstance inst("pkt");
  apply(inst, {service("10.96.0.10:80/tcp", {"10.244.1.10:8080"}), service("10.96.0.11:53/udp", {"10.244.1.11:5353"})});
  const Addr pod = at("10.244.2.20", 40000);

  PacketSpec arp;
  arp.ethertype = kEtherTypeArp;
  arp.payload = {0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 244, 2, 20, 0, 0, 0, 0, 0, 0, 10, 96, 0, 10};
  PacketSpec ipv6;
  ipv6.ethertype = kEtherTypeIpv6;
  ipv6.payload = {0x60, 0, 0, 0, 0, 20, IPPROTO_TCP, 64};
  ipv6.payload.resize(8 + 32 + 20, 0);  // fd00::/8 addresses would do too; zeros are as good
  ipv6.payload[8] = ipv6.payload[24] = 0xfd;

  const std::vector<std::pair<std::string, Frame>> cases = {
      {"TCP to an address that is no VIP", build(tcp(pod, at("10.96.0.99", 80), kTcpSyn))},
      {"UDP to an address that is no VIP", build(udp(pod, at("10.96.0.99", 53)))},
      {"TCP to the VIP on a port it does not serve", build(tcp(pod, at("10.96.0.10", 443), kTcpSyn))},
      {"UDP to a TCP-only frontend", build(udp(pod, at("10.96.0.10", 80)))},
      {"TCP to a UDP-only frontend", build(tcp(pod, at("10.96.0.11", 53), kTcpSyn))},
      {"ICMP echo to the VIP", build(icmp_echo(pod, at("10.96.0.10", 0)))},
      {"a 'reply' from a backend with no flow behind it", build(tcp(at("10.244.1.10", 8080), pod, kTcpSyn | kTcpAck))},
      {"TCP to the backend directly", build(tcp(pod, at("10.244.1.10", 8080), kTcpSyn))},
      {"ARP asking for the VIP", build(arp)},
      {"IPv6", build(ipv6)},
  };
  const std::uint64_t passed = global_counter(inst, XEBEC_CNT_PASS);
  const auto rows = unchanged_everywhere(cases);
  run_table(inst, rows);
  CHECK(global_counter(inst, XEBEC_CNT_PASS) - passed == rows.size());
  CHECK(global_counter(inst, XEBEC_CNT_DNAT_NEW) == 0);
}

// ---------------------------------------------------------------------------------------------
// Odd and malformed packets.

TEST_CASE("malformed packets pass unchanged and are counted", "[bpf][packet]") {
  BpfInstance inst("pkt");
  apply(inst, {service("10.96.0.10:80/tcp", {"10.244.1.10:8080"}), service("10.96.0.11:53/udp", {"10.244.1.11:5353"})});
  // Everything below is addressed to a frontend, so a parser that let it through would DNAT it.
  const Frame syn = build(tcp(at("10.244.2.20", 40000), at("10.96.0.10", 80), kTcpSyn));
  const Frame query = build(udp(at("10.244.2.20", 40000), at("10.96.0.11", 53), "0123456789"));
  PacketSpec ack_spec = tcp(at("10.244.2.20", 40000), at("10.96.0.10", 80), kTcpAck);
  ack_spec.ack_seq = 0x50000000;
  const Frame bogus_doff_syn = build(ack_spec);
  auto edit = [](Frame f, auto&& change) {
    change(f);
    return f;
  };
  auto cut = [](const Frame& f, std::size_t n) { return Frame(f.begin(), f.begin() + n); };
  // Edits the IPv4 header and keeps its checksum right, so only the edit is wrong.
  auto edit_ip = [&](Frame f, auto&& change) {
    change(f);
    fix_ipv4_checksum(f);
    return f;
  };
  const std::uint16_t udp_len = get16(query, kL4 + 4);

  const std::vector<std::pair<std::string, Frame>> cases = {
      // Read with IHL 4, the TCP header would start inside the IPv4 addresses; ack_seq puts a
      // plausible data offset (5) where that header's doff would be, so only the IHL check stops it.
      {"IHL 4", edit_ip(bogus_doff_syn, [](Frame& f) { f[kL3] = 0x44; })},
      {"IHL 15 on a 20-byte header", edit_ip(syn, [](Frame& f) { f[kL3] = 0x4f; })},
      {"IP version 6 in an IPv4 frame", edit_ip(syn, [](Frame& f) { f[kL3] = 0x65; })},
      {"total length one beyond the frame", edit_ip(syn, [](Frame& f) { set16(f, kL3 + 2, get16(f, kL3 + 2) + 1); })},
      {"total length below the IP header", edit_ip(syn, [](Frame& f) { set16(f, kL3 + 2, 16); })},
      {"frame and packet end inside the TCP header",
       edit_ip(cut(syn, kL4 + 12), [](Frame& f) { set16(f, kL3 + 2, kIpv4HeaderLen + 12); })},
      {"packet ends inside the TCP header (frame padded)",
       edit_ip(syn, [](Frame& f) { set16(f, kL3 + 2, kIpv4HeaderLen + 12); })},
      {"TCP data offset 4", edit(syn, [](Frame& f) { f[kL4 + 12] = 0x40; })},
      {"TCP data offset 15, past the packet", edit(syn, [](Frame& f) { f[kL4 + 12] = 0xf0; })},
      {"frame and packet end inside the UDP header",
       edit_ip(cut(query, kL4 + 6), [](Frame& f) { set16(f, kL3 + 2, kIpv4HeaderLen + 6); })},
      {"UDP length 7", edit(query, [](Frame& f) { set16(f, kL4 + 4, 7); })},
      {"UDP length one beyond the IP payload", edit(query, [&](Frame& f) { set16(f, kL4 + 4, udp_len + 1); })},
  };
  // Frames too short for an IPv4 header reach XDP, but BPF_PROG_TEST_RUN (6.18 here) refuses
  // to build an skb from an IPv4-ethertype frame shorter than ETH_HLEN + 20 (EINVAL), so for
  // the tc programs the kernel itself keeps them out and there is nothing to test.
  const std::vector<std::pair<std::string, Frame>> short_cases = {
      {"Ethernet header alone, IPv4 ethertype", cut(syn, kEthHeaderLen)},
      {"frame ends inside the IPv4 header", cut(syn, kL3 + 10)},
  };
  auto rows = unchanged_everywhere(cases);
  for (const auto& [what, frame] : short_cases) rows.push_back({what, Prog::kXdpUplink, frame, Verdict::kPass, kUnchanged});

  const std::uint64_t malformed = global_counter(inst, XEBEC_CNT_MALFORMED);
  run_table(inst, rows);
  CHECK(global_counter(inst, XEBEC_CNT_MALFORMED) - malformed == rows.size());
  CHECK(global_counter(inst, XEBEC_CNT_DNAT_NEW) == 0);

  for (Prog p : {Prog::kFromPod, Prog::kToPod, Prog::kFromUplink, Prog::kToUplink}) {
    for (const auto& [what, frame] : short_cases) {
      INFO(prog_name(p) << ": " << what);
      CHECK(run(inst, p, frame).error == EINVAL);
    }
  }
  // Frames shorter than an Ethernet header are refused (EINVAL) for tc and XDP alike; real
  // drivers do not hand such runts to either. Should a kernel start accepting them, this
  // fails and they become rows above.
  for (Prog p : kAllProgs) {
    INFO(prog_name(p) << ": 13-byte frame");
    CHECK(run(inst, p, cut(syn, kEthHeaderLen - 1)).error == EINVAL);
  }
}

TEST_CASE("IPv4 options are kept and the L4 header behind them is rewritten", "[bpf][packet]") {
  BpfInstance inst("pkt");
  apply(inst, {service("10.96.0.10:80/tcp", {"10.244.1.10:8080"}), service("10.96.0.11:53/udp", {"10.244.1.11:5353"})});
  const Addr vip_tcp = at("10.96.0.10", 80), be_tcp = at("10.244.1.10", 8080);
  const Addr vip_udp = at("10.96.0.11", 53), be_udp = at("10.244.1.11", 5353);
  const std::vector<std::uint8_t> nops = {1, 1, 1, 0};  // NOP, NOP, NOP, EOL
  std::vector<std::uint8_t> longest(40, 1);             // IHL 15: 39 NOPs and an EOL
  longest.back() = 0;

  const PacketSpec syn = with_options(tcp(at("10.244.2.20", 40000), vip_tcp, kTcpSyn, "hi"), nops);
  const PacketSpec synack = with_options(tcp(be_tcp, at("10.244.2.20", 40000), kTcpSyn | kTcpAck), nops);
  const PacketSpec query = with_options(udp(at("10.244.2.20", 40001), vip_udp), nops);
  const PacketSpec answer = with_options(udp(be_udp, at("10.244.2.20", 40001)), longest);
  const PacketSpec long_syn = with_options(tcp(at("10.244.2.20", 40002), vip_tcp, kTcpSyn), longest);
  const PacketSpec uplink_syn = with_options(tcp(at("10.244.3.30", 41000), vip_tcp, kTcpSyn), longest);
  const PacketSpec xdp_syn = with_options(tcp(at("10.244.3.30", 41001), vip_tcp, kTcpSyn, "hi"), nops);
  const PacketSpec xdp_long = with_options(tcp(at("10.244.3.30", 41002), vip_tcp, kTcpSyn), longest);
  const PacketSpec xdp_query = with_options(udp(at("10.244.3.30", 41003), vip_udp), longest);

  run_table(inst, {
      {"TCP with 4 bytes of options", Prog::kFromPod, build(syn), Verdict::kPass, build(dnated(syn, be_tcp))},
      {"its reply with options", Prog::kToPod, build(synack), Verdict::kPass, build(rnated(synack, vip_tcp))},
      {"UDP with 4 bytes of options", Prog::kFromPod, build(query), Verdict::kPass, build(dnated(query, be_udp))},
      {"its answer with 40 bytes of options", Prog::kToPod, build(answer), Verdict::kPass,
       build(rnated(answer, vip_udp))},
      {"TCP with 40 bytes of options", Prog::kFromPod, build(long_syn), Verdict::kPass,
       build(dnated(long_syn, be_tcp))},
      {"TCP with 40 bytes of options on the uplink", Prog::kFromUplink, build(uplink_syn), Verdict::kPass,
       build(dnated(uplink_syn, be_tcp))},
      {"TCP with 4 bytes of options", Prog::kXdpUplink, build(xdp_syn), Verdict::kPass,
       build(dnated(xdp_syn, be_tcp))},
      {"TCP with 40 bytes of options", Prog::kXdpUplink, build(xdp_long), Verdict::kPass,
       build(dnated(xdp_long, be_tcp))},
      {"UDP with 40 bytes of options", Prog::kXdpUplink, build(xdp_query), Verdict::kPass,
       build(dnated(xdp_query, be_udp))},
  });
}

TEST_CASE("IPv4 fragments pass unchanged and are counted, DF alone is no fragment", "[bpf][packet]") {
  BpfInstance inst("pkt");
  apply(inst, {service("10.96.0.10:80/tcp", {"10.244.1.10:8080"}), service("10.96.0.11:53/udp", {"10.244.1.11:5353"})});
  const Addr vip_tcp = at("10.96.0.10", 80), vip_udp = at("10.96.0.11", 53);
  const Addr pod = at("10.244.2.20", 40000);
  // A non-first fragment carries no L4 header; the builder still writes one, which makes the
  // bytes after the IP header look like a port the frontend serves - they must be ignored.
  const std::vector<std::pair<std::string, Frame>> cases = {
      {"UDP first fragment (MF, offset 0)", build(with_frag(udp(pod, vip_udp, std::string(64, 'a')), kIpMoreFragments))},
      {"UDP last fragment (offset 185)", build(with_frag(udp(pod, vip_udp), 185))},
      {"TCP first fragment (MF)", build(with_frag(tcp(pod, vip_tcp, kTcpSyn, "abcdefgh"), kIpMoreFragments))},
      {"TCP middle fragment (MF, offset 100)", build(with_frag(tcp(pod, vip_tcp, kTcpAck), kIpMoreFragments | 100))},
      {"fragment with DF and an offset", build(with_frag(udp(pod, vip_udp), kIpDontFragment | 1))},
  };
  const std::uint64_t fragments = global_counter(inst, XEBEC_CNT_FRAGMENT);
  const auto rows = unchanged_everywhere(cases);
  run_table(inst, rows);
  CHECK(global_counter(inst, XEBEC_CNT_FRAGMENT) - fragments == rows.size());

  const PacketSpec df = with_frag(tcp(pod, vip_tcp, kTcpSyn), kIpDontFragment);
  run_table(inst, {{"DF without offset is a whole packet: DNATed", Prog::kFromPod, build(df), Verdict::kPass,
                    build(dnated(df, at("10.244.1.10", 8080)))}});
}

// ---------------------------------------------------------------------------------------------
// Flows and backend selection.

TEST_CASE("an established flow keeps its backend across backend-set changes", "[bpf][packet]") {
  BpfInstance inst("pkt");
  ServiceSpec web = service("10.96.0.20:80/tcp", {"10.244.1.1:8080", "10.244.1.2:8080", "10.244.1.3:8080"});
  apply(inst, {web});
  const Addr vip = at("10.96.0.20", 80), client = at("10.244.2.20", 40100);
  const PacketSpec syn = tcp(client, vip, kTcpSyn);
  const PacketSpec ack = tcp(client, vip, kTcpAck, "more data");

  const Addr first = dnat_target(inst, Prog::kFromPod, syn);
  REQUIRE(backends_of(web).contains(first));
  for (int i = 0; i < 50; ++i) CHECK(dnat_target(inst, Prog::kFromPod, ack) == first);

  // A new set that still holds the backend: nothing changes for the flow, not even for a
  // retransmitted SYN.
  web.backends.clear();
  for (const auto& b : {first, at("10.244.1.4", 8080)})
    web.backends.push_back({b.ip, htons(b.port)});
  apply(inst, {web});
  for (int i = 0; i < 20; ++i) CHECK(dnat_target(inst, Prog::kFromPod, ack) == first);
  CHECK(dnat_target(inst, Prog::kFromPod, syn) == first);

  // The backend is removed: the flow drains to it (graceful), and its replies still get the VIP.
  web.backends = {{ipv4("10.244.1.4"), htons(8080)}, {ipv4("10.244.1.5"), htons(8080)}};
  apply(inst, {web});
  for (int i = 0; i < 20; ++i) CHECK(dnat_target(inst, Prog::kFromPod, ack) == first);
  const PacketSpec reply = tcp(first, client, kTcpAck, "response");
  run_table(inst, {{"reply from the removed backend", Prog::kToPod, build(reply), Verdict::kPass,
                    build(rnated(reply, vip))}});

  // A new connection on the same tuple must not go to a backend that is gone.
  const Addr second = dnat_target(inst, Prog::kFromPod, syn);
  CHECK(backends_of(web).contains(second));
  for (int i = 0; i < 10; ++i) CHECK(dnat_target(inst, Prog::kFromPod, ack) == second);
  const PacketSpec reply2 = tcp(second, client, kTcpAck, "response");
  run_table(inst, {{"reply from the new backend", Prog::kToPod, build(reply2), Verdict::kPass,
                    build(rnated(reply2, vip))}});
}

TEST_CASE("an established UDP flow keeps draining to a removed backend", "[bpf][packet]") {
  BpfInstance inst("pkt");
  ServiceSpec dns = service("10.96.0.21:53/udp", {"10.244.1.1:53", "10.244.1.2:53"});
  apply(inst, {dns});
  const PacketSpec query = udp(at("10.244.2.20", 40200), at("10.96.0.21", 53));
  const Addr first = dnat_target(inst, Prog::kFromPod, query);
  REQUIRE(backends_of(dns).contains(first));

  dns.backends = {{ipv4("10.244.1.3"), htons(53)}};
  apply(inst, {dns});
  for (int i = 0; i < 10; ++i) CHECK(dnat_target(inst, Prog::kFromPod, query) == first);
  // A new flow from another port takes the current backend.
  CHECK(dnat_target(inst, Prog::kFromPod, udp(at("10.244.2.20", 40201), at("10.96.0.21", 53))) ==
        at("10.244.1.3", 53));
}

TEST_CASE("random selection spreads new flows over every backend", "[bpf][packet]") {
  BpfInstance inst("pkt");
  const ServiceSpec web = service("10.96.0.22:80/tcp", {"10.244.1.1:8080", "10.244.1.2:8080", "10.244.1.3:8080"});
  apply(inst, {web});
  const int flows = 300;
  std::map<Addr, int> picked;
  for (int i = 0; i < flows; ++i)
    ++picked[dnat_target(inst, Prog::kFromPod,
                         tcp(at("10.244.2.20", static_cast<std::uint16_t>(20000 + i)), at("10.96.0.22", 80), kTcpSyn))];
  // Each backend expects 100 of 300; fewer than 30 is over 8 standard deviations away.
  CHECK(picked.size() == 3);
  for (const auto& b : backends_of(web)) {
    INFO(b << " got " << picked[b] << " of " << flows);
    CHECK(picked[b] >= flows / 10);
  }
  CHECK(service_counters(inst, record_of(inst, "10.96.0.22:80/tcp").id).new_flows == static_cast<std::uint64_t>(flows));
}

TEST_CASE("Maglev sends a flow to its table slot's owner, again after conntrack is lost", "[bpf][packet]") {
  BpfInstance inst("pkt");
  ServiceSpec web = service("10.96.0.30:80/tcp", {"10.244.1.1:8080", "10.244.1.2:8080", "10.244.1.3:8080"});
  web.algorithm = Algorithm::kMaglev;
  apply(inst, {web});
  const auto record = record_of(inst, "10.96.0.30:80/tcp");
  auto table = inst.lb().maglev_table(record.id);
  REQUIRE(table.ok());
  const auto m = static_cast<std::uint32_t>(table->size());
  REQUIRE(record.backend_ids.size() == 3);
  REQUIRE(m == web.maglev_table_size);
  std::map<std::uint32_t, Addr> by_id;
  for (std::size_t i = 0; i < record.backend_ids.size(); ++i)
    by_id[record.backend_ids[i]] = addr_of(record.spec.backends[i]);

  std::vector<PacketSpec> syns;
  for (int i = 0; i < 200; ++i)
    syns.push_back(tcp(at(i % 2 ? "10.244.2.20" : "10.244.3.30", static_cast<std::uint16_t>(42000 + i)),
                       at("10.96.0.30", 80), kTcpSyn));

  std::vector<Addr> chosen;
  std::map<Addr, int> spread;
  for (const auto& syn : syns) {
    const std::uint32_t owner = (*table)[flow_hash(tuple_of(syn)) % m];
    REQUIRE(by_id.contains(owner));
    const Addr got = dnat_target(inst, Prog::kFromPod, syn);
    INFO("flow from port " << syn.sport);
    CHECK(got == by_id[owner]);
    chosen.push_back(got);
    ++spread[got];
  }
  CHECK(spread.size() == 3);
  for (const auto& [b, count] : spread) {
    INFO(b << " got " << count << " of 200");
    CHECK(count >= 20);
  }

  // With the flows forgotten, each lands on the same backend again, on any forward path.
  for (Prog prog : {Prog::kFromPod, Prog::kXdpUplink}) {
    clear_conntrack(inst);
    for (std::size_t i = 0; i < syns.size(); ++i) {
      INFO(prog_name(prog) << " flow from port " << syns[i].sport);
      CHECK(dnat_target(inst, prog, syns[i]) == chosen[i]);
    }
  }
}

TEST_CASE("ClientIP affinity keeps a client on one backend until it goes away", "[bpf][packet]") {
  BpfInstance inst("pkt");
  ServiceSpec web = service("10.96.0.40:80/tcp", {"10.244.1.1:8080", "10.244.1.2:8080", "10.244.1.3:8080"});
  web.affinity_timeout = 300;
  apply(inst, {web});
  const Addr vip = at("10.96.0.40", 80);
  auto syn_from = [&](const std::string& ip, int port) { return tcp(at(ip, static_cast<std::uint16_t>(port)), vip, kTcpSyn); };

  const Addr sticky = dnat_target(inst, Prog::kFromPod, syn_from("10.244.2.20", 43000));
  REQUIRE(backends_of(web).contains(sticky));
  for (int i = 1; i < 50; ++i) CHECK(dnat_target(inst, Prog::kFromPod, syn_from("10.244.2.20", 43000 + i)) == sticky);

  // Other clients are not tied to that one: 30 of them all landing together is a 3^-29 chance.
  std::set<Addr> others;
  for (int i = 0; i < 30; ++i)
    others.insert(dnat_target(inst, Prog::kFromPod, syn_from("10.244.2." + std::to_string(100 + i), 43000)));
  CHECK(others.size() >= 2);

  // The client's backend goes away: its next flow must go to a live one, and stay there.
  std::erase_if(web.backends, [&](const dataplane::Endpoint& e) { return addr_of(e) == sticky; });
  REQUIRE(web.backends.size() == 2);
  apply(inst, {web});
  const Addr moved = dnat_target(inst, Prog::kFromPod, syn_from("10.244.2.20", 44000));
  CHECK(backends_of(web).contains(moved));
  for (int i = 1; i < 20; ++i) CHECK(dnat_target(inst, Prog::kFromPod, syn_from("10.244.2.20", 44000 + i)) == moved);
}

// Backend ids are reused once freed: the dataplane hands out ids above the highest in use, so
// emptying a service and then creating another gives the new backend the old id. Conntrack and
// affinity entries outlive their backends and still name that id.
struct ReusedId {
  Addr old_backend;  // the first backend, whose id now belongs to another service
  Addr current;      // the service's backend now
};

// `a` (with `extra` applied) first serves old_backend alone; `first_flow` is sent to it. Then
// old_backend's id is freed and reused by another service's backend at `other`, and `a` gets
// a new backend `current`.
ReusedId reuse_backend_id(BpfInstance& inst, ServiceSpec a, const PacketSpec& first_flow, const std::string& other) {
  const std::string front = dataplane::format_frontend(a.frontend);
  REQUIRE(a.backends.size() == 1);
  const Addr old_backend = addr_of(a.backends[0]);
  apply(inst, {a});
  const std::uint32_t old_id = record_of(inst, front).backend_ids.at(0);
  REQUIRE(dnat_target(inst, Prog::kFromPod, first_flow) == old_backend);

  a.backends.clear();
  apply(inst, {a});
  apply(inst, {service("10.96.0.99:80/tcp", {other})});
  INFO("the scenario needs the dataplane to reuse the freed backend id " << old_id);
  REQUIRE(record_of(inst, "10.96.0.99:80/tcp").backend_ids.at(0) == old_id);
  a.backends = {*dataplane::parse_endpoint("10.244.1.200:8080")};
  apply(inst, {a});
  return {old_backend, at("10.244.1.200", 8080)};
}

TEST_CASE("an affinity entry whose backend id now serves another service is not followed", "[bpf][packet]") {
  BpfInstance inst("pkt");
  ServiceSpec a = service("10.96.0.41:80/tcp", {"10.244.1.1:8080"});
  a.affinity_timeout = 300;
  const Addr vip = at("10.96.0.41", 80);
  const auto r = reuse_backend_id(inst, a, tcp(at("10.244.2.20", 43000), vip, kTcpSyn), "10.244.9.9:9090");
  // The client's affinity entry is fresh and names the reused id: following it would send the
  // client to the other service's backend.
  CHECK(dnat_target(inst, Prog::kFromPod, tcp(at("10.244.2.20", 43001), vip, kTcpSyn)) == r.current);
}

// Two Services may share a pod (same address:port). When the first drops it and its id is
// reused for the second's, the id, address and port all still match: only the service tells
// that the flow's backend is gone from the first.
TEST_CASE("a SYN on an old tuple does not follow its backend id into another service", "[bpf][packet]") {
  BpfInstance inst("pkt");
  const Addr vip = at("10.96.0.43", 80);
  const PacketSpec syn = tcp(at("10.244.2.20", 43100), vip, kTcpSyn);
  const auto r = reuse_backend_id(inst, service("10.96.0.43:80/tcp", {"10.244.1.1:8080"}), syn, "10.244.1.1:8080");
  CHECK(dnat_target(inst, Prog::kFromPod, syn) == r.current);
}

// ---------------------------------------------------------------------------------------------
// NodePort, empty services, counters.

TEST_CASE("a NodePort is DNATed on node addresses only, tc and XDP, and replies leave as the node", "[bpf][packet]") {
  BpfInstance inst("pkt");
  ServiceSpec web = service("10.96.0.50:80/tcp", {"10.244.1.50:8080"});
  web.node_port = 30080;
  ServiceSpec dns = service("10.96.0.51:53/udp", {"10.244.1.51:5353"});
  dns.node_port = 30053;
  apply(inst, {web, dns});
  add_node_address(inst, "10.250.0.10");
  const Addr node_tcp = at("10.250.0.10", 30080), node_udp = at("10.250.0.10", 30053);
  const Addr be_tcp = at("10.244.1.50", 8080), be_udp = at("10.244.1.51", 5353);
  const Addr client = at("10.250.0.99", 45000), xdp_client = at("10.250.0.99", 45001);

  const PacketSpec syn = tcp(client, node_tcp, kTcpSyn);
  const PacketSpec synack = tcp(be_tcp, client, kTcpSyn | kTcpAck);
  const PacketSpec xdp_syn = tcp(xdp_client, node_tcp, kTcpSyn, "hello");
  const PacketSpec xdp_synack = tcp(be_tcp, xdp_client, kTcpSyn | kTcpAck);
  const PacketSpec query = udp(client, node_udp);
  const PacketSpec answer = udp(be_udp, client);
  const PacketSpec xdp_query = udp(xdp_client, node_udp);
  const PacketSpec pod_syn = tcp(at("10.244.2.20", 46000), node_tcp, kTcpSyn);

  run_table(inst, {
      {"TCP to nodeIP:nodePort", Prog::kFromUplink, build(syn), Verdict::kPass, build(dnated(syn, be_tcp))},
      {"its reply leaves as nodeIP:nodePort", Prog::kToUplink, build(synack), Verdict::kPass,
       build(rnated(synack, node_tcp))},
      {"TCP to nodeIP:nodePort", Prog::kXdpUplink, build(xdp_syn), Verdict::kPass, build(dnated(xdp_syn, be_tcp))},
      {"reply of the XDP-balanced flow leaves as nodeIP:nodePort", Prog::kToUplink, build(xdp_synack), Verdict::kPass,
       build(rnated(xdp_synack, node_tcp))},
      {"UDP to nodeIP:nodePort", Prog::kFromUplink, build(query), Verdict::kPass, build(dnated(query, be_udp))},
      {"its answer leaves as nodeIP:nodePort", Prog::kToUplink, build(answer), Verdict::kPass,
       build(rnated(answer, node_udp))},
      {"UDP to nodeIP:nodePort", Prog::kXdpUplink, build(xdp_query), Verdict::kPass, build(dnated(xdp_query, be_udp))},
      {"a pod dialling nodeIP:nodePort", Prog::kFromPod, build(pod_syn), Verdict::kPass, build(dnated(pod_syn, be_tcp))},
      {"the NodePort on an address that is not the node's", Prog::kFromUplink,
       build(tcp(client, at("10.250.0.11", 30080), kTcpSyn)), Verdict::kPass, kUnchanged},
      {"the NodePort on an address that is not the node's", Prog::kXdpUplink,
       build(tcp(client, at("10.250.0.11", 30080), kTcpSyn)), Verdict::kPass, kUnchanged},
      {"the NodePort with the other protocol", Prog::kFromUplink, build(udp(client, node_tcp)), Verdict::kPass,
       kUnchanged},
      {"the NodePort with the other protocol", Prog::kXdpUplink, build(udp(client, node_tcp)), Verdict::kPass,
       kUnchanged},
      {"another port on the node address", Prog::kFromUplink, build(tcp(client, at("10.250.0.10", 30081), kTcpSyn)),
       Verdict::kPass, kUnchanged},
      {"the service port on the node address", Prog::kXdpUplink, build(tcp(client, at("10.250.0.10", 80), kTcpSyn)),
       Verdict::kPass, kUnchanged},
  });
}

TEST_CASE("a frontend with no backends drops new flows and counts them", "[bpf][packet]") {
  BpfInstance inst("pkt");
  apply(inst, {service("10.96.0.60:80/tcp", {}), service("10.96.0.61:53/udp", {})});
  const Addr pod = at("10.244.2.20", 47000);
  const PacketSpec syn = tcp(pod, at("10.96.0.60", 80), kTcpSyn);
  const PacketSpec query = udp(pod, at("10.96.0.61", 53));
  const std::uint64_t drops = global_counter(inst, XEBEC_CNT_DROP_NO_BACKEND);

  run_table(inst, {
      {"TCP to an empty service", Prog::kFromPod, build(syn), Verdict::kDrop, kUnchanged},
      {"TCP to an empty service", Prog::kFromUplink, build(syn), Verdict::kDrop, kUnchanged},
      {"TCP to an empty service", Prog::kXdpUplink, build(syn), Verdict::kDrop, kUnchanged},
      {"UDP to an empty service", Prog::kFromPod, build(query), Verdict::kDrop, kUnchanged},
      {"UDP to an empty service", Prog::kXdpUplink, build(query), Verdict::kDrop, kUnchanged},
      {"to_pod does not balance: it passes", Prog::kToPod, build(syn), Verdict::kPass, kUnchanged},
  });
  CHECK(global_counter(inst, XEBEC_CNT_DROP_NO_BACKEND) - drops == 5);
  CHECK(service_counters(inst, record_of(inst, "10.96.0.60:80/tcp").id).drops == 3);
  CHECK(service_counters(inst, record_of(inst, "10.96.0.61:53/udp").id).drops == 2);
  CHECK(service_counters(inst, record_of(inst, "10.96.0.60:80/tcp").id).packets == 0);
}

TEST_CASE("per-service and global counters follow the packets", "[bpf][packet]") {
  BpfInstance inst("pkt");
  apply(inst, {service("10.96.0.70:80/tcp", {"10.244.1.70:8080"}), service("10.96.0.71:80/tcp", {"10.244.1.71:8080"})});
  const std::uint32_t id = record_of(inst, "10.96.0.70:80/tcp").id;
  const std::uint32_t other = record_of(inst, "10.96.0.71:80/tcp").id;
  const Addr vip = at("10.96.0.70", 80), be = at("10.244.1.70", 8080), client = at("10.244.2.20", 48000);
  const std::uint64_t new0 = global_counter(inst, XEBEC_CNT_DNAT_NEW);
  const std::uint64_t est0 = global_counter(inst, XEBEC_CNT_DNAT_ESTABLISHED);
  const std::uint64_t rev0 = global_counter(inst, XEBEC_CNT_REVNAT);
  REQUIRE(service_counters(inst, id).packets == 0);

  std::uint64_t bytes = 0;
  auto send = [&](Prog prog, const PacketSpec& s) {
    const Frame f = build(s);
    bytes += f.size();
    dnat_target(inst, prog, s);
  };
  send(Prog::kFromPod, tcp(client, vip, kTcpSyn));
  for (int i = 1; i <= 4; ++i) send(Prog::kFromPod, tcp(client, vip, kTcpAck, std::string(100 * i, 'd')));
  send(Prog::kFromPod, tcp(at("10.244.2.20", 48001), vip, kTcpSyn));
  send(Prog::kXdpUplink, tcp(at("10.244.3.30", 48002), vip, kTcpSyn, "xdp"));
  pass_through(inst, Prog::kToPod, build(tcp(be, client, kTcpAck, "reply")));  // replies are not service traffic

  const service_stats s = service_counters(inst, id);
  CHECK(s.packets == 7);
  CHECK(s.bytes == bytes);
  CHECK(s.new_flows == 3);
  CHECK(s.drops == 0);
  const service_stats o = service_counters(inst, other);
  CHECK(o.packets == 0);
  CHECK(o.bytes == 0);
  CHECK(global_counter(inst, XEBEC_CNT_DNAT_NEW) - new0 == 3);
  CHECK(global_counter(inst, XEBEC_CNT_DNAT_ESTABLISHED) - est0 == 4);
  CHECK(global_counter(inst, XEBEC_CNT_REVNAT) - rev0 == 1);
}

}  // namespace
}  // namespace xebec::testing
