// Field validation against the served types' schemas: what passes, what is unknown, what is
// mistyped, and the strategic-merge keys kubectl apply reads from the schemas.
#include "controlplane/api/schema.h"

#include <catch2/catch.hpp>

using namespace xebec;
using namespace xebec::api;
using nlohmann::json;

namespace {

const ResourceType& served(const std::string& resource) {
  for (const auto& t : resource_types())
    if (t.resource == resource) return t;
  FAIL("not served: " << resource);
  throw;
}

// A Deployment as people write them: probes, resources, env from a secret, volumes, affinity.
json deployment() {
  return json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"},
                 "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
    "spec": {
      "replicas": 3, "revisionHistoryLimit": 5, "progressDeadlineSeconds": 600,
      "selector": {"matchLabels": {"app": "web"},
                   "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]},
      "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
      "template": {
        "metadata": {"labels": {"app": "web", "tier": "front"}},
        "spec": {
          "terminationGracePeriodSeconds": 30,
          "nodeSelector": {"kubernetes.io/os": "linux"},
          "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"}],
          "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
              {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                                  "labelSelector": {"matchLabels": {"app": "web"}}}}]}},
          "securityContext": {"runAsNonRoot": true, "fsGroup": 2000},
          "volumes": [{"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}},
                      {"name": "cache", "emptyDir": {"sizeLimit": "1Gi"}}],
          "containers": [{
            "name": "web", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
            "args": ["--port", "8080"],
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "env": [{"name": "MODE", "value": "prod"},
                    {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "web", "key": "token"}}}],
            "envFrom": [{"configMapRef": {"name": "web-env"}}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": 0.5, "memory": "256Mi"}},
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10},
            "readinessProbe": {"tcpSocket": {"port": 8080}},
            "startupProbe": {"exec": {"command": ["true"]}, "failureThreshold": 30},
            "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
            "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}},
            "volumeMounts": [{"name": "config", "mountPath": "/etc/web", "readOnly": true}]
          }]
        }
      }
    },
    "status": {"replicas": 3, "conditions": [{"type": "Available", "status": "True"}]}
  })");
}

json service() {
  return json::parse(R"({
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {
      "type": "NodePort", "selector": {"app": "web"}, "sessionAffinity": "ClientIP",
      "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 600}},
      "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "externalTrafficPolicy": "Local",
      "ports": [{"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080},
                {"name": "metrics", "port": 9090, "targetPort": 9090, "protocol": "TCP"}]
    }
  })");
}

// The schema a field of a component names, through its allOf/$ref.
const json& field(const std::string& schema, const std::string& name) {
  return component_schemas().at(schema).at("properties").at(name);
}

}  // namespace

TEST_CASE("every served kind has its schema, its list's, and the GVK kubectl looks up", "[api][schema]") {
  for (const auto& t : resource_types()) {
    INFO(t.kind);
    const json gvk = {{"group", t.group}, {"version", t.version}, {"kind", t.kind}};
    CHECK(component_schemas().at(schema_name(t))["x-kubernetes-group-version-kind"] == json::array({gvk}));
    CHECK(component_schemas().at(schema_name(t, true))["properties"]["items"]["items"]["allOf"][0]["$ref"] ==
          "#/components/schemas/" + schema_name(t));
  }
  CHECK(schema_name(served("deployments")) == "io.k8s.api.apps.v1.Deployment");
  CHECK(schema_name(served("pods"), true) == "io.k8s.api.core.v1.PodList");
}

