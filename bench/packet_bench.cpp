// Per-packet cost of the from-pod program (tc), measured in the kernel by BPF_PROG_TEST_RUN,
// for established and new flows at 100, 10 000 and 100 000 services. Prints figures and
// ratios; asserts nothing.
//
// Established flows: the kernel runs one packet `repeat` (>= 1e6) times and reports the mean.
// A rewritten packet would be a different flow on the next repetition, so the measured
// services have their own VIP:port as their only backend: the program does all its work
// (conntrack hit, both checksum updates, both stores) and the bytes come out the same.
//
// New flows: every repetition must miss conntrack, which one repeated packet cannot do. So
// each new flow is its own packet, run once (repeat = 1), spread over all services. A single
// run pays what a million repetitions hide: caches left cold by the syscall, and the flow's own
// conntrack memory. Established flows are run singly too, interleaved with the new ones: an
// ACK of the flow opened kLag flows earlier, as cold as a new one. A new flow costs the
// established figure plus what its single run costs beyond the established flow's.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "lb.skel.h"
#include "tests/support/bpf_instance.h"
#include "tests/support/packet.h"

using namespace xebec;
using testing::BpfInstance;
using testing::Frame;

namespace {

constexpr std::uint32_t kRepeat = 1'000'000;
constexpr int kNewFlows = 200'000;
constexpr int kLag = 1000;  // the established flow run singly was opened this many flows earlier
constexpr int kBackendsPerService = 4;

std::uint32_t vip(int i) { return htonl((10u << 24) | (96u << 16) | static_cast<std::uint32_t>(i)); }
std::uint32_t pod(int i) { return htonl((10u << 24) | (244u << 16) | static_cast<std::uint32_t>(i)); }

// Mean ns per run of `prog` on `frame`, as the kernel timed it.
double run_ns(int prog_fd, const Frame& frame, std::uint32_t repeat) {
  Frame out(frame.size() + 64);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
              .data_size_in = static_cast<__u32>(frame.size()), .data_size_out = static_cast<__u32>(out.size()),
              .repeat = static_cast<int>(repeat));
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
    perror("BPF_PROG_TEST_RUN");
    std::exit(1);
  }
  return opts.duration;
}

Frame tcp(std::uint32_t saddr, std::uint16_t sport, std::uint32_t daddr, std::uint8_t flags) {
  testing::PacketSpec s;
  s.saddr = saddr;
  s.daddr = daddr;
  s.sport = sport;
  s.dport = 80;
  s.tcp_flags = flags;
  s.payload.assign(64, 0x5a);
  return testing::build(s);
}

// An empty tc program (return TC_ACT_OK): what BPF_PROG_TEST_RUN costs per repetition by
// itself on this machine, the floor under every figure.
double empty_program_ns(const Frame& frame) {
  const struct bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .src_reg = 0, .off = 0, .imm = 0},
      {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
  };
  int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "xebec_empty", "GPL", insns, 2, nullptr);
  if (fd < 0) {
    perror("loading an empty program");
    std::exit(1);
  }
  double ns = run_ns(fd, frame, kRepeat);
  close(fd);
  return ns;
}

struct Figures {
  double established = 0;  // mean of 1e6 repetitions
  double new_flow = 0;     // established + (single_new - single_established)
  double pass = 0;         // traffic that is not the balancer's: parse, miss, count
  double single_new = 0;   // mean single run of a new flow
  double single_established = 0;  // mean single run of a flow opened kLag flows earlier
};

Figures measure(int services) {
  BpfInstance inst("bench", dataplane::MapSizes{.services = 131072, .backends = 524288, .flows = 2 * kNewFlows, .affinity = 0});
  std::vector<dataplane::ServiceSpec> specs(services);
  for (int i = 0; i < services; ++i) {
    auto& s = specs[i];
    s.frontend = {{vip(i + 1), htons(80)}, dataplane::Protocol::kTcp};
    for (int b = 0; b < kBackendsPerService; ++b)
      s.backends.push_back({pod(1 + (i * kBackendsPerService + b) % 60000), htons(8080)});
  }
  // The services the established flows use serve on themselves (see the file comment).
  const int measured = 8;
  for (int i = 0; i < measured; ++i) {
    auto& s = specs[(i * 7919) % services];
    s.backends = {s.frontend.endpoint};
  }
  if (auto r = inst.lb().apply(specs, false); !r) {
    std::fprintf(stderr, "apply: %s\n", r.error().message.c_str());
    std::exit(1);
  }
  const int prog = bpf_program__fd(inst.object().skel()->progs.from_pod);
  const std::uint32_t client = pod(60001);
  Figures f;

  f.pass = run_ns(prog, tcp(client, 1000, htonl(0x0a0b0c0d), testing::kTcpAck), kRepeat);

  for (int i = 0; i < measured; ++i) {
    Frame pkt = tcp(client, static_cast<std::uint16_t>(2000 + i), specs[(i * 7919) % services].frontend.endpoint.address_be,
                    testing::kTcpAck);
    run_ns(prog, pkt, 1);  // opens the flow
    f.established += run_ns(prog, pkt, kRepeat) / measured;
  }

  // Flow i: a client address and port of its own, to one of the services.
  auto flow = [&](int i, std::uint8_t flags) {
    auto svc = (static_cast<std::uint64_t>(i) * 2654435761u) % services;
    return tcp(htonl(ntohl(client) + 1 + i / 60000), static_cast<std::uint16_t>(1024 + i % 60000),
               specs[svc].frontend.endpoint.address_be, flags);
  };
  double new_total = 0, established_total = 0;
  for (int i = 0; i < kNewFlows; ++i) {
    new_total += run_ns(prog, flow(i, testing::kTcpSyn), 1);
    if (i >= kLag) established_total += run_ns(prog, flow(i - kLag, testing::kTcpAck), 1);
  }
  f.single_new = new_total / kNewFlows;
  f.single_established = established_total / (kNewFlows - kLag);
  f.new_flow = f.established + f.single_new - f.single_established;
  return f;
}

}  // namespace

// Arguments: the service counts to measure (default 100 10000 100000).
int main(int argc, char** argv) {
  std::vector<int> counts;
  for (int i = 1; i < argc; ++i) counts.push_back(std::atoi(argv[i]));
  if (counts.empty()) counts = {100, 10'000, 100'000};
  std::printf("from_pod per-packet cost (BPF_PROG_TEST_RUN, tc, 118-byte TCP frames)\n");
  std::printf("floor: an empty tc program costs %.1f ns per repetition here\n\n",
              empty_program_ns(tcp(pod(1), 1000, vip(1), testing::kTcpAck)));
  std::printf("%10s  %14s  %14s  %14s  %26s\n", "services", "established ns", "new flow ns", "pass-through ns",
              "single runs: new / est. ns");
  std::vector<std::pair<int, Figures>> rows;
  for (int n : counts) {
    auto f = measure(n);
    rows.emplace_back(n, f);
    std::printf("%10d  %14.1f  %14.1f  %14.1f  %15.1f / %8.1f\n", n, f.established, f.new_flow, f.pass, f.single_new,
                f.single_established);
    std::fflush(stdout);
  }
  const auto& small = rows.front().second;
  const auto& large = rows.back().second;
  std::printf("\ntargets: established <= 40 ns, new flow <= 100 ns, 100k within 15%% of 100\n");
  std::printf("100k/100 ratio: established %.2f, new flow %.2f\n", large.established / small.established,
              large.new_flow / small.new_flow);
  return 0;
}
