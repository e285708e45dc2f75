// ADD, DEL, CHECK and GC against real files: round-robin, requested addresses, exhaustion,
// leftovers of crashes, restarts, and 20 processes at once.
#include "cni/ipam/ipam.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "cni/ipam/test_support.h"

using namespace xebec::cni::ipam;
using xebec::ErrorCode;
namespace fs = std::filesystem;

namespace {

Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }

// `ipam` (a JSON object) with its dataDir in `tmp`.
IpamConfig config_in(const TempDir& tmp, const char* ipam) {
  auto j = nlohmann::json::parse(ipam);
  j["dataDir"] = tmp.path();
  auto config = parse_ipam_config(j);
  REQUIRE(config.ok());
  return *config;
}

Ipam open_ipam(const IpamConfig& config) {
  auto ipam = Ipam::open(config, "xebec");
  REQUIRE(ipam.ok());
  return std::move(*ipam);
}

Attachment pod(int n, const char* ifname = "eth0") { return {"c" + std::to_string(n), ifname}; }

// The one address an ADD gave, as text ("10.0.0.2/29"); the error message when it failed.
std::string added(Ipam& ipam, const Attachment& a, const std::vector<Ipv4Address>& requested = {}) {
  auto r = ipam.add(a, requested);
  if (!r) return r.error().message;
  REQUIRE(r->ips.size() == 1);
  return r->ips[0].address.str();
}

std::string dir_of(const TempDir& tmp) { return tmp.path() + "/xebec"; }

void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

}  // namespace

TEST_CASE("ADD hands out addresses round-robin, wraps, and never the gateway") {
  TempDir tmp;
  Ipam ipam = open_ipam(config_in(tmp, R"({"subnet": "10.0.0.0/29", "routes": [{"dst": "0.0.0.0/0"}]})"));
  auto first = ipam.add(pod(1), {});
  REQUIRE(first.ok());
  REQUIRE(first->ips.size() == 1);
  CHECK(first->ips[0].address.str() == "10.0.0.2/29");  // .1 is the gateway
  CHECK(first->ips[0].gateway == ip("10.0.0.1"));
  REQUIRE(first->routes.size() == 1);
  CHECK(first->routes[0].dst.str() == "0.0.0.0/0");

  REQUIRE(ipam.del(pod(1)).ok());
  CHECK(added(ipam, pod(2)) == "10.0.0.3/29");  // not the one just freed
  CHECK(added(ipam, pod(3)) == "10.0.0.4/29");
  CHECK(added(ipam, pod(4)) == "10.0.0.5/29");
  CHECK(added(ipam, pod(5)) == "10.0.0.6/29");
  CHECK(added(ipam, pod(6)) == "10.0.0.2/29");  // wrapped
  REQUIRE(ipam.del(pod(4)).ok());
  CHECK(added(ipam, pod(7)) == "10.0.0.5/29");
  auto full = ipam.add(pod(8), {});
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == ErrorCode::kExhausted);
  CHECK(full.error().message == "no free address in ipam (10.0.0.1-10.0.0.6 of 10.0.0.0/29): 5 of 5 in use");
}

TEST_CASE("a full range says which range, and how full") {
  TempDir tmp;
  Ipam ipam = open_ipam(config_in(tmp, R"({"ranges": [[{"subnet": "10.244.1.0/24", "rangeStart": "10.244.1.2"}]]})"));
  std::set<std::string> seen;
  for (int i = 0; i < 253; ++i) seen.insert(added(ipam, pod(i)));
  CHECK(seen.size() == 253);
  CHECK_FALSE(seen.contains("10.244.1.1/24"));
  CHECK_FALSE(seen.contains("10.244.1.255/24"));
  auto full = ipam.add(pod(253), {});
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == ErrorCode::kExhausted);
  CHECK(full.error().message ==
        "no free address in ipam.ranges[0] (10.244.1.2-10.244.1.254 of 10.244.1.0/24): 253 of 253 in use");
  CHECK(marks_in(dir_of(tmp)).size() == 253);  // the failed ADD left no mark

  // The one free address 99 tries behind the cursor (10.244.1.254): past the first 32 failed
  // tries the allocator lists the directory and skips the rest of the taken ones.
  REQUIRE(ipam.del(pod(99)).ok());
  CHECK(added(ipam, pod(300)) == "10.244.1.101/24");
}