TEST_CASE("manifests as people write them pass strict validation", "[api][schema]") {
  struct Row {
    const char* description;
    std::string resource;
    json object;
  };
  const std::vector<Row> rows = {
      {"a deployment with probes, resources, env, volumes and affinity", "deployments", deployment()},
      {"a service with named and numbered target ports", "services", service()},
      {"a pod with an open status and fields set to null",
       "pods",
       {{"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata", {{"name", "p"}, {"labels", nullptr}}},
        {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}, {"command", nullptr}}}}}},
        {"status", {{"phase", "Running"}, {"anything", {{"at", {"all", 1, true}}}}}}}},
      {"a replication controller, whose selector is a plain map",
       "replicationcontrollers",
       {{"spec",
         {{"replicas", 1}, {"selector", {{"app", "x"}}}, {"template", {{"metadata", {{"labels", {{"app", "x"}}}}}}}}}}},
      {"a node with taints and pod CIDRs",
       "nodes",
       {{"spec",
         {{"podCIDRs", {"10.0.1.0/24"}},
          {"unschedulable", true},
          {"taints", {{{"key", "k"}, {"effect", "NoSchedule"}, {"timeAdded", "2026-01-01T00:00:00Z"}}}}}}}},
      {"endpoints",
       "endpoints",
       {{"subsets",
         {{{"addresses", {{{"ip", "10.0.0.1"}, {"targetRef", {{"kind", "Pod"}, {"name", "p"}}}}}},
           {"notReadyAddresses", json::array()},
           {"ports", {{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}}}}}}}}},
      {"an event",
       "events",
       {{"involvedObject", {{"kind", "Pod"}, {"name", "p"}}},
        {"reason", "Scheduled"},
        {"source", {{"component", "scheduler"}}},
        {"count", 2},
        {"eventTime", "2026-01-01T00:00:00.000000Z"},
        {"series", {{"count", 2}, {"lastObservedTime", "2026-01-01T00:00:00.000000Z"}}},
        {"reportingComponent", "xebec-scheduler"}}},
      {"a namespace with finalizers", "namespaces", {{"spec", {{"finalizers", {"kubernetes"}}}}}},
  };
  for (const auto& row : rows) {
    INFO(row.description);
    const auto unknown = check_fields(served(row.resource), row.object, true);
    REQUIRE(unknown.ok());
    CHECK(unknown->empty());
  }
}

