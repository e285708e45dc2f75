// The served types' schemas, written as tables of fields after Kubernetes' types.go (k8s.io/api),
// and the walk that checks an object against them.
#include "controlplane/api/schema.h"

#include <cstdint>
#include <optional>
#include <utility>

namespace xebec::api {

namespace {

using nlohmann::json;

const std::string kMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.";
const std::string kCore = "io.k8s.api.core.v1.";
const std::string kApps = "io.k8s.api.apps.v1.";
const std::string kScale = "io.k8s.api.autoscaling.v1.";
const std::string kQuantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const std::string kIntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const std::string kRefPrefix = "#/components/schemas/";

// Field types, each the schema of one field.
json str() { return {{"type", "string"}}; }
json i32() { return {{"type", "integer"}, {"format", "int32"}}; }
json i64() { return {{"type", "integer"}, {"format", "int64"}}; }
json boolean() { return {{"type", "boolean"}}; }
json component(const std::string& name) { return {{"allOf", {{{"$ref", kRefPrefix + name}}}}}; }
json array(json items) { return {{"type", "array"}, {"items", std::move(items)}}; }
json map(json values) { return {{"type", "object"}, {"additionalProperties", std::move(values)}}; }
json strings() { return array(str()); }
json string_map() { return map(str()); }
json quantities() { return map(component(kQuantity)); }
json timestamp() { return component(kMeta + "Time"); }

// How strategic merge patch treats the field: "merge" for a list merged element by element
// on `merge_key` (or, without one, a list of scalars merged as a set), "retainKeys" for a
// struct whose unmentioned fields a patch clears.
json patched(json field, const std::string& strategy, const std::string& merge_key = "") {
  field["x-kubernetes-patch-strategy"] = strategy;
  if (!merge_key.empty()) field["x-kubernetes-patch-merge-key"] = merge_key;
  return field;
}
json merged_by(const std::string& merge_key, const std::string& item) {
  return patched(array(component(item)), "merge", merge_key);
}

using Fields = std::vector<std::pair<std::string, json>>;

// An object schema. `open` keeps fields beyond `fields` (x-kubernetes-preserve-unknown-fields):
// for statuses, which controllers write, and for the parts of a pod the node agent reads
// (probes, volumes, affinity, ...), which this server stores as given.
struct Definition {
  Definition(std::string n, Fields f, bool o = false, std::string d = "")
      : name(std::move(n)), fields(std::move(f)), open(o), description(std::move(d)) {}
  std::string name;
  Fields fields;
  bool open;
  std::string description;
};

Fields concat(Fields a, const Fields& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A served kind: apiVersion, kind, metadata, spec and an open status.
Definition kind(const std::string& name, const std::string& description) {
  return {name,
          {{"apiVersion", str()},
           {"kind", str()},
           {"metadata", component(kMeta + "ObjectMeta")},
           {"spec", component(name + "Spec")},
           {"status", component(name + "Status")}},
          false,
          description};
}
Definition open(const std::string& name) { return {name, {}, true, ""}; }

const Fields kContainerFields = {
    {"name", str()},
    {"image", str()},
    {"command", strings()},
    {"args", strings()},
    {"workingDir", str()},
    {"ports", merged_by("containerPort", kCore + "ContainerPort")},
    {"envFrom", array(component(kCore + "EnvFromSource"))},
    {"env", merged_by("name", kCore + "EnvVar")},
    {"resources", component(kCore + "ResourceRequirements")},
    {"resizePolicy", array(component(kCore + "ContainerResizePolicy"))},
    {"restartPolicy", str()},
    {"volumeMounts", merged_by("mountPath", kCore + "VolumeMount")},
    {"volumeDevices", merged_by("devicePath", kCore + "VolumeDevice")},
    {"livenessProbe", component(kCore + "Probe")},
    {"readinessProbe", component(kCore + "Probe")},
    {"startupProbe", component(kCore + "Probe")},
    {"lifecycle", component(kCore + "Lifecycle")},
    {"terminationMessagePath", str()},
    {"terminationMessagePolicy", str()},
    {"imagePullPolicy", str()},
    {"securityContext", component(kCore + "SecurityContext")},
    {"stdin", boolean()},
    {"stdinOnce", boolean()},
    {"tty", boolean()},
};

std::vector<Definition> definitions() {
  return {
      // meta/v1
      {kMeta + "ObjectMeta",
       {{"name", str()},
        {"generateName", str()},
        {"namespace", str()},
        {"selfLink", str()},
        {"uid", str()},
        {"resourceVersion", str()},
        {"generation", i64()},
        {"creationTimestamp", timestamp()},
        {"deletionTimestamp", timestamp()},
        {"deletionGracePeriodSeconds", i64()},
        {"labels", string_map()},
        {"annotations", string_map()},
        {"ownerReferences", merged_by("uid", kMeta + "OwnerReference")},
        {"finalizers", patched(strings(), "merge")},
        {"managedFields", array(component(kMeta + "ManagedFieldsEntry"))}}},
      {kMeta + "OwnerReference",
       {{"apiVersion", str()},
        {"kind", str()},
        {"name", str()},
        {"uid", str()},
        {"controller", boolean()},
        {"blockOwnerDeletion", boolean()}}},
      open(kMeta + "ManagedFieldsEntry"),
      {kMeta + "ListMeta",
       {{"selfLink", str()}, {"resourceVersion", str()}, {"continue", str()}, {"remainingItemCount", i64()}}},
      {kMeta + "LabelSelector",
       {{"matchLabels", string_map()}, {"matchExpressions", array(component(kMeta + "LabelSelectorRequirement"))}}},
      {kMeta + "LabelSelectorRequirement", {{"key", str()}, {"operator", str()}, {"values", strings()}}},
      {kMeta + "DeleteOptions",
       {{"apiVersion", str()},
        {"kind", str()},
        {"gracePeriodSeconds", i64()},
        {"preconditions", component(kMeta + "Preconditions")},
        {"orphanDependents", boolean()},
        {"propagationPolicy", str()},
        {"dryRun", strings()},
        {"ignoreStoreReadErrorWithClusterBreakingPotential", boolean()}}},
      {kMeta + "Preconditions", {{"uid", str()}, {"resourceVersion", str()}}},
      {kMeta + "Status",
       {{"apiVersion", str()},
        {"kind", str()},
        {"metadata", component(kMeta + "ListMeta")},
        {"status", str()},
        {"message", str()},
        {"reason", str()},
        {"details", component(kMeta + "StatusDetails")},
        {"code", i32()}}},
      {kMeta + "StatusDetails",
       {{"name", str()},
        {"group", str()},
        {"kind", str()},
        {"uid", str()},
        {"causes", array(component(kMeta + "StatusCause"))},
        {"retryAfterSeconds", i32()}}},
      {kMeta + "StatusCause", {{"reason", str()}, {"message", str()}, {"field", str()}}},

      // core/v1: the pod and what it holds
      kind(kCore + "Pod", "Pod is a collection of containers that can run on a host."),
      {kCore + "PodTemplateSpec",
       {{"metadata", component(kMeta + "ObjectMeta")}, {"spec", component(kCore + "PodSpec")}}},
      {kCore + "PodSpec",
       {{"volumes", patched(array(component(kCore + "Volume")), "merge,retainKeys", "name")},
        {"initContainers", merged_by("name", kCore + "Container")},
        {"containers", merged_by("name", kCore + "Container")},
        {"ephemeralContainers", merged_by("name", kCore + "EphemeralContainer")},
        {"restartPolicy", str()},
        {"terminationGracePeriodSeconds", i64()},
        {"activeDeadlineSeconds", i64()},
        {"dnsPolicy", str()},
        {"nodeSelector", string_map()},
        {"serviceAccountName", str()},
        {"serviceAccount", str()},
        {"automountServiceAccountToken", boolean()},
        {"nodeName", str()},
        {"hostNetwork", boolean()},
        {"hostPID", boolean()},
        {"hostIPC", boolean()},
        {"shareProcessNamespace", boolean()},
        {"securityContext", component(kCore + "PodSecurityContext")},
        {"imagePullSecrets", merged_by("name", kCore + "LocalObjectReference")},
        {"hostname", str()},
        {"subdomain", str()},
        {"affinity", component(kCore + "Affinity")},
        {"schedulerName", str()},
        {"tolerations", array(component(kCore + "Toleration"))},
        {"hostAliases", merged_by("ip", kCore + "HostAlias")},
        {"priorityClassName", str()},
        {"priority", i32()},
        {"dnsConfig", component(kCore + "PodDNSConfig")},
        {"readinessGates", array(component(kCore + "PodReadinessGate"))},
        {"runtimeClassName", str()},
        {"enableServiceLinks", boolean()},
        {"preemptionPolicy", str()},
        {"overhead", quantities()},
        {"topologySpreadConstraints", merged_by("topologyKey", kCore + "TopologySpreadConstraint")},
        {"setHostnameAsFQDN", boolean()},
        {"os", component(kCore + "PodOS")},
        {"hostUsers", boolean()},
        {"schedulingGates", merged_by("name", kCore + "PodSchedulingGate")},
        {"resourceClaims", patched(array(component(kCore + "PodResourceClaim")), "merge,retainKeys", "name")},
        {"resources", component(kCore + "ResourceRequirements")}}},
      {kCore + "Container", kContainerFields},
      {kCore + "EphemeralContainer", concat(kContainerFields, {{"targetContainerName", str()}})},
      {kCore + "ContainerPort",
       {{"name", str()}, {"hostPort", i32()}, {"containerPort", i32()}, {"protocol", str()}, {"hostIP", str()}}},
      {kCore + "EnvVar", {{"name", str()}, {"value", str()}, {"valueFrom", component(kCore + "EnvVarSource")}}},
      {kCore + "EnvFromSource",
       {{"prefix", str()},
        {"configMapRef", component(kCore + "ConfigMapEnvSource")},
        {"secretRef", component(kCore + "SecretEnvSource")}}},
      {kCore + "ConfigMapEnvSource", {{"name", str()}, {"optional", boolean()}}},
      {kCore + "SecretEnvSource", {{"name", str()}, {"optional", boolean()}}},
      {kCore + "ResourceRequirements",
       {{"limits", quantities()}, {"requests", quantities()}, {"claims", array(component(kCore + "ResourceClaim"))}}},
      {kCore + "ResourceClaim", {{"name", str()}, {"request", str()}}},
      {kCore + "ContainerResizePolicy", {{"resourceName", str()}, {"restartPolicy", str()}}},
      {kCore + "VolumeMount",
       {{"name", str()},
        {"readOnly", boolean()},
        {"recursiveReadOnly", str()},
        {"mountPath", str()},
        {"subPath", str()},
        {"mountPropagation", str()},
        {"subPathExpr", str()}}},
      {kCore + "VolumeDevice", {{"name", str()}, {"devicePath", str()}}},
      open(kCore + "EnvVarSource"),
      open(kCore + "Probe"),
      open(kCore + "Lifecycle"),
      open(kCore + "SecurityContext"),
      open(kCore + "PodSecurityContext"),
      open(kCore + "Affinity"),
      open(kCore + "Volume"),
      {kCore + "LocalObjectReference", {{"name", str()}}},
      {kCore + "Toleration",
       {{"key", str()}, {"operator", str()}, {"value", str()}, {"effect", str()}, {"tolerationSeconds", i64()}}},
      {kCore + "HostAlias", {{"ip", str()}, {"hostnames", strings()}}},
      {kCore + "PodDNSConfig",
       {{"nameservers", strings()},
        {"searches", strings()},
        {"options", array(component(kCore + "PodDNSConfigOption"))}}},
      {kCore + "PodDNSConfigOption", {{"name", str()}, {"value", str()}}},
      {kCore + "PodReadinessGate", {{"conditionType", str()}}},
      {kCore + "TopologySpreadConstraint",
       {{"maxSkew", i32()},
        {"topologyKey", str()},
        {"whenUnsatisfiable", str()},
        {"labelSelector", component(kMeta + "LabelSelector")},
        {"minDomains", i32()},
        {"nodeAffinityPolicy", str()},
        {"nodeTaintsPolicy", str()},
        {"matchLabelKeys", strings()}}},
      {kCore + "PodOS", {{"name", str()}}},
      {kCore + "PodSchedulingGate", {{"name", str()}}},
      {kCore + "PodResourceClaim",
       {{"name", str()}, {"resourceClaimName", str()}, {"resourceClaimTemplateName", str()}}},
      open(kCore + "PodStatus"),

      // core/v1: the other kinds
      kind(kCore + "Namespace", "Namespace provides a scope for Names."),
      {kCore + "NamespaceSpec", {{"finalizers", strings()}}},
      open(kCore + "NamespaceStatus"),
      kind(kCore + "Node", "Node is a worker node in the cluster."),
      {kCore + "NodeSpec",
       {{"podCIDR", str()},
        {"podCIDRs", patched(strings(), "merge")},
        {"providerID", str()},
        {"unschedulable", boolean()},
        {"taints", array(component(kCore + "Taint"))},
        {"configSource", component(kCore + "NodeConfigSource")},
        {"externalID", str()}}},
      {kCore + "Taint", {{"key", str()}, {"value", str()}, {"effect", str()}, {"timeAdded", timestamp()}}},
      open(kCore + "NodeConfigSource"),
      open(kCore + "NodeStatus"),
      kind(kCore + "Service",
           "Service is a named abstraction of software service consisting of a port the proxy "
           "listens on and the selector that picks the pods that answer."),
      {kCore + "ServiceSpec",
       {{"ports", merged_by("port", kCore + "ServicePort")},
        {"selector", string_map()},
        {"clusterIP", str()},
        {"clusterIPs", strings()},
        {"type", str()},
        {"externalIPs", strings()},
        {"sessionAffinity", str()},
        {"loadBalancerIP", str()},
        {"loadBalancerSourceRanges", strings()},
        {"externalName", str()},
        {"externalTrafficPolicy", str()},
        {"healthCheckNodePort", i32()},
        {"publishNotReadyAddresses", boolean()},
        {"sessionAffinityConfig", component(kCore + "SessionAffinityConfig")},
        {"ipFamilies", strings()},
        {"ipFamilyPolicy", str()},
        {"allocateLoadBalancerNodePorts", boolean()},
        {"loadBalancerClass", str()},
        {"internalTrafficPolicy", str()},
        {"trafficDistribution", str()}}},
      {kCore + "ServicePort",
       {{"name", str()},
        {"protocol", str()},
        {"appProtocol", str()},
        {"port", i32()},
        {"targetPort", component(kIntOrString)},
        {"nodePort", i32()}}},
      {kCore + "SessionAffinityConfig", {{"clientIP", component(kCore + "ClientIPConfig")}}},
      {kCore + "ClientIPConfig", {{"timeoutSeconds", i32()}}},
      open(kCore + "ServiceStatus"),
      {kCore + "Endpoints",
       {{"apiVersion", str()},
        {"kind", str()},
        {"metadata", component(kMeta + "ObjectMeta")},
        {"subsets", array(component(kCore + "EndpointSubset"))}},
       false,
       "Endpoints is the set of addresses and ports that implement a service."},
      {kCore + "EndpointSubset",
       {{"addresses", array(component(kCore + "EndpointAddress"))},
        {"notReadyAddresses", array(component(kCore + "EndpointAddress"))},
        {"ports", array(component(kCore + "EndpointPort"))}}},
      {kCore + "EndpointAddress",
       {{"ip", str()}, {"hostname", str()}, {"nodeName", str()}, {"targetRef", component(kCore + "ObjectReference")}}},
      {kCore + "EndpointPort", {{"name", str()}, {"port", i32()}, {"protocol", str()}, {"appProtocol", str()}}},
      {kCore + "ObjectReference",
       {{"kind", str()},
        {"namespace", str()},
        {"name", str()},
        {"uid", str()},
        {"apiVersion", str()},
        {"resourceVersion", str()},
        {"fieldPath", str()}}},
      kind(kCore + "ReplicationController", "ReplicationController keeps a number of copies of a pod running."),
      {kCore + "ReplicationControllerSpec",
       {{"replicas", i32()},
        {"minReadySeconds", i32()},
        {"selector", string_map()},
        {"template", component(kCore + "PodTemplateSpec")}}},
      open(kCore + "ReplicationControllerStatus"),
      {kCore + "Event",
       {{"apiVersion", str()},
        {"kind", str()},
        {"metadata", component(kMeta + "ObjectMeta")},
        {"involvedObject", component(kCore + "ObjectReference")},
        {"reason", str()},
        {"message", str()},
        {"source", component(kCore + "EventSource")},
        {"firstTimestamp", timestamp()},
        {"lastTimestamp", timestamp()},
        {"count", i32()},
        {"type", str()},
        {"eventTime", component(kMeta + "MicroTime")},
        {"series", component(kCore + "EventSeries")},
        {"action", str()},
        {"related", component(kCore + "ObjectReference")},
        {"reportingComponent", str()},
        {"reportingInstance", str()}},
       false,
       "Event is a report of an event somewhere in the cluster."},
      {kCore + "EventSource", {{"component", str()}, {"host", str()}}},
      {kCore + "EventSeries", {{"count", i32()}, {"lastObservedTime", component(kMeta + "MicroTime")}}},

      // apps/v1
      kind(kApps + "Deployment", "Deployment enables declarative updates for Pods and ReplicaSets."),
      {kApps + "DeploymentSpec",
       {{"replicas", i32()},
        {"selector", component(kMeta + "LabelSelector")},
        {"template", component(kCore + "PodTemplateSpec")},
        {"strategy", patched(component(kApps + "DeploymentStrategy"), "retainKeys")},
        {"minReadySeconds", i32()},
        {"revisionHistoryLimit", i32()},
        {"paused", boolean()},
        {"progressDeadlineSeconds", i32()}}},
      {kApps + "DeploymentStrategy",
       {{"type", str()}, {"rollingUpdate", component(kApps + "RollingUpdateDeployment")}}},
      {kApps + "RollingUpdateDeployment",
       {{"maxUnavailable", component(kIntOrString)}, {"maxSurge", component(kIntOrString)}}},
      open(kApps + "DeploymentStatus"),
      kind(kApps + "ReplicaSet", "ReplicaSet ensures that a specified number of pod replicas are running."),
      {kApps + "ReplicaSetSpec",
       {{"replicas", i32()},
        {"minReadySeconds", i32()},
        {"selector", component(kMeta + "LabelSelector")},
        {"template", component(kCore + "PodTemplateSpec")}}},
      open(kApps + "ReplicaSetStatus"),

      // autoscaling/v1: the scale subresource
      kind(kScale + "Scale", "Scale represents a scaling request for a resource."),
      {kScale + "ScaleSpec", {{"replicas", i32()}}},
      {kScale + "ScaleStatus", {{"replicas", i32()}, {"selector", str()}}},
  };
}

json object_schema(const Definition& d) {
  json s = {{"type", "object"}};
  if (!d.description.empty()) s["description"] = d.description;
  if (!d.fields.empty()) {
    json& properties = s["properties"] = json::object();
    for (const auto& [name, field] : d.fields) properties[name] = field;
  }
  if (d.open) s["x-kubernetes-preserve-unknown-fields"] = true;
  return s;
}

json gvk_extension(const std::string& group, const std::string& version, const std::string& kind) {
  return json::array({{{"group", group}, {"version", version}, {"kind", kind}}});
}

json build_schemas() {
  json schemas = json::object();
  for (const auto& d : definitions()) schemas[d.name] = object_schema(d);
  schemas[kMeta + "Time"] = {{"type", "string"}, {"format", "date-time"}};
  schemas[kMeta + "MicroTime"] = {{"type", "string"}, {"format", "date-time"}};
  schemas[kMeta + "Patch"] = {{"type", "object"},
                              {"description",
                               "Patch is provided to give a concrete name and type to the "
                               "Kubernetes PATCH request body."}};
  schemas[kQuantity] = {{"oneOf", {{{"type", "string"}}, {{"type", "number"}}}}};
  schemas[kIntOrString] = {{"format", "int-or-string"},
                           {"oneOf", {{{"type", "integer"}}, {{"type", "string"}}}},
                           {"x-kubernetes-int-or-string", true}};
  for (const auto& t : resource_types()) {
    // .at: every served kind has its definition above (a test holds the table to it).
    schemas.at(schema_name(t))["x-kubernetes-group-version-kind"] = gvk_extension(t.group, t.version, t.kind);
    schemas[schema_name(t, true)] = {
        {"type", "object"},
        {"properties",
         {{"apiVersion", str()},
          {"kind", str()},
          {"metadata", component(kMeta + "ListMeta")},
          {"items", array(component(schema_name(t)))}}},
        {"x-kubernetes-group-version-kind", gvk_extension(t.group, t.version, t.list_kind())}};
  }
  schemas.at(kScale + "Scale")["x-kubernetes-group-version-kind"] = gvk_extension("autoscaling", "v1", "Scale");
  return schemas;
}

// The walk behind check_fields. Paths are Kubernetes' ("spec.containers[0].image") for unknown
// fields and Go's ("spec.containers.image", with the struct that holds the field) for type errors.
class FieldChecker {
 public:
  explicit FieldChecker(const json& schemas) : schemas_(schemas) {}

  void check(const json& schema, const json& value, const std::string& path, const std::string& go_path,
             const std::string& owner) {
    if (value.is_null() || type_error_) return;  // null leaves the field unset, as in Go
    std::string name;
    const json& s = resolve(schema, name);
    if (!matches(s, value)) {
      type_error_ = "json: cannot unmarshal " + json_kind(value) + " into Go " +
                    (go_path.empty() ? "value" : "struct field " + owner + "." + go_path) + " of type " +
                    go_type(schema);
      return;
    }
    if (value.is_array()) {
      if (!s.contains("items")) return;
      for (size_t i = 0; i < value.size(); ++i)
        check(s["items"], value[i], path + "[" + std::to_string(i) + "]", go_path, owner);
      return;
    }
    if (!value.is_object()) return;
    const std::string holder = name.empty() ? owner : name.substr(name.rfind('.') + 1);
    // An object schema that names no fields ({"type": "object"}) holds anything, as a RawExtension does.
    const bool keeps_unknown = s.value("x-kubernetes-preserve-unknown-fields", false) ||
                               (!s.contains("properties") && !s.contains("additionalProperties"));
    for (const auto& [key, field] : value.items()) {
      const std::string field_path = path.empty() ? key : path + "." + key;
      const std::string field_go_path = go_path.empty() ? key : go_path + "." + key;
      if (s.contains("properties") && s["properties"].contains(key))
        check(s["properties"][key], field, field_path, field_go_path, holder);
      else if (s.contains("additionalProperties"))
        check(s["additionalProperties"], field, path + "[" + key + "]", field_go_path, holder);
      else if (!keeps_unknown)
        unknown_.push_back("unknown field \"" + field_path + "\"");
    }
  }

  const std::optional<std::string>& type_error() const { return type_error_; }
  std::vector<std::string>& unknown() { return unknown_; }

 private:
  // The schema a field's schema names through $ref or a one-element allOf; `name` is set to
  // the component's name.
  const json& resolve(const json& schema, std::string& name) const {
    const json* s = &schema;
    while (true) {
      if (s->contains("allOf") && (*s)["allOf"].size() == 1) {
        s = &(*s)["allOf"][0];
      } else if (s->contains("$ref")) {
        name = (*s)["$ref"].get<std::string>().substr(kRefPrefix.size());
        s = &schemas_.at(name);
      } else {
        return *s;
      }
    }
  }

  static bool matches(const json& s, const json& value) {
    if (s.contains("oneOf")) {
      for (const auto& alternative : s["oneOf"])
        if (matches(alternative, value)) return true;
      return false;
    }
    const std::string type = s.value("type", "");
    if (type == "string") return value.is_string();
    if (type == "boolean") return value.is_boolean();
    if (type == "number") return value.is_number();
    if (type == "array") return value.is_array();
    if (type == "object") return value.is_object();
    if (type == "integer") {
      if (!value.is_number_integer()) return false;
      if (s.value("format", "") != "int32") return true;
      if (value.is_number_unsigned()) return value.get<std::uint64_t>() <= INT32_MAX;
      const auto n = value.get<std::int64_t>();
      return n >= INT32_MIN && n <= INT32_MAX;
    }
    return true;  // no type: anything
  }

  // What encoding/json calls the JSON value: "string", "number 3.5", "bool", ...
  static std::string json_kind(const json& value) {
    if (value.is_string()) return "string";
    if (value.is_boolean()) return "bool";
    if (value.is_number()) return "number " + value.dump();
    if (value.is_array()) return "array";
    return "object";
  }

  // The Go type behind a field's schema: "int32", "[]v1.Container", "map[string]string", ...
  std::string go_type(const json& schema) const {
    std::string name;
    const json& s = resolve(schema, name);
    if (!name.empty()) {
      const auto dot = name.rfind('.');
      return name.substr(name.rfind('.', dot - 1) + 1);
    }
    const std::string type = s.value("type", "");
    if (type == "array") return "[]" + go_type(s["items"]);
    if (type == "object") return "map[string]" + go_type(s.value("additionalProperties", json::object()));
    if (type == "integer") return s.value("format", "int");
    if (type == "number") return "float64";
    if (type == "boolean") return "bool";
    if (type == "string") return "string";
    return "interface {}";
  }

  const json& schemas_;
  std::vector<std::string> unknown_;
  std::optional<std::string> type_error_;
};

}  // namespace

const json& component_schemas() {
  static const json schemas = build_schemas();
  return schemas;
}

std::string schema_name(const ResourceType& type, bool list) {
  const std::string package = type.group.empty() ? "core" : type.group.substr(0, type.group.find('.'));
  return "io.k8s.api." + package + "." + type.version + "." + (list ? type.list_kind() : type.kind);
}

Result<std::vector<std::string>> check_fields(const ResourceType& type, const json& object, bool strict) {
  FieldChecker checker(component_schemas());
  checker.check(component(schema_name(type)), object, "", "", type.kind);
  if (checker.type_error())
    return err(type.kind + " in version \"" + type.version + "\" cannot be handled as a " + type.kind + ": " +
                   *checker.type_error(),
               ErrorCode::kBadRequest);
  if (!strict || checker.unknown().empty()) return std::move(checker.unknown());
  std::string message = "strict decoding error: ";
  for (size_t i = 0; i < checker.unknown().size(); ++i) message += (i ? ", " : "") + checker.unknown()[i];
  return err(message, ErrorCode::kBadRequest);
}

}  // namespace xebec::api