TEST_CASE("a requested address is honoured when free and in a range") {
  TempDir tmp;
  Ipam ipam = open_ipam(config_in(tmp, R"({"subnet": "10.244.1.0/24"})"));
  CHECK(added(ipam, pod(1), {ip("10.244.1.50")}) == "10.244.1.50/24");
  std::ifstream file(dir_of(tmp) + "/10.244.1.50");
  std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  CHECK(content == "c1\r\neth0");
  CHECK(added(ipam, pod(2)) == "10.244.1.51/24");  // round-robin goes on from it, as host-local's does
}

TEST_CASE("a requested address is refused when it is a gateway, outside the ranges or held") {
  TempDir tmp;
  Ipam ipam = open_ipam(config_in(tmp, R"({"ranges": [
      [{"subnet": "10.244.1.0/24", "rangeStart": "10.244.1.10", "rangeEnd": "10.244.1.20"}],
      [{"subnet": "10.250.0.0/24"}]]})"));
  auto first = ipam.add(pod(1), {ip("10.244.1.15")});
  REQUIRE(first.ok());
  struct Row {
    std::vector<Ipv4Address> requested;
    ErrorCode code;
    const char* message;
  };
  const Row rows[] = {
      {{ip("10.244.1.1")}, ErrorCode::kInvalid, "requested address 10.244.1.1 is the gateway of 10.244.1.0/24"},
      {{ip("10.250.0.1")}, ErrorCode::kInvalid, "requested address 10.250.0.1 is the gateway of 10.250.0.0/24"},
      {{ip("10.244.1.21")},
       ErrorCode::kInvalid,
       "requested address 10.244.1.21 is outside every range of network xebec (ipam.ranges[0]: 10.244.1.10-10.244.1.20 "
       "of 10.244.1.0/24; ipam.ranges[1]: 10.250.0.1-10.250.0.254 of 10.250.0.0/24)"},
      {{ip("10.244.1.11"), ip("10.244.1.12")},
       ErrorCode::kInvalid,
       "requested addresses 10.244.1.11 and 10.244.1.12 are both in ipam.ranges[0]: one address per range set"},
      {{ip("10.244.1.15")},
       ErrorCode::kAlreadyExists,
       "requested address 10.244.1.15 is held by container c1 interface eth0"},
      {{ip("10.244.1.11"), ip("10.250.0.2")},  // the first set's succeeds, and is undone
       ErrorCode::kAlreadyExists,
       "requested address 10.250.0.2 is held by container c1 interface eth0"},
  };
  for (const auto& row : rows) {
    INFO(row.message);
    auto r = ipam.add(pod(2), row.requested);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == row.code);
    CHECK(r.error().message == row.message);
    auto nothing = ipam.check(pod(2));  // nothing stays reserved, not even 10.244.1.11
    REQUIRE_FALSE(nothing.ok());
    CHECK(nothing.error().code == ErrorCode::kNotFound);
  }
  auto all = ipam.list();
  REQUIRE(all.ok());
  CHECK(all->size() == 2);  // c1's two addresses
}

TEST_CASE("ADD for an attachment that holds an address is refused, another interface is not") {
  TempDir tmp;
  Ipam ipam = open_ipam(config_in(tmp, R"({"subnet": "10.244.1.0/24"})"));
  Attachment a{"ab12cd34", "eth0"};
  CHECK(added(ipam, a) == "10.244.1.2/24");
  auto twice = ipam.add(a, {});
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().code == ErrorCode::kAlreadyExists);
  CHECK(twice.error().message == "container ab12cd34 interface eth0 already has 10.244.1.2 on network xebec");
  auto requested = ipam.add(a, {ip("10.244.1.40")});
  REQUIRE_FALSE(requested.ok());
  CHECK(requested.error().code == ErrorCode::kAlreadyExists);
  CHECK(added(ipam, {"ab12cd34", "eth1"}) == "10.244.1.3/24");
}

