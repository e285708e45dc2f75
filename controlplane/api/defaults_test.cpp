// Defaults filled in and invalid objects refused, as Kubernetes does.
#include "controlplane/api/defaults.h"

#include <catch2/catch.hpp>

using namespace xebec::api;
using nlohmann::json;

namespace {
const ResourceType& type(const std::string& resource, const std::string& group = "") {
  const ResourceType* t = find_resource(group, "v1", resource);
  REQUIRE(t);
  return *t;
}
std::string invalid(const ResourceType& t, const json& o) {
  auto s = validate(t, o);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == xebec::ErrorCode::kInvalid);
  return s.error().message;
}
const json kDeployment = json::parse(R"({"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},
  "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"nginx:1.25",
  "ports":[{"containerPort":80}]}]}}}})");
}  // namespace

TEST_CASE("defaults: deployments, pods and services get what Kubernetes gives them", "[api][defaults]") {
  json d = kDeployment;
  apply_defaults(type("deployments", "apps"), d);
  CHECK(d["spec"]["replicas"] == 1);
  CHECK(d["spec"]["strategy"] == json::parse(R"({"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}})"));
  CHECK(d["spec"]["revisionHistoryLimit"] == 10);
  const json& c = d["spec"]["template"]["spec"]["containers"][0];
  CHECK(c["imagePullPolicy"] == "IfNotPresent");
  CHECK(c["ports"][0]["protocol"] == "TCP");
  CHECK(d["spec"]["template"]["spec"]["restartPolicy"] == "Always");

  json p = json::parse(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}})");
  apply_defaults(type("pods"), p);
  CHECK(p["spec"]["containers"][0]["imagePullPolicy"] == "Always");  // no tag: latest
  CHECK(p["spec"]["schedulerName"] == "default-scheduler");
  CHECK(p["status"]["phase"] == "Pending");

  json s = json::parse(R"({"metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"sessionAffinity":"ClientIP",
    "ports":[{"port":80,"targetPort":"http"},{"port":53,"protocol":"UDP","name":"dns"},{"port":8080,"targetPort":0},
    {"port":9090,"targetPort":""}]}})");
  apply_defaults(type("services"), s);
  CHECK(s["spec"]["type"] == "ClusterIP");
  CHECK(s["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"] == 10800);
  CHECK(s["spec"]["ports"][0]["protocol"] == "TCP");
  CHECK(s["spec"]["ports"][0]["targetPort"] == "http");
  CHECK(s["spec"]["ports"][1]["targetPort"] == 53);
  CHECK(s["spec"]["ports"][2]["targetPort"] == 8080);
  CHECK(s["spec"]["ports"][3]["targetPort"] == 9090);

  json rc = json::parse(R"({"metadata":{"name":"r"},"spec":{"template":{"metadata":{"labels":{"a":"b"}},"spec":{}}}})");
  apply_defaults(type("replicationcontrollers"), rc);
  CHECK(rc["spec"]["selector"] == json{{"a", "b"}});
}

TEST_CASE("validation refuses what cannot work, naming the field", "[api][defaults]") {
  CHECK(validate(type("deployments", "apps"), kDeployment).ok());
  json mismatch = kDeployment;
  mismatch["spec"]["selector"]["matchLabels"]["app"] = "other";
  CHECK(invalid(type("deployments", "apps"), mismatch)
            .starts_with("Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: "));
  CHECK(invalid(type("deployments", "apps"), mismatch).ends_with("`selector` does not match template `labels`"));

  json empty_pod = json::parse(R"({"metadata":{"name":"p"},"spec":{"containers":[]}})");
  CHECK(invalid(type("pods"), empty_pod) == "Pod \"p\" is invalid: spec.containers: Required value");
  json two = json::parse(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"},{"image":"x","ports":[{"containerPort":70000}]}]}})");
  const std::string msg = invalid(type("pods"), two);
  CHECK(msg.find("spec.containers[0].image: Required value") != std::string::npos);
  CHECK(msg.find("spec.containers[1].name: Required value") != std::string::npos);
  CHECK(msg.find("must be between 1 and 65535") != std::string::npos);

  json svc = json::parse(R"({"metadata":{"name":"s"},"spec":{"ports":[{"port":0}]}})");
  CHECK(invalid(type("services"), svc).find("spec.ports[0].port: Invalid value: 0") != std::string::npos);
  json np = json::parse(R"({"metadata":{"name":"s"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":80}]}})");
  CHECK(invalid(type("services"), np).find("The range of valid ports is 30000-32767") != std::string::npos);
  json labels = json::parse(R"({"metadata":{"name":"s","labels":{"bad key!":"x"}},"spec":{"ports":[{"port":80}]}})");
  CHECK(invalid(type("services"), labels).find("metadata.labels") != std::string::npos);
}
