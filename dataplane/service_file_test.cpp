// The services file: YAML and JSON decode alike; each mistake is reported with its place.
#include "dataplane/service_file.h"

#include <catch2/catch.hpp>

using namespace xebec::dataplane;

TEST_CASE("the documented YAML shape decodes") {
  auto specs = parse_service_file(R"(
services:
- frontend: 10.96.0.10:80/tcp      # VIP:PORT/PROTO
  backends: [10.244.1.2:8080, 10.244.2.7:8080]
  algorithm: maglev
  affinityTimeout: 10800
  nodePort: 30080
- frontend: 10.96.0.11:53/udp
  backends:
  - 10.244.1.3:53
)");
  REQUIRE(specs.ok());
  REQUIRE(specs->size() == 2);
  const auto& a = specs->at(0);
  CHECK(format_frontend(a.frontend) == "10.96.0.10:80/tcp");
  CHECK(a.backends.size() == 2);
  CHECK(a.algorithm == Algorithm::kMaglev);
  CHECK(a.affinity_timeout == 10800);
  CHECK(a.node_port == 30080);
  CHECK(a.maglev_table_size == kMaglevDefaultTableSize);
  CHECK(specs->at(1).algorithm == Algorithm::kRandom);
  CHECK(specs->at(1).affinity_timeout == 0);
}

TEST_CASE("JSON decodes to the same services as YAML") {
  auto json = parse_service_file(R"({"services": [{"frontend": "10.96.0.10:80/tcp",
      "backends": ["10.244.1.2:8080"], "affinityTimeout": 60, "nodePort": 30080}]})");
  auto yaml = parse_service_file("services:\n- frontend: 10.96.0.10:80/tcp\n  backends: [10.244.1.2:8080]\n"
                                 "  affinityTimeout: 60\n  nodePort: 30080\n");
  REQUIRE(json.ok());
  REQUIRE(yaml.ok());
  CHECK(json->at(0).same_datapath(yaml->at(0)));
}

TEST_CASE("mistakes are reported with the entry and field") {
  struct Row {
    const char* content;
    const char* message_part;
  };
  const Row rows[] = {
      {"services:\n- frontend: 10.96.0.10:80\n", "services[0].frontend: '10.96.0.10:80' is not VIP:PORT/PROTO"},
      {"services:\n- frontend: 10.96.0.10:80/tcp\n  backends: [10.244.1.2]\n", "services[0].backends[0]"},
      {"services:\n- frontend: 10.96.0.10:80/tcp\n  backend: [10.244.1.2:80]\n", "unknown field 'backend'"},
      {"services:\n- frontend: 10.96.0.10:80/tcp\n  affinityTimeout: 100000\n", "affinityTimeout"},
      {"services:\n- frontend: 10.96.0.10:80/tcp\n  nodePort: '30080'\n", "nodePort: expected a whole number"},
      {"services:\n- frontend: 10.96.0.10:80/tcp\n  algorithm: roundrobin\n", "not an algorithm"},
      {"services:\n- frontend: 10.96.0.10:80/tcp\n- frontend: 10.96.0.10:80/tcp\n", "services[1]: frontend 10.96.0.10:80/tcp is listed twice"},
      {"services:\n- backends: []\n", "missing 'frontend'"},
      {"service:\n- frontend: 10.96.0.10:80/tcp\n", "top-level 'services:'"},
      {"services: [\n", "invalid YAML"},
      {"{\"services\": [}", "invalid JSON"},
  };
  for (const auto& row : rows) {
    INFO(row.content);
    auto r = parse_service_file(row.content);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains(row.message_part));
  }
}

TEST_CASE("an empty services list is valid") {
  auto r = parse_service_file("services: []\n");
  REQUIRE(r.ok());
  CHECK(r->empty());
}