TEST_CASE("DEL frees what the attachment holds and is idempotent") {
  TempDir tmp;
  Ipam ipam =
      open_ipam(config_in(tmp, R"({"ranges": [[{"subnet": "10.244.1.0/24"}], [{"subnet": "10.250.0.0/24"}]]})"));
  REQUIRE(ipam.add(pod(1), {}).ok());
  REQUIRE(ipam.add(pod(2), {}).ok());
  CHECK(ipam.del(pod(3)).ok());  // never added
  REQUIRE(ipam.del(pod(1)).ok());
  CHECK(ipam.del(pod(1)).ok());
  auto all = ipam.list();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  for (const auto& [address, holder] : *all) CHECK(holder == pod(2));
  CHECK(marks_in(dir_of(tmp)) == std::set<std::string>{"c2@eth0"});
  auto bad = ipam.del({"c/1", "eth0"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::kInvalid);
}

TEST_CASE("CHECK reports what ADD gave, and kNotFound for an attachment without addresses") {
  TempDir tmp;
  Ipam ipam = open_ipam(config_in(tmp, R"({"ranges": [[{"subnet": "10.244.1.0/24"}],
                                           [{"subnet": "10.250.0.0/16", "gateway": "10.250.255.254"}]],
                                           "routes": [{"dst": "10.96.0.0/12"}]})"));
  auto add = ipam.add(pod(1), {ip("10.250.3.4")});
  REQUIRE(add.ok());
  auto check = ipam.check(pod(1));
  REQUIRE(check.ok());
  REQUIRE(check->ips.size() == 2);
  CHECK(check->ips[0].address.str() == "10.244.1.2/24");
  CHECK(check->ips[0].gateway == ip("10.244.1.1"));
  CHECK(check->ips[1].address.str() == "10.250.3.4/16");
  CHECK(check->ips[1].gateway == ip("10.250.255.254"));
  REQUIRE(check->routes.size() == 1);
  CHECK(check->routes[0].dst.str() == "10.96.0.0/12");
  CHECK(add->ips[0].address == check->ips[0].address);

  auto missing = ipam.check(pod(2));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::kNotFound);
  CHECK(missing.error().message ==
        "container c2 interface eth0 holds no address in ipam.ranges[0] (10.244.1.1-10.244.1.254 of 10.244.1.0/24) on "
        "network xebec");
}

TEST_CASE("GC keeps the valid attachments and frees everything else") {
  TempDir tmp;
  Ipam ipam = open_ipam(config_in(tmp, R"({"subnet": "10.244.1.0/24"})"));
  for (int i = 1; i <= 5; ++i) REQUIRE(ipam.add(pod(i), {}).ok());
  auto freed = ipam.gc({pod(2), pod(4), pod(9), {"c1", "eth1"}});
  REQUIRE(freed.ok());
  CHECK(freed->size() == 3);
  CHECK(*freed ==
        std::vector<Reservation>{{ip("10.244.1.2"), pod(1)}, {ip("10.244.1.4"), pod(3)}, {ip("10.244.1.6"), pod(5)}});
  auto left = ipam.list();
  REQUIRE(left.ok());
  REQUIRE(left->size() == 2);
  CHECK((*left)[0] == std::pair{ip("10.244.1.3"), pod(2)});
  CHECK((*left)[1] == std::pair{ip("10.244.1.5"), pod(4)});
  CHECK(marks_in(dir_of(tmp)) == std::set<std::string>{"c2@eth0", "c4@eth0"});

  freed = ipam.gc({});
  REQUIRE(freed.ok());
  CHECK(freed->size() == 2);
  left = ipam.list();
  REQUIRE(left.ok());
  CHECK(left->empty());
  CHECK(marks_in(dir_of(tmp)).empty());
}

