// Pods wired by xebec-cni carry traffic: to each other on one node and to a service VIP
// through the dataplane programs ADD attached; and 200 ADDs and DELs from 20 processes at
// once leave every address unique and nothing behind.
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "dataplane/address.h"
#include "tests/cni/cni_fixture.h"
#include "tests/support/eventually.h"

namespace xebec::testing {
namespace {

using nlohmann::json;

TEST_CASE("pods on one node reach each other, and a service VIP through the attached programs", "[cni][traffic]") {
  CniFixture f("cnitraffic");
  auto conf = f.config();
  auto client_ns = f.add_pod_namespace(), server_ns = f.add_pod_namespace();
  auto client = f.cni("ADD", "client", client_ns, conf);
  auto server = f.cni("ADD", "server", server_ns, conf);
  REQUIRE(client.exit_code == 0);
  REQUIRE(server.exit_code == 0);
  auto server_ip = pod_ip(server.json());

  TcpServer backend(server_ns, "backend", "0.0.0.0", 8080);
  auto direct = TcpClient::connect(client_ns, server_ip, 8080);
  REQUIRE(direct.ok());
  CHECK(direct->greeting() == "backend");

  // A service programmed after the pods were wired: the programs ADD attached serve it.
  dataplane::ServiceSpec svc;
  svc.frontend = must(dataplane::parse_frontend("10.96.0.10:80/tcp"));
  svc.backends = {must(dataplane::parse_endpoint(server_ip + ":8080"))};
  REQUIRE(f.dataplane().lb().apply({svc}, false).ok());
  auto via_vip = TcpClient::connect(client_ns, "10.96.0.10", 80);
  INFO((via_vip.ok() ? "" : via_vip.error().message));
  REQUIRE(via_vip.ok());
  CHECK(via_vip->greeting() == "backend");
  CHECK(must(via_vip->exchange("ping")) == "backend ping");
}

TEST_CASE("200 concurrent ADDs then DELs from 20 processes: unique addresses, nothing leaked", "[cni][concurrency]") {
  CniFixture f("cniconc");
  auto conf = f.config("1.1.0", "10.244.0.0/23");
  constexpr int kWorkers = 20, kEach = 10;
  std::vector<std::string> pods;
  for (int i = 0; i < kWorkers * kEach; ++i) pods.push_back(f.add_pod_namespace());

  std::vector<std::string> ips(pods.size()), failures;
  std::mutex mu;
  auto run_all = [&](const std::string& command) {
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w)
      workers.emplace_back([&, w] {
        for (int k = 0; k < kEach; ++k) {
          int i = w * kEach + k;
          auto run = f.cni(command, "c" + std::to_string(i), pods[i], conf);
          std::lock_guard lock(mu);
          if (run.exit_code != 0) failures.push_back(command + " c" + std::to_string(i) + ": " + run.output);
          if (command == "ADD" && run.exit_code == 0) ips[i] = pod_ip(run.json());
        }
      });
    for (auto& t : workers) t.join();
  };

  run_all("ADD");
  INFO((failures.empty() ? "" : failures.front()));
  CHECK(failures.empty());
  std::set<std::string> unique(ips.begin(), ips.end());
  CHECK(unique.size() == pods.size());
  CHECK(f.reserved().size() == pods.size());
  CHECK(f.host_links().size() == pods.size());

  run_all("DEL");
  CHECK(failures.empty());
  CHECK(f.reserved().empty());
  eventually("every host-side veth is deleted", [&] { return f.host_links().empty(); });
}

}  // namespace
}  // namespace xebec::testing