TEST_CASE("unknown fields are reported with their paths", "[api][schema]") {
  json d = deployment();
  d["spec"]["replica"] = 3;
  d["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always";
  d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["hostport"] = 80;
  d["metadata"]["lables"] = {{"a", "b"}};

  const auto warned = check_fields(served("deployments"), d, false);
  REQUIRE(warned.ok());
  CHECK(*warned == std::vector<std::string>{
                       "unknown field \"metadata.lables\"",
                       "unknown field \"spec.replica\"",
                       "unknown field \"spec.template.spec.containers[0].imagePullPolcy\"",
                       "unknown field \"spec.template.spec.containers[0].ports[0].hostport\"",
                   });

  const auto strict = check_fields(served("deployments"), d, true);
  REQUIRE_FALSE(strict.ok());
  CHECK(strict.error().code == ErrorCode::kBadRequest);
  CHECK(strict.error().message ==
        "strict decoding error: unknown field \"metadata.lables\", unknown field \"spec.replica\", unknown field "
        "\"spec.template.spec.containers[0].imagePullPolcy\", unknown field "
        "\"spec.template.spec.containers[0].ports[0].hostport\"");

  CHECK(*check_fields(served("services"), {{"spec", {{"ports", {{{"port", 80}, {"tagetPort", 8080}}}}}}}, false) ==
        std::vector<std::string>{"unknown field \"spec.ports[0].tagetPort\""});
  CHECK(*check_fields(served("pods"), {{"extra", 1}}, false) == std::vector<std::string>{"unknown field \"extra\""});
}

TEST_CASE("values of the wrong JSON type are bad requests, strict or not", "[api][schema]") {
  struct Row {
    const char* description;
    std::string resource;
    json object;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"a string where an int32 is declared",
       "deployments",
       {{"spec", {{"replicas", "3"}}}},
       "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct "
       "field DeploymentSpec.spec.replicas of type int32"},
      {"a number where a string is declared, inside a list",
       "deployments",
       {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", 7}}}}}}}}}}},
       "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal number 7 into Go "
       "struct field Container.spec.template.spec.containers.image of type string"},
      {"a fraction where an integer is declared",
       "pods",
       {{"spec", {{"terminationGracePeriodSeconds", 2.5}}}},
       "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal number 2.5 into Go struct field "
       "PodSpec.spec.terminationGracePeriodSeconds of type int64"},
      {"an int32 out of range",
       "services",
       {{"spec", {{"ports", {{{"port", 3000000000LL}}}}}}},
       "Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal number 3000000000 into Go "
       "struct field ServicePort.spec.ports.port of type int32"},
      {"a bool where int-or-string is declared",
       "services",
       {{"spec", {{"ports", {{{"targetPort", true}}}}}}},
       "Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal bool into Go struct field "
       "ServicePort.spec.ports.targetPort of type intstr.IntOrString"},
      {"a list where a map is declared",
       "pods",
       {{"metadata", {{"labels", {"a", "b", "c"}}}}},
       "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal array into Go struct field "
       "ObjectMeta.metadata.labels of type map[string]string"},
      {"a map where a list is declared",
       "pods",
       {{"spec", {{"containers", {{"name", "c"}}}}}},
       "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field "
       "PodSpec.spec.containers of type []v1.Container"},
      {"a string where an open status object is declared",
       "deployments",
       {{"status", "ok"}},
       "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct "
       "field Deployment.status of type v1.DeploymentStatus"},
      {"not an object at all", "namespaces", json::array(),
       "Namespace in version \"v1\" cannot be handled as a Namespace: json: cannot unmarshal array into Go value of "
       "type v1.Namespace"},
  };
  for (const auto& row : rows) {
    INFO(row.description);
    for (const bool strict : {false, true}) {
      const auto result = check_fields(served(row.resource), row.object, strict);
      REQUIRE_FALSE(result.ok());
      CHECK(result.error().code == ErrorCode::kBadRequest);
      CHECK(result.error().message == row.message);
    }
  }
}

TEST_CASE("open objects accept anything an object holds", "[api][schema]") {
  const json anything = {{"x", {{"y", {1, "two", nullptr, {{"z", false}}}}}}, {"n", 1.5}};
  json pod = {{"spec", {{"affinity", anything}, {"volumes", {anything, {{"name", "v"}, {"hostPath", anything}}}}}},
              {"status", anything}};
  pod["spec"]["containers"] = {{{"name", "c"},
                                {"livenessProbe", anything},
                                {"lifecycle", anything},
                                {"securityContext", anything},
                                {"env", {{{"name", "e"}, {"valueFrom", anything}}}}}};
  pod["metadata"]["managedFields"] = json::array({anything});
  const auto unknown = check_fields(served("pods"), pod, true);
  REQUIRE(unknown.ok());
  CHECK(unknown->empty());
}

TEST_CASE("schemas carry the strategic merge keys and int-or-string markers Kubernetes publishes", "[api][schema]") {
  const std::string core = "io.k8s.api.core.v1.";
  struct Row {
    std::string schema, field, merge_key, strategy;
  };
  const std::vector<Row> rows = {
      {core + "PodSpec", "containers", "name", "merge"},
      {core + "PodSpec", "initContainers", "name", "merge"},
      {core + "PodSpec", "volumes", "name", "merge,retainKeys"},
      {core + "PodSpec", "imagePullSecrets", "name", "merge"},
      {core + "Container", "ports", "containerPort", "merge"},
      {core + "Container", "env", "name", "merge"},
      {core + "Container", "volumeMounts", "mountPath", "merge"},
      {core + "ServiceSpec", "ports", "port", "merge"},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "ownerReferences", "uid", "merge"},
      {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers", "", "merge"},
      {"io.k8s.api.apps.v1.DeploymentSpec", "strategy", "", "retainKeys"},
  };
  for (const auto& row : rows) {
    INFO(row.schema << "." << row.field);
    const json& f = field(row.schema, row.field);
    CHECK(f.value("x-kubernetes-patch-merge-key", "") == row.merge_key);
    CHECK(f["x-kubernetes-patch-strategy"] == row.strategy);
  }
  CHECK_FALSE(field(core + "PodSpec", "tolerations").contains("x-kubernetes-patch-strategy"));

  const json& target_port = field(core + "ServicePort", "targetPort");
  const std::string ref = target_port["allOf"][0]["$ref"];
  CHECK(ref == "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString");
  CHECK(component_schemas().at(ref.substr(ref.rfind('/') + 1))["x-kubernetes-int-or-string"] == true);
}
