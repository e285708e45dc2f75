// EndpointsController: service, pod and endpoints events queue service keys; sync writes the
// Endpoints the service's pods make, when it differs from what is stored.
#include "controlplane/controllers/endpoints.h"

#include <algorithm>
#include <map>
#include <optional>

#include "controlplane/client/json_field.h"
#include "controlplane/api/selector.h"
#include "controlplane/controllers/pods.h"

namespace xebec::controllers {

namespace {

using nlohmann::json;

const auto& at = client::object_field;  // a missing part reads as {}

const api::ResourceType& endpoints_type() { return *api::find_resource("", "v1", "endpoints"); }

// The service's selector, a label map; nullopt for a service without one (its endpoints are
// its user's).
std::optional<api::LabelSelector> service_selector(const json& service) { return selector_of(service, true); }

// The port `target` (a number, or a container port's name) names on `pod`; 0 when none.
std::int64_t resolve(const json& target, const json& pod) {
  if (target.is_number_integer()) return target.get<std::int64_t>();
  if (!target.is_string()) return 0;
  for (const auto& c : at(at(pod, "spec"), "containers").is_array() ? at(at(pod, "spec"), "containers") : json::array())
    for (const auto& p : c.value("ports", json::array()))
      if (p.value("name", "") == target.get<std::string>()) return p.value("containerPort", 0);
  return 0;
}

}  // namespace

EndpointsController::EndpointsController(client::ApiClient& client, client::Informer& services,
                                         client::Informer& pods, client::Informer& endpoints)
    : client_(client),
      services_(services),
      pods_(pods),
      endpoints_(endpoints),
      reconciler_("endpoints", [this](const std::string& key) { return sync(key); }) {
  auto enqueue = [this](const json& object) { reconciler_.enqueue(client::object_key(object)); };
  services_.add_handlers({.on_add = enqueue,
                          .on_update = [enqueue](const json&, const json& s) { enqueue(s); },
                          .on_delete = enqueue});
  // Endpoints someone else changed or deleted are put back as the service's pods make them.
  endpoints_.add_handlers({.on_add = {},
                           .on_update = [enqueue](const json&, const json& e) { enqueue(e); },
                           .on_delete = enqueue});
  pods_.add_handlers({.on_add = [this](const json& p) { on_pod(p); },
                      .on_update =
                          [this](const json& old_pod, const json& pod) {
                            on_pod(old_pod);
                            on_pod(pod);
                          },
                      .on_delete = [this](const json& p) { on_pod(p); }});
}

void EndpointsController::on_pod(const json& pod) {
  const std::string ns = at(pod, "metadata").value("namespace", "");
  for (const auto& service : services_.list()) {
    if (at(*service, "metadata").value("namespace", "") != ns) continue;
    auto selector = service_selector(*service);
    if (selector && selector->matches(at(at(pod, "metadata"), "labels"))) reconciler_.enqueue(client::object_key(*service));
  }
}

json EndpointsController::subsets(const json& service, const std::vector<client::ObjectPtr>& pods) {
  const auto selector = service_selector(service);
  if (!selector) return json::array();
  const std::string ns = at(service, "metadata").value("namespace", "");
  const bool publish_not_ready = at(service, "spec").value("publishNotReadyAddresses", false);
  const json& service_ports = at(at(service, "spec"), "ports");

  struct Subset {
    json ports, ready = json::array(), not_ready = json::array();
  };
  std::map<std::string, Subset> by_ports;  // pods with the same resolved ports share a subset
  for (const auto& pod : pods) {
    const json& meta = at(*pod, "metadata");
    const std::string ip = at(*pod, "status").value("podIP", "");
    if (meta.value("namespace", "") != ns || ip.empty() || !is_active(*pod) || !selector->matches(at(meta, "labels")))
      continue;
    json ports = json::array();
    for (const auto& sp : service_ports.is_array() ? service_ports : json::array()) {
      const std::int64_t port = resolve(sp.contains("targetPort") ? sp["targetPort"] : sp.value("port", json()), *pod);
      if (port == 0) continue;
      json p = {{"port", port}, {"protocol", sp.value("protocol", "TCP")}};
      if (sp.contains("name") && !sp["name"].get<std::string>().empty()) p["name"] = sp["name"];
      ports.push_back(std::move(p));
    }
    json address = {{"ip", ip},
                    {"targetRef",
                     {{"kind", "Pod"}, {"namespace", ns}, {"name", meta.value("name", "")}, {"uid", meta.value("uid", "")}}}};
    if (const std::string node = at(*pod, "spec").value("nodeName", ""); !node.empty()) address["nodeName"] = node;
    Subset& subset = by_ports[ports.dump()];
    subset.ports = ports;
    (publish_not_ready || is_ready(*pod) ? subset.ready : subset.not_ready).push_back(std::move(address));
  }
  json out = json::array();
  auto by_ip = [](const json& a, const json& b) { return a["ip"] < b["ip"]; };
  for (auto& [_, subset] : by_ports) {
    json s = json::object();
    std::sort(subset.ready.begin(), subset.ready.end(), by_ip);
    std::sort(subset.not_ready.begin(), subset.not_ready.end(), by_ip);
    if (!subset.ready.empty()) s["addresses"] = subset.ready;
    if (!subset.not_ready.empty()) s["notReadyAddresses"] = subset.not_ready;
    if (!subset.ports.empty()) s["ports"] = subset.ports;
    out.push_back(std::move(s));
  }
  return out;
}

Status EndpointsController::sync(const std::string& key) {
  const client::ObjectPtr service = services_.get(key);
  const client::ObjectPtr current = endpoints_.get(key);
  if (!service) {
    if (!current) return {};
    auto gone = client_.remove(endpoints_type(), at(*current, "metadata").value("namespace", ""),
                               at(*current, "metadata").value("name", ""));
    if (!gone && gone.error().code != ErrorCode::kNotFound) return gone.error();
    return {};
  }
  if (!service_selector(*service)) return {};
  const json& meta = at(*service, "metadata");
  const std::string ns = meta.value("namespace", ""), name = meta.value("name", "");
  const json wanted = subsets(*service, pods_.list());
  const json labels = at(meta, "labels");
  if (current) {
    const json& stored = at(*current, "subsets");
    if ((stored.is_array() ? stored : json::array()) == wanted && at(at(*current, "metadata"), "labels") == labels)
      return {};
  }

  json endpoints = {{"apiVersion", "v1"}, {"kind", "Endpoints"}, {"metadata", {{"name", name}, {"namespace", ns}}}, {"subsets", wanted}};
  if (!labels.empty()) endpoints["metadata"]["labels"] = labels;
  if (current) {
    endpoints["metadata"]["resourceVersion"] = at(*current, "metadata").value("resourceVersion", "");
    auto updated = client_.update(endpoints_type(), ns, endpoints);
    if (!updated) return updated.error();
    return {};
  }
  auto created = client_.create(endpoints_type(), ns, endpoints);
  if (!created) return created.error();
  return {};
}

}  // namespace xebec::controllers
