// Reading a pod's scheduling constraints out of its JSON, once.
#include "controlplane/scheduler/pod_info.h"

#include <algorithm>
#include <charconv>
#include <functional>

#include "controlplane/api/quantity.h"
#include "controlplane/client/json_field.h"

namespace xebec::scheduler {

namespace {

using nlohmann::json;

// What the scoring plugins count for a container that requests nothing, as kube-scheduler does:
// otherwise a node full of such pods would look empty.
constexpr std::int64_t kDefaultCpuMilli = 100;
constexpr std::int64_t kDefaultMemory = 200LL * 1024 * 1024;

const auto& at = client::object_field;  // a missing part reads as {}

Error invalid(const std::string& pod, const std::string& field, const std::string& why) {
  return err("pod " + pod + ": " + field + ": " + why, ErrorCode::kInvalid);
}

// A container's request for `resource` (its limit when it sets only that, as Kubernetes
// defaults it), or -1 when it has neither.
Result<std::int64_t> request_of(const json& container, const char* resource, bool milli) {
  const json& resources = at(container, "resources");
  for (const char* kind : {"requests", "limits"}) {
    const json& q = at(at(resources, kind), resource);
    if (q.is_string()) return milli ? api::parse_quantity_milli(q.get<std::string>()) : api::parse_quantity(q.get<std::string>());
    if (q.is_number()) return static_cast<std::int64_t>(q.get<double>() * (milli ? 1000 : 1));
  }
  return std::int64_t{-1};
}

// The requests of a list of containers: `sum` adds them up, otherwise the largest counts (init
// containers run one at a time).
Result<std::pair<Resources, Resources>> container_requests(const json& containers, bool sum) {
  Resources given, scored;
  for (const auto& c : containers.is_array() ? containers : json::array()) {
    auto cpu = request_of(c, "cpu", true);
    if (!cpu) return cpu.error();
    auto memory = request_of(c, "memory", false);
    if (!memory) return memory.error();
    const Resources g{std::max<std::int64_t>(*cpu, 0), std::max<std::int64_t>(*memory, 0), 0};
    const Resources s{*cpu < 0 ? kDefaultCpuMilli : *cpu, *memory < 0 ? kDefaultMemory : *memory, 0};
    if (sum) {
      given += g;
      scored += s;
    } else {
      given = {std::max(given.cpu_milli, g.cpu_milli), std::max(given.memory, g.memory), 0};
      scored = {std::max(scored.cpu_milli, s.cpu_milli), std::max(scored.memory, s.memory), 0};
    }
  }
  return std::pair{given, scored};
}

Result<NodeSelectorTerm> read_node_term(const json& term, const std::string& pod, const std::string& field) {
  NodeSelectorTerm out;
  for (const auto& e : at(term, "matchExpressions").is_array() ? at(term, "matchExpressions") : json::array()) {
    static const std::vector<std::pair<std::string, NodeRequirement::Op>> kOps = {
        {"In", NodeRequirement::Op::kIn},         {"NotIn", NodeRequirement::Op::kNotIn},
        {"Exists", NodeRequirement::Op::kExists}, {"DoesNotExist", NodeRequirement::Op::kDoesNotExist},
        {"Gt", NodeRequirement::Op::kGt},         {"Lt", NodeRequirement::Op::kLt}};
    const std::string op = e.value("operator", "");
    auto found = std::find_if(kOps.begin(), kOps.end(), [&](const auto& o) { return o.first == op; });
    if (found == kOps.end()) return invalid(pod, field, "\"" + op + "\" is not a valid node selector operator");
    NodeRequirement r{e.value("key", ""), found->second, {}};
    for (const auto& v : e.value("values", json::array()))
      if (v.is_string()) r.values.push_back(v.get<std::string>());
    out.requirements.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<PodAffinityTerm>> read_pod_terms(const json& terms, bool weighted, const std::string& ns,
                                                    const std::string& pod, const std::string& field) {
  std::vector<PodAffinityTerm> out;
  for (const auto& entry : terms.is_array() ? terms : json::array()) {
    const json& term = weighted ? at(entry, "podAffinityTerm") : entry;
    auto selector = api::LabelSelector::from_object(at(term, "labelSelector"));
    if (!selector) return invalid(pod, field, selector.error().message);
    PodAffinityTerm t{std::move(*selector), {}, term.value("topologyKey", ""), weighted ? entry.value("weight", 0) : 0};
    if (t.topology_key.empty()) return invalid(pod, field, "topologyKey is required");
    for (const auto& n : at(term, "namespaces").is_array() ? at(term, "namespaces") : json::array())
      if (n.is_string()) t.namespaces.push_back(n.get<std::string>());
    if (t.namespaces.empty()) t.namespaces.push_back(ns);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

bool NodeSelectorTerm::matches(const json& labels) const {
  for (const auto& r : requirements) {
    const auto it = labels.is_object() ? labels.find(r.key) : labels.end();
    const bool has = labels.is_object() && it != labels.end() && it->is_string();
    const std::string value = has ? it->get<std::string>() : "";
    const bool listed = std::find(r.values.begin(), r.values.end(), value) != r.values.end();
    auto compare = [&](bool greater) {
      std::int64_t have = 0, bound = 0;
      if (!has || r.values.size() != 1) return false;
      if (std::from_chars(value.data(), value.data() + value.size(), have).ec != std::errc()) return false;
      if (std::from_chars(r.values[0].data(), r.values[0].data() + r.values[0].size(), bound).ec != std::errc())
        return false;
      return greater ? have > bound : have < bound;
    };
    bool ok = false;
    switch (r.op) {
      case NodeRequirement::Op::kIn: ok = has && listed; break;
      case NodeRequirement::Op::kNotIn: ok = !has || !listed; break;
      case NodeRequirement::Op::kExists: ok = has; break;
      case NodeRequirement::Op::kDoesNotExist: ok = !has; break;
      case NodeRequirement::Op::kGt: ok = compare(true); break;
      case NodeRequirement::Op::kLt: ok = compare(false); break;
    }
    if (!ok) return false;
  }
  return true;
}

bool PodAffinityTerm::selects(const std::string& ns, const json& labels) const {
  return std::find(namespaces.begin(), namespaces.end(), ns) != namespaces.end() && selector.matches(labels);
}

Result<PodInfo> read_pod(const json& pod) {
  PodInfo p;
  const json& meta = at(pod, "metadata");
  const json& spec = at(pod, "spec");
  p.ns = meta.value("namespace", "default");
  p.name = meta.value("name", "");
  p.uid = meta.value("uid", "");
  if (at(meta, "labels").is_object()) p.labels = at(meta, "labels");
  for (const auto& owner : at(meta, "ownerReferences").is_array() ? at(meta, "ownerReferences") : json::array())
    if (owner.value("controller", false)) p.owner_uid = owner.value("uid", "");
  if (!p.owner_uid.empty()) p.owner = std::hash<std::string>{}(p.owner_uid) | 1;
  p.scheduler_name = spec.value("schedulerName", "default-scheduler");
  const std::string who = p.key();

  auto containers = container_requests(at(spec, "containers"), true);
  if (!containers) return invalid(who, "spec.containers", containers.error().message);
  auto init = container_requests(at(spec, "initContainers"), false);
  if (!init) return invalid(who, "spec.initContainers", init.error().message);
  auto [given, scored] = *containers;
  given = {std::max(given.cpu_milli, init->first.cpu_milli), std::max(given.memory, init->first.memory), 1};
  scored = {std::max(scored.cpu_milli, init->second.cpu_milli), std::max(scored.memory, init->second.memory), 1};
  p.requests = given;
  p.score_requests = scored;

  for (const auto& [key, value] : at(spec, "nodeSelector").items())
    if (value.is_string()) p.node_selector.emplace_back(key, value.get<std::string>());
  const json& affinity = at(spec, "affinity");
  const json& node = at(affinity, "nodeAffinity");
  const json& required = at(at(node, "requiredDuringSchedulingIgnoredDuringExecution"), "nodeSelectorTerms");
  for (const auto& term : required.is_array() ? required : json::array()) {
    auto t = read_node_term(term, who, "spec.affinity.nodeAffinity");
    if (!t) return t.error();
    p.required_node_terms.push_back(std::move(*t));
  }
  const json& preferred = at(node, "preferredDuringSchedulingIgnoredDuringExecution");
  for (const auto& entry : preferred.is_array() ? preferred : json::array()) {
    auto t = read_node_term(at(entry, "preference"), who, "spec.affinity.nodeAffinity");
    if (!t) return t.error();
    p.preferred_node_terms.emplace_back(entry.value("weight", 0), std::move(*t));
  }
  for (const auto& t : at(spec, "tolerations").is_array() ? at(spec, "tolerations") : json::array())
    p.tolerations.push_back({t.value("key", ""), t.value("operator", "Equal") == "Exists", t.value("value", ""),
                             t.value("effect", "")});

  struct Terms {
    const char* kind;
    const char* when;
    bool weighted;
    std::vector<PodAffinityTerm>* into;
  };
  for (const Terms& terms : {Terms{"podAffinity", "requiredDuringSchedulingIgnoredDuringExecution", false, &p.affinity},
                             Terms{"podAffinity", "preferredDuringSchedulingIgnoredDuringExecution", true,
                                   &p.preferred_affinity},
                             Terms{"podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution", false,
                                   &p.anti_affinity},
                             Terms{"podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution", true,
                                   &p.preferred_anti_affinity}}) {
    auto read = read_pod_terms(at(at(affinity, terms.kind), terms.when), terms.weighted, p.ns, who,
                               std::string("spec.affinity.") + terms.kind);
    if (!read) return read.error();
    *terms.into = std::move(*read);
  }
  return p;
}

}  // namespace xebec::scheduler