TEST_CASE("a new Ipam on the same directory sees and continues the old one's work") {
  TempDir tmp;
  auto config = config_in(tmp, R"({"subnet": "10.244.1.0/24"})");
  {
    Ipam before = open_ipam(config);
    CHECK(added(before, pod(1)) == "10.244.1.2/24");
    CHECK(added(before, pod(2)) == "10.244.1.3/24");
    REQUIRE(before.del(pod(1)).ok());
  }
  Ipam after = open_ipam(config);
  auto all = after.list();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  CHECK((*all)[0] == std::pair{ip("10.244.1.3"), pod(2)});
  CHECK(added(after, pod(3)) == "10.244.1.4/24");
  auto twice = after.add(pod(2), {});
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().code == ErrorCode::kAlreadyExists);
  REQUIRE(after.del(pod(2)).ok());
  CHECK(added(after, pod(2)) == "10.244.1.5/24");
}

TEST_CASE("leftovers of a crash block nothing") {
  TempDir tmp;
  // One address to hand out, so anything in its way would show.
  auto config = config_in(tmp, R"({"ranges": [[{"subnet": "10.244.1.0/24", "rangeStart": "10.244.1.5",
                                                "rangeEnd": "10.244.1.5"}]]})");
  Ipam ipam = open_ipam(config);
  SECTION("an empty reservation file, cut short between create and write") {
    write_file(dir_of(tmp) + "/10.244.1.5", "");
    CHECK(added(ipam, pod(1)) == "10.244.1.5/24");
  }
  SECTION("an empty reservation file in the way of a requested address") {
    write_file(dir_of(tmp) + "/10.244.1.5", "");
    CHECK(added(ipam, pod(1), {ip("10.244.1.5")}) == "10.244.1.5/24");
  }
  SECTION("a torn last_reserved_ip") {
    write_file(dir_of(tmp) + "/last_reserved_ip.0", "10.24");
    CHECK(added(ipam, pod(1)) == "10.244.1.5/24");
  }
  SECTION("a mark without a reservation, from an ADD that died before reserving") {
    write_file(dir_of(tmp) + "/attachments/c1@eth0", "");
    CHECK(added(ipam, pod(1)) == "10.244.1.5/24");
  }
  SECTION("a stray temporary file beside the reservations") {
    write_file(dir_of(tmp) + "/10.244.1.5.tmp", "c9\r\neth0");
    CHECK(added(ipam, pod(1)) == "10.244.1.5/24");
  }
  auto check = ipam.check(pod(1));
  REQUIRE(check.ok());
  CHECK(check->ips[0].address.str() == "10.244.1.5/24");
}

TEST_CASE("an ADD that fails in a later range set frees what it took in the earlier ones") {
  TempDir tmp;
  Ipam ipam = open_ipam(config_in(tmp, R"({"ranges": [[{"subnet": "10.244.1.0/24"}],
      [{"subnet": "10.250.0.0/24", "rangeStart": "10.250.0.5", "rangeEnd": "10.250.0.5"}]]})"));
  auto first = ipam.add(pod(1), {});
  REQUIRE(first.ok());
  REQUIRE(first->ips.size() == 2);
  CHECK(first->ips[1].address.str() == "10.250.0.5/24");
  auto second = ipam.add(pod(2), {});
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == ErrorCode::kExhausted);
  CHECK(second.error().message ==
        "no free address in ipam.ranges[1] (10.250.0.5-10.250.0.5 of 10.250.0.0/24): 1 of 1 in use");
  auto all = ipam.list();
  REQUIRE(all.ok());
  CHECK(all->size() == 2);
  for (const auto& [address, holder] : *all) CHECK(holder == pod(1));
  CHECK(marks_in(dir_of(tmp)) == std::set<std::string>{"c1@eth0"});
}

TEST_CASE("a set of several ranges fills the first before the next") {
  TempDir tmp;
  Ipam ipam = open_ipam(config_in(tmp, R"({"ranges": [[
      {"subnet": "10.244.1.0/24", "rangeStart": "10.244.1.253"},
      {"subnet": "10.244.2.0/24", "gateway": "10.244.2.254"}]]})"));
  CHECK(added(ipam, pod(1)) == "10.244.1.253/24");
  CHECK(added(ipam, pod(2)) == "10.244.1.254/24");
  auto third = ipam.add(pod(3), {});
  REQUIRE(third.ok());
  CHECK(third->ips[0].address.str() == "10.244.2.1/24");
  CHECK(third->ips[0].gateway == ip("10.244.2.254"));
}

