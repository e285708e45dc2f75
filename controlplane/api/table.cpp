// Table columns per type, after Kubernetes' pkg/printers/internalversion/printers.go.
#include "controlplane/api/table.h"

#include "controlplane/api/selector.h"

#include <ctime>
#include <functional>
#include <map>
#include <vector>

#include "common/time.h"

namespace xebec::api {

namespace {

using nlohmann::json;

struct Column {
  std::string name;
  std::string type;  // "string" | "integer"
  int priority = 0;  // 1: -o wide only
  std::function<json(const json&)> cell;
};

std::string str(const json& o, std::initializer_list<const char*> path, const std::string& fallback = "<none>") {
  const json* v = &o;
  for (const char* p : path) {
    if (!v->is_object() || !v->contains(p)) return fallback;
    v = &(*v)[p];
  }
  if (v->is_string() && !v->get<std::string>().empty()) return v->get<std::string>();
  if (v->is_number()) return v->dump();
  return fallback;
}

std::int64_t num(const json& o, std::initializer_list<const char*> path) {
  const json* v = &o;
  for (const char* p : path) {
    if (!v->is_object() || !v->contains(p)) return 0;
    v = &(*v)[p];
  }
  return v->is_number_integer() ? v->get<std::int64_t>() : 0;
}

std::string joined(const std::vector<std::string>& parts, const std::string& none = "<none>") {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out.empty() ? none : out;
}

std::time_t parse_time(const std::string& text) {
  const auto t = parse_rfc3339(text);
  return t ? std::chrono::system_clock::to_time_t(*t) : 0;
}

json age(const json& o, const char* field = "creationTimestamp") {
  const std::string t = str(o, {"metadata", field}, "");
  if (t.empty()) return "<unknown>";
  return human_duration(std::chrono::seconds(std::time(nullptr) - parse_time(t)));
}

std::string selector_text(const json& selector) {
  const std::string text = format_selector(selector);
  return text.empty() ? "<none>" : text;
}

std::vector<std::string> container_field(const json& o, const char* field) {
  std::vector<std::string> out;
  const json spec = o.value("spec", json::object()).value("template", json::object()).value("spec", json::object());
  for (const auto& c : spec.value("containers", json::array())) out.push_back(c.value(field, ""));
  return out;
}

const Column kName{"Name", "string", 0, [](const json& o) { return json(str(o, {"metadata", "name"}, "")); }};
const Column kAge{"Age", "string", 0, [](const json& o) { return age(o); }};

std::string pod_status(const json& pod) {
  if (pod["metadata"].contains("deletionTimestamp")) return "Terminating";
  std::string reason = str(pod, {"status", "reason"}, "");
  if (!reason.empty()) return reason;
  for (const auto& cs : pod.value("status", json::object()).value("containerStatuses", json::array())) {
    const std::string waiting = str(cs, {"state", "waiting", "reason"}, "");
    if (!waiting.empty()) return waiting;
    const std::string terminated = str(cs, {"state", "terminated", "reason"}, "");
    if (!terminated.empty()) return terminated;
  }
  return str(pod, {"status", "phase"}, "Pending");
}

std::vector<Column> pod_columns() {
  return {kName,
          {"Ready", "string", 0,
           [](const json& o) {
             const auto containers = o.value("spec", json::object()).value("containers", json::array()).size();
             int ready = 0;
             for (const auto& cs : o.value("status", json::object()).value("containerStatuses", json::array()))
               ready += cs.value("ready", false);
             return json(std::to_string(ready) + "/" + std::to_string(containers));
           }},
          {"Status", "string", 0, [](const json& o) { return json(pod_status(o)); }},
          {"Restarts", "string", 0,
           [](const json& o) {
             std::int64_t restarts = 0;
             for (const auto& cs : o.value("status", json::object()).value("containerStatuses", json::array()))
               restarts += cs.value("restartCount", 0);
             return json(std::to_string(restarts));
           }},
          kAge,
          {"IP", "string", 1, [](const json& o) { return json(str(o, {"status", "podIP"})); }},
          {"Node", "string", 1, [](const json& o) { return json(str(o, {"spec", "nodeName"})); }},
          {"Nominated Node", "string", 1, [](const json& o) { return json(str(o, {"status", "nominatedNodeName"})); }},
          {"Readiness Gates", "string", 1, [](const json&) { return json("<none>"); }}};
}

std::vector<Column> node_columns() {
  auto address = [](const char* type) {
    return [type](const json& o) {
      for (const auto& a : o.value("status", json::object()).value("addresses", json::array()))
        if (a.value("type", "") == type) return json(a.value("address", "<none>"));
      return json("<none>");
    };
  };
  return {kName,
          {"Status", "string", 0,
           [](const json& o) {
             std::string status = "Unknown";
             for (const auto& c : o.value("status", json::object()).value("conditions", json::array()))
               if (c.value("type", "") == "Ready") status = c.value("status", "") == "True" ? "Ready" : "NotReady";
             if (o.value("spec", json::object()).value("unschedulable", false)) status += ",SchedulingDisabled";
             return json(status);
           }},
          {"Roles", "string", 0,
           [](const json& o) {
             std::vector<std::string> roles;
             const json labels = o["metadata"].value("labels", json::object());
             for (const auto& [k, v] : labels.items())
               if (k.starts_with("node-role.kubernetes.io/")) roles.push_back(k.substr(24));
             return json(joined(roles));
           }},
          kAge,
          {"Version", "string", 0, [](const json& o) { return json(str(o, {"status", "nodeInfo", "kubeletVersion"}, "")); }},
          {"Internal-IP", "string", 1, address("InternalIP")},
          {"External-IP", "string", 1, address("ExternalIP")},
          {"OS-Image", "string", 1, [](const json& o) { return json(str(o, {"status", "nodeInfo", "osImage"}, "<unknown>")); }},
          {"Kernel-Version", "string", 1,
           [](const json& o) { return json(str(o, {"status", "nodeInfo", "kernelVersion"}, "<unknown>")); }},
          {"Container-Runtime", "string", 1,
           [](const json& o) { return json(str(o, {"status", "nodeInfo", "containerRuntimeVersion"}, "<unknown>")); }}};
}

std::vector<Column> service_columns() {
  return {kName,
          {"Type", "string", 0, [](const json& o) { return json(str(o, {"spec", "type"}, "ClusterIP")); }},
          {"Cluster-IP", "string", 0, [](const json& o) { return json(str(o, {"spec", "clusterIP"})); }},
          {"External-IP", "string", 0,
           [](const json& o) {
             std::vector<std::string> ips;
             for (const auto& ip : o.value("spec", json::object()).value("externalIPs", json::array())) ips.push_back(ip);
             return json(joined(ips));
           }},
          {"Port(s)", "string", 0,
           [](const json& o) {
             std::vector<std::string> ports;
             for (const auto& p : o.value("spec", json::object()).value("ports", json::array())) {
               std::string s = std::to_string(p.value("port", 0));
               if (p.contains("nodePort")) s += ":" + std::to_string(p.value("nodePort", 0));
               ports.push_back(s + "/" + p.value("protocol", "TCP"));
             }
             return json(joined(ports));
           }},
          kAge,
          {"Selector", "string", 1, [](const json& o) { return json(selector_text(o.value("spec", json::object()).value("selector", json()))); }}};
}

std::vector<Column> endpoints_columns() {
  return {kName,
          {"Endpoints", "string", 0,
           [](const json& o) {
             std::vector<std::string> eps;
             std::size_t total = 0;
             for (const auto& subset : o.value("subsets", json::array()))
               for (const auto& addr : subset.value("addresses", json::array()))
                 for (const auto& port : subset.value("ports", json::array())) {
                   ++total;
                   if (eps.size() < 3) eps.push_back(addr.value("ip", "") + ":" + std::to_string(port.value("port", 0)));
                 }
             std::string s = joined(eps);
             if (total > 3) s += " + " + std::to_string(total - 3) + " more...";
             return json(s);
           }},
          kAge};
}

std::vector<Column> replica_columns() {
  return {kName,
          {"Desired", "integer", 0, [](const json& o) { return json(num(o, {"spec", "replicas"})); }},
          {"Current", "integer", 0, [](const json& o) { return json(num(o, {"status", "replicas"})); }},
          {"Ready", "integer", 0, [](const json& o) { return json(num(o, {"status", "readyReplicas"})); }},
          kAge,
          {"Containers", "string", 1, [](const json& o) { return json(joined(container_field(o, "name"))); }},
          {"Images", "string", 1, [](const json& o) { return json(joined(container_field(o, "image"))); }},
          {"Selector", "string", 1, [](const json& o) { return json(selector_text(o.value("spec", json::object()).value("selector", json()))); }}};
}

std::vector<Column> deployment_columns() {
  return {kName,
          {"Ready", "string", 0,
           [](const json& o) {
             return json(std::to_string(num(o, {"status", "readyReplicas"})) + "/" + std::to_string(num(o, {"spec", "replicas"})));
           }},
          {"Up-to-date", "integer", 0, [](const json& o) { return json(num(o, {"status", "updatedReplicas"})); }},
          {"Available", "integer", 0, [](const json& o) { return json(num(o, {"status", "availableReplicas"})); }},
          kAge,
          {"Containers", "string", 1, [](const json& o) { return json(joined(container_field(o, "name"))); }},
          {"Images", "string", 1, [](const json& o) { return json(joined(container_field(o, "image"))); }},
          {"Selector", "string", 1, [](const json& o) { return json(selector_text(o.value("spec", json::object()).value("selector", json()))); }}};
}

std::vector<Column> event_columns() {
  return {{"Last Seen", "string", 0,
           [](const json& o) {
             const std::string last = o.value("lastTimestamp", json("")).is_string() ? o.value("lastTimestamp", "") : "";
             if (last.empty()) return age(o);
             return json(human_duration(std::chrono::seconds(std::time(nullptr) - parse_time(last))));
           }},
          {"Type", "string", 0, [](const json& o) { return json(o.value("type", "")); }},
          {"Reason", "string", 0, [](const json& o) { return json(o.value("reason", "")); }},
          {"Object", "string", 0,
           [](const json& o) {
             std::string kind = str(o, {"involvedObject", "kind"}, "");
             for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
             return json(kind + "/" + str(o, {"involvedObject", "name"}, ""));
           }},
          {"Message", "string", 0, [](const json& o) { return json(o.value("message", "")); }}};
}

std::vector<Column> namespace_columns() {
  return {kName, {"Status", "string", 0, [](const json& o) { return json(str(o, {"status", "phase"}, "Active")); }}, kAge};
}

const std::vector<Column>& columns_of(const ResourceType& type) {
  static const std::map<std::string, std::vector<Column>> by_resource = {
      {"pods", pod_columns()},           {"nodes", node_columns()},
      {"services", service_columns()},   {"endpoints", endpoints_columns()},
      {"replicasets", replica_columns()}, {"replicationcontrollers", replica_columns()},
      {"deployments", deployment_columns()}, {"events", event_columns()},
      {"namespaces", namespace_columns()},
  };
  static const std::vector<Column> fallback = {kName, kAge};
  auto it = by_resource.find(type.resource);
  return it == by_resource.end() ? fallback : it->second;
}

}  // namespace

std::string human_duration(std::chrono::seconds age) {
  const long long s = age.count();
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return std::to_string(s) + "s";
  const long long m = s / 60;
  if (m < 10) return s % 60 ? std::to_string(m) + "m" + std::to_string(s % 60) + "s" : std::to_string(m) + "m";
  if (m < 180) return std::to_string(m) + "m";
  const long long h = m / 60;
  if (h < 8) return m % 60 ? std::to_string(h) + "h" + std::to_string(m % 60) + "m" : std::to_string(h) + "h";
  if (h < 48) return std::to_string(h) + "h";
  if (h < 24 * 8) return h % 24 ? std::to_string(h / 24) + "d" + std::to_string(h % 24) + "h" : std::to_string(h / 24) + "d";
  if (h < 24 * 365 * 2) return std::to_string(h / 24) + "d";
  const long long days = h / 24;
  if (h < 24 * 365 * 8) return days % 365 ? std::to_string(days / 365) + "y" + std::to_string(days % 365) + "d" : std::to_string(days / 365) + "y";
  return std::to_string(days / 365) + "y";
}

json to_table(const ResourceType& type, const json& object_or_list, bool columns, RowObject row_object) {
  const auto& cols = columns_of(type);
  json table = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", json::object()}, {"rows", json::array()}};
  if (columns) {
    json defs = json::array();
    for (const auto& c : cols) {
      json d = {{"name", c.name}, {"type", c.type}, {"format", c.name == "Name" ? "name" : ""}, {"description", ""},
                {"priority", c.priority}};
      defs.push_back(d);
    }
    table["columnDefinitions"] = defs;
  }
  const bool list = object_or_list.contains("items");
  if (list) {
    const json& meta = object_or_list.value("metadata", json::object());
    for (const char* f : {"resourceVersion", "continue"})
      if (meta.contains(f)) table["metadata"][f] = meta[f];
  } else {
    table["metadata"]["resourceVersion"] = object_or_list["metadata"].value("resourceVersion", "");
  }
  auto add_row = [&](const json& o) {
    json cells = json::array();
    for (const auto& c : cols) cells.push_back(c.cell(o));
    json row = {{"cells", cells}};
    if (row_object == RowObject::kObject) row["object"] = o;
    if (row_object == RowObject::kMetadata)
      row["object"] = {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", o["metadata"]}};
    table["rows"].push_back(row);
  };
  if (list) {
    for (const auto& item : object_or_list["items"]) add_row(item);
  } else {
    add_row(object_or_list);
  }
  return table;
}

}  // namespace xebec::api
