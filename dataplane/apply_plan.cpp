// plan_apply / plan_delete: diffing wanted services against served ones.
#include "dataplane/apply_plan.h"

#include <map>

namespace xebec::dataplane {

namespace {
std::string node_port_name(const ServiceSpec& s) {
  return std::to_string(s.node_port) + "/" + format_protocol(s.frontend.protocol);
}
}  // namespace

Result<ApplyPlan> plan_apply(const std::vector<ServiceSpec>& current,
                             const std::vector<ServiceSpec>& desired, bool prune) {
  std::map<Frontend, const ServiceSpec*> now;
  for (const auto& s : current) now[s.frontend] = &s;
  std::map<Frontend, const ServiceSpec*> want;
  for (const auto& s : desired) {
    if (auto ok = validate(s); !ok) return ok.error();
    if (!want.emplace(s.frontend, &s).second)
      return err("frontend " + format_frontend(s.frontend) + " is given twice");
  }

  ApplyPlan plan;
  for (const auto& s : desired) {
    auto it = now.find(s.frontend);
    if (it == now.end()) {
      plan.upserts.push_back(s);
      plan.report.created++;
    } else if (!it->second->same_datapath(s)) {
      plan.upserts.push_back(s);
      plan.report.updated++;
    } else {
      plan.report.unchanged++;
    }
  }
  for (const auto& s : current) {
    if (prune && !want.contains(s.frontend)) {
      plan.deletes.push_back(s.frontend);
      plan.report.deleted++;
    }
  }

  // A NodePort belongs to one service per protocol, across what stays and what is written.
  std::map<std::pair<std::uint16_t, Protocol>, const ServiceSpec*> node_ports;
  auto claim = [&](const ServiceSpec& s) -> Status {
    if (s.node_port == 0) return {};
    auto [it, fresh] = node_ports.emplace(std::pair{s.node_port, s.frontend.protocol}, &s);
    if (!fresh && it->second->frontend != s.frontend)
      return err("node port " + node_port_name(s) + " of " + format_frontend(s.frontend) +
                 " is already used by " + format_frontend(it->second->frontend));
    return {};
  };
  for (const auto& s : current)
    if (!prune && !want.contains(s.frontend))  // stays as it is
      if (auto ok = claim(s); !ok) return ok.error();
  for (const auto& s : desired)
    if (auto ok = claim(s); !ok) return ok.error();
  return plan;
}

Result<ApplyPlan> plan_delete(const std::vector<ServiceSpec>& current, const Frontend& frontend) {
  for (const auto& s : current) {
    if (s.frontend == frontend) {
      ApplyPlan plan;
      plan.deletes.push_back(frontend);
      plan.report.deleted = 1;
      return plan;
    }
  }
  return err("service " + format_frontend(frontend) + " not found (`xebec bpf lb list` shows the services)");
}

}  // namespace xebec::dataplane