TEST_CASE("STATUS fails as ADD would once a range set is full") {
  TempDir tmp;
  Ipam ipam = open_ipam(config_in(tmp, R"({"ranges": [[{"subnet": "10.244.1.0/24"}],
      [{"subnet": "10.250.0.0/24", "rangeStart": "10.250.0.5", "rangeEnd": "10.250.0.6"}]]})"));
  CHECK(ipam.free_address_available().ok());
  REQUIRE(ipam.add(pod(1), {}).ok());
  CHECK(ipam.free_address_available().ok());
  REQUIRE(ipam.add(pod(2), {}).ok());
  auto full = ipam.free_address_available();
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == ErrorCode::kExhausted);
  CHECK(full.error().message ==
        "no free address in ipam.ranges[1] (10.250.0.5-10.250.0.6 of 10.250.0.0/24): 2 of 2 in use");

  REQUIRE(ipam.del(pod(2)).ok());
  write_file(dir_of(tmp) + "/10.250.0.6", "");  // a crash's leftover takes no room
  CHECK(ipam.free_address_available().ok());
}

TEST_CASE("ADD refuses attachments that are not CNI's") {
  TempDir tmp;
  Ipam ipam = open_ipam(config_in(tmp, R"({"subnet": "10.244.1.0/24"})"));
  auto r = ipam.add({"../../etc", "eth0"}, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalid);
  auto c = ipam.check({"c1", ""});
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == ErrorCode::kInvalid);
}

TEST_CASE("20 processes adding and deleting at once share the range without a collision") {
  TempDir tmp;
  // Exactly 200 addresses: one lost or handed out twice and some ADD fails.
  const auto config = config_in(tmp, R"({"ranges": [[{"subnet": "10.244.0.0/24", "rangeStart": "10.244.0.10",
                                                       "rangeEnd": "10.244.0.209"}]]})");
  constexpr int kProcesses = 20, kEach = 10;
  auto attachment = [](int process, int i) {
    return Attachment{"p" + std::to_string(process) + "-" + std::to_string(i), "eth0"};
  };
  // Forks the processes, lets them go at once, and returns how many failed.
  auto in_parallel = [&](bool add) {
    int gate[2];
    REQUIRE(::pipe(gate) == 0);
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
      pid_t pid = ::fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        ::close(gate[1]);
        char byte;
        if (::read(gate[0], &byte, 1) != 0) _exit(10);  // EOF: the gate opened
        auto ipam = Ipam::open(config, "xebec");
        if (!ipam) _exit(11);
        for (int i = 0; i < kEach; ++i) {
          Attachment a = attachment(p, i);
          if (!add) {
            if (!ipam->del(a)) _exit(12);
            continue;
          }
          auto r = ipam->add(a, {});
          if (!r) _exit(13);
          auto check = ipam->check(a);
          if (!check || check->ips[0].address != r->ips[0].address) _exit(14);
        }
        _exit(0);
      }
      children.push_back(pid);
    }
    ::close(gate[0]);
    ::close(gate[1]);
    int failed = 0;
    for (pid_t child : children) {
      int status = 0;
      if (::waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
    }
    return failed;
  };

  CHECK(in_parallel(true) == 0);
  Ipam ipam = open_ipam(config);
  auto all = ipam.list();
  REQUIRE(all.ok());
  CHECK(all->size() == kProcesses * kEach);
  std::set<Ipv4Address> addresses;
  std::set<Attachment> holders;
  for (const auto& [address, holder] : *all) {
    addresses.insert(address);
    holders.insert(holder);
  }
  CHECK(addresses.size() == kProcesses * kEach);
  std::set<Attachment> expected;
  for (int p = 0; p < kProcesses; ++p)
    for (int i = 0; i < kEach; ++i) expected.insert(attachment(p, i));
  CHECK(holders == expected);

  CHECK(in_parallel(false) == 0);
  all = ipam.list();
  REQUIRE(all.ok());
  CHECK(all->empty());
  CHECK(marks_in(dir_of(tmp)).empty());
}
