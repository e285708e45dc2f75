// Defaults from k8s.io/kubernetes pkg/apis/*/v1/defaults.go; checks from pkg/apis/*/validation.
#include "controlplane/api/defaults.h"

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

namespace xebec::api {

namespace {

using nlohmann::json;

json& child(json& o, const char* key) {
  if (!o.contains(key) || !o[key].is_object()) o[key] = json::object();
  return o[key];
}

void set_default(json& o, const char* key, const json& value) {
  if (!o.contains(key) || o[key].is_null()) o[key] = value;
}

void default_pod_spec(json& spec) {
  set_default(spec, "restartPolicy", "Always");
  set_default(spec, "dnsPolicy", "ClusterFirst");
  set_default(spec, "schedulerName", "default-scheduler");
  set_default(spec, "terminationGracePeriodSeconds", 30);
  set_default(spec, "securityContext", json::object());
  for (const char* list : {"containers", "initContainers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) continue;
    for (auto& c : spec[list]) {
      if (!c.is_object()) continue;
      const std::string image = c.value("image", "");
      const bool latest = image.find(':') == std::string::npos || image.ends_with(":latest");
      set_default(c, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
      set_default(c, "terminationMessagePath", "/dev/termination-log");
      set_default(c, "terminationMessagePolicy", "File");
      if (c.contains("ports") && c["ports"].is_array())
        for (auto& p : c["ports"])
          if (p.is_object()) set_default(p, "protocol", "TCP");
    }
  }
}

void default_template(json& object) {
  json& tmpl = child(child(object, "spec"), "template");
  default_pod_spec(child(tmpl, "spec"));
}

// "Deployment.apps" for apps types, "Pod" for core ones: how Kubernetes names the kind in errors.
std::string qualified_kind(const ResourceType& type) { return type.group.empty() ? type.kind : type.kind + "." + type.group; }

// Collects field errors; says them all at once as Kubernetes does.
class Errors {
 public:
  void add(const std::string& field, const std::string& detail) { list_.push_back(field + ": " + detail); }
  Status result(const ResourceType& type, const json& object) const {
    if (list_.empty()) return {};
    std::string all;
    for (const auto& e : list_) all += (all.empty() ? "" : ", ") + e;
    if (list_.size() > 1) all = "[" + all + "]";
    const std::string name = object["metadata"].value("name", "");
    return err(qualified_kind(type) + " \"" + name + "\" is invalid: " + all, ErrorCode::kInvalid);
  }

 private:
  std::vector<std::string> list_;
};

const std::regex& label_name() {
  static const std::regex re("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
  return re;
}
const std::regex& dns_label() {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return re;
}

bool valid_label_key(const std::string& key) {
  const auto slash = key.find('/');
  const std::string name = slash == std::string::npos ? key : key.substr(slash + 1);
  return !name.empty() && name.size() <= 63 && std::regex_match(name, label_name()) &&
         (slash == std::string::npos || (slash > 0 && slash <= 253));
}

bool valid_label_value(const std::string& v) { return v.size() <= 63 && std::regex_match(v, label_name()); }

void check_labels(const json& labels, const std::string& field, Errors& errors) {
  if (labels.is_null()) return;
  if (!labels.is_object()) return errors.add(field, "Invalid value: must be a map of strings");
  for (const auto& [k, v] : labels.items()) {
    if (!valid_label_key(k)) errors.add(field, "Invalid value: \"" + k + "\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
    else if (!v.is_string() || !valid_label_value(v.get<std::string>()))
      errors.add(field, "Invalid value: " + v.dump() + ": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
  }
}

bool port_in_range(const json& p) { return p.is_number_integer() && p.get<std::int64_t>() >= 1 && p.get<std::int64_t>() <= 65535; }

void check_pod_spec(const json& spec, const std::string& at, Errors& errors) {
  const json containers = spec.value("containers", json());
  if (!containers.is_array() || containers.empty()) return errors.add(at + ".containers", "Required value");
  for (std::size_t i = 0; i < containers.size(); ++i) {
    const std::string c_at = at + ".containers[" + std::to_string(i) + "]";
    const json& c = containers[i];
    const std::string name = c.value("name", "");
    if (name.empty()) errors.add(c_at + ".name", "Required value");
    else if (!std::regex_match(name, dns_label())) errors.add(c_at + ".name", "Invalid value: \"" + name + "\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'");
    if (c.value("image", "").empty()) errors.add(c_at + ".image", "Required value");
    for (const auto& p : c.value("ports", json::array()))
      if (!port_in_range(p.value("containerPort", json())))
        errors.add(c_at + ".ports.containerPort", "Invalid value: " + p.value("containerPort", json()).dump() + ": must be between 1 and 65535, inclusive");
  }
  const std::string restart = spec.value("restartPolicy", "Always");
  if (restart != "Always" && restart != "OnFailure" && restart != "Never")
    errors.add(at + ".restartPolicy", "Unsupported value: \"" + restart + "\": supported values: \"Always\", \"OnFailure\", \"Never\"");
}

// A workload's selector must select its own template.
void check_workload(const json& object, bool plain_selector, Errors& errors) {
  const json spec = object.value("spec", json::object());
  if (spec.contains("replicas") && (!spec["replicas"].is_number_integer() || spec["replicas"].get<std::int64_t>() < 0))
    errors.add("spec.replicas", "Invalid value: " + spec["replicas"].dump() + ": must be greater than or equal to 0");
  const json selector = spec.value("selector", json());
  const json match = plain_selector ? selector : (selector.is_object() ? selector.value("matchLabels", json()) : json());
  if (!plain_selector && (!selector.is_object() || selector.empty())) errors.add("spec.selector", "Required value");
  const json tmpl_labels = spec.value("template", json::object()).value("metadata", json::object()).value("labels", json::object());
  check_labels(tmpl_labels, "spec.template.metadata.labels", errors);
  if (match.is_object())
    for (const auto& [k, v] : match.items())
      if (!tmpl_labels.contains(k) || tmpl_labels[k] != v) {
        errors.add("spec.template.metadata.labels", "Invalid value: " + tmpl_labels.dump() + ": `selector` does not match template `labels`");
        break;
      }
  check_pod_spec(spec.value("template", json::object()).value("spec", json::object()), "spec.template.spec", errors);
}

void check_service(const json& object, Errors& errors) {
  const json spec = object.value("spec", json::object());
  const std::string type = spec.value("type", "ClusterIP");
  if (type != "ClusterIP" && type != "NodePort" && type != "LoadBalancer" && type != "ExternalName")
    errors.add("spec.type", "Unsupported value: \"" + type + "\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"");
  const json ports = spec.value("ports", json::array());
  if (ports.empty() && type != "ExternalName") errors.add("spec.ports", "Required value");
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const std::string at = "spec.ports[" + std::to_string(i) + "]";
    const json& p = ports[i];
    if (!port_in_range(p.value("port", json()))) errors.add(at + ".port", "Invalid value: " + p.value("port", json()).dump() + ": must be between 1 and 65535, inclusive");
    const std::string proto = p.value("protocol", "TCP");
    if (proto != "TCP" && proto != "UDP" && proto != "SCTP")
      errors.add(at + ".protocol", "Unsupported value: \"" + proto + "\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
    if (ports.size() > 1 && p.value("name", "").empty()) errors.add(at + ".name", "Required value");
    if (p.contains("nodePort")) {
      const json& np = p["nodePort"];
      if (!np.is_number_integer() || np.get<std::int64_t>() < 30000 || np.get<std::int64_t>() > 32767)
        errors.add(at + ".nodePort", "Invalid value: " + np.dump() + ": provided port is not in the valid range. The range of valid ports is 30000-32767");
      else if (type == "ClusterIP") errors.add(at + ".nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'");
    }
  }
  check_labels(spec.value("selector", json()), "spec.selector", errors);
  const std::string affinity = spec.value("sessionAffinity", "None");
  if (affinity != "None" && affinity != "ClientIP")
    errors.add("spec.sessionAffinity", "Unsupported value: \"" + affinity + "\": supported values: \"ClientIP\", \"None\"");
  const json timeout = spec.value("sessionAffinityConfig", json::object()).value("clientIP", json::object()).value("timeoutSeconds", json());
  if (!timeout.is_null() && (!timeout.is_number_integer() || timeout.get<std::int64_t>() < 1 || timeout.get<std::int64_t>() > 86400))
    errors.add("spec.sessionAffinityConfig.clientIP.timeoutSeconds", "Invalid value: " + timeout.dump() + ": must be greater than 0 and less than 86400");
}

// spec.finalizers of a Namespace: names, as Kubernetes' ValidateNamespace checks them.
void check_namespace(const json& object, Errors& errors) {
  const json spec = object.value("spec", json::object());
  if (!spec.is_object() || !spec.contains("finalizers") || spec["finalizers"].is_null()) return;
  const json& finalizers = spec["finalizers"];
  if (!finalizers.is_array()) return errors.add("spec.finalizers", "Invalid value: must be a list of names");
  for (std::size_t i = 0; i < finalizers.size(); ++i)
    if (!finalizers[i].is_string() || !valid_label_key(finalizers[i].get<std::string>()))
      errors.add("spec.finalizers[" + std::to_string(i) + "]",
                 "Invalid value: " + finalizers[i].dump() + ": a finalizer must be a name like 'kubernetes' or "
                 "'example.com/cleanup'");
}

}  // namespace

void prepare_for_create(const ResourceType& type, json& object) {
  if (type.resource != "namespaces" || !object.is_object()) return;
  object["status"] = {{"phase", "Active"}};
  json& spec = child(object, "spec");
  if (!spec.contains("finalizers") || !spec["finalizers"].is_array()) spec["finalizers"] = json::array();
  json& finalizers = spec["finalizers"];
  if (std::find(finalizers.begin(), finalizers.end(), "kubernetes") == finalizers.end())
    finalizers.push_back("kubernetes");
}

void apply_defaults(const ResourceType& type, json& object) {
  const std::string& r = type.resource;
  if (r == "pods") {
    default_pod_spec(child(object, "spec"));
    set_default(child(object, "status"), "phase", "Pending");
  } else if (r == "deployments") {
    json& spec = child(object, "spec");
    set_default(spec, "replicas", 1);
    set_default(spec, "revisionHistoryLimit", 10);
    set_default(spec, "progressDeadlineSeconds", 600);
    json& strategy = child(spec, "strategy");
    set_default(strategy, "type", "RollingUpdate");
    if (strategy["type"] == "RollingUpdate") {
      json& rolling = child(strategy, "rollingUpdate");
      set_default(rolling, "maxSurge", "25%");
      set_default(rolling, "maxUnavailable", "25%");
    }
    default_template(object);
  } else if (r == "replicasets") {
    set_default(child(object, "spec"), "replicas", 1);
    default_template(object);
  } else if (r == "replicationcontrollers") {
    json& spec = child(object, "spec");
    set_default(spec, "replicas", 1);
    const json labels = spec.value("template", json::object()).value("metadata", json::object()).value("labels", json());
    if (labels.is_object()) set_default(spec, "selector", labels);
    default_template(object);
  } else if (r == "services") {
    json& spec = child(object, "spec");
    set_default(spec, "type", "ClusterIP");
    set_default(spec, "sessionAffinity", "None");
    if (spec["sessionAffinity"] == "ClientIP")
      set_default(child(child(spec, "sessionAffinityConfig"), "clientIP"), "timeoutSeconds", 10800);
    set_default(spec, "internalTrafficPolicy", "Cluster");
    if (spec.contains("ports") && spec["ports"].is_array())
      for (auto& p : spec["ports"]) {
        if (!p.is_object()) continue;
        set_default(p, "protocol", "TCP");
        // Unset, 0 or "" (Go's zero IntOrString, as protobuf clients send it): the port itself.
        const json target = p.value("targetPort", json());
        if (p.contains("port") && (target.is_null() || target == 0 || target == "")) p["targetPort"] = p["port"];
      }
  } else if (r == "namespaces") {
    set_default(child(object, "status"), "phase", "Active");
  }
}

Status validate(const ResourceType& type, const json& object) {
  Errors errors;
  const json meta = object.value("metadata", json::object());
  check_labels(meta.value("labels", json()), "metadata.labels", errors);
  const std::string& r = type.resource;
  if (r == "pods") check_pod_spec(object.value("spec", json::object()), "spec", errors);
  else if (r == "deployments" || r == "replicasets") check_workload(object, false, errors);
  else if (r == "replicationcontrollers") check_workload(object, true, errors);
  else if (r == "services") check_service(object, errors);
  else if (r == "namespaces") check_namespace(object, errors);
  return errors.result(type, object);
}

}  // namespace xebec::api
