// StandInKubelet: the node's registration and heartbeat, and the status a kubelet would write for
// each pod bound to the node once its containers run.
#include "tests/support/stand_in_kubelet.h"

#include <arpa/inet.h>
#include <sys/utsname.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <functional>

#include "controlplane/api/object_meta.h"
#include "controlplane/client/json_field.h"

namespace xebec::testing {

namespace {

using nlohmann::json;

const auto& at = client::object_field;  // a missing part reads as {}

const api::ResourceType& nodes_type() { return *api::find_resource("", "v1", "nodes"); }
const api::ResourceType& pods_type() { return *api::find_resource("", "v1", "pods"); }

// "10.244.3.0/24" as its network address (host order) and prefix length.
Result<std::pair<std::uint32_t, int>> parse_cidr(const std::string& cidr) {
  const auto slash = cidr.find('/');
  in_addr addr{};
  int bits = -1;
  if (slash != std::string::npos && inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &addr) == 1) {
    try {
      std::size_t used = 0;
      bits = std::stoi(cidr.substr(slash + 1), &used);
      if (used != cidr.size() - slash - 1) bits = -1;
    } catch (const std::exception&) {
      bits = -1;
    }
  }
  if (bits < 8 || bits > 30)
    return err("pod CIDR \"" + cidr + "\" is not an IPv4 network of /8 to /30, such as 10.244.1.0/24",
               ErrorCode::kInvalid);
  const std::uint32_t mask = ~std::uint32_t{0} << (32 - bits);
  return std::pair{ntohl(addr.s_addr) & mask, bits};
}

std::string ip_text(std::uint32_t host_order) {
  in_addr addr{htonl(host_order)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, buf, sizeof buf);
  return buf;
}

std::optional<std::uint32_t> parse_ip(const std::string& text) {
  in_addr addr{};
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

// 64 hex digits that stand for a digest or a container ID: the same for the same text.
std::string fake_hash(const std::string& text) {
  std::string out;
  char buf[17];
  for (int salt = 0; salt < 4; ++salt) {
    std::snprintf(buf, sizeof buf, "%016zx", std::hash<std::string>{}(text + char('a' + salt)));
    out += buf;
  }
  return out;
}

// "registry/app:1.2" -> "registry/app@sha256:...": the image's repository with a digest.
std::string image_id(const std::string& image) {
  std::string repository = image.substr(0, image.find('@'));
  const auto slash = repository.rfind('/');
  const auto colon = repository.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) repository.resize(colon);
  return repository + "@sha256:" + fake_hash(image);
}

const json* find_named(const json& list, const char* field, const std::string& value) {
  if (!list.is_array()) return nullptr;
  for (const auto& item : list)
    if (item.is_object() && item.value(field, "") == value) return &item;
  return nullptr;
}

// The condition of that type with status `status`, keeping the transition time of `current`'s
// when its status is the same already.
json condition(const json& current, const std::string& type, const std::string& status, const std::string& now) {
  const json* prior = find_named(at(current, "conditions"), "type", type);
  const bool same = prior && prior->value("status", "") == status && prior->contains("lastTransitionTime");
  return {
      {"type", type}, {"status", status}, {"lastTransitionTime", same ? (*prior)["lastTransitionTime"] : json(now)}};
}

// Whether the pod's status already says what pod_status would: running with that IP, ready,
// each container of the spec running its image. (Not an exact comparison: the apiserver may
// drop or default parts of what is written, and that must not make the kubelet write again.)
bool running_as_wanted(const json& pod, const std::string& ip, const std::string& host_ip) {
  const json& status = at(pod, "status");
  if (status.value("phase", "") != "Running" || status.value("podIP", "") != ip ||
      status.value("hostIP", "") != host_ip)
    return false;
  for (const char* type : {"Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
    const json* c = find_named(at(status, "conditions"), "type", type);
    if (!c || c->value("status", "") != "True") return false;
  }
  const json& containers = at(at(pod, "spec"), "containers");
  for (const auto& c : containers.is_array() ? containers : json::array()) {
    const json* s = find_named(at(status, "containerStatuses"), "name", c.value("name", ""));
    if (!s || !s->value("ready", false) || s->value("image", "") != c.value("image", "") ||
        !at(at(*s, "state"), "running").contains("startedAt"))
      return false;
  }
  return true;
}

}  // namespace

StandInKubelet::StandInKubelet(client::ApiClient& client, std::string node, StandInKubeletOptions options)
    : client_(client), node_(std::move(node)), options_(std::move(options)) {}

StandInKubelet::~StandInKubelet() { stop(); }

Status StandInKubelet::start() {
  if (pods_) return err("stand-in kubelet " + node_ + ": started already", ErrorCode::kInvalid);
  // The pod CIDR is the node's if it has one (a kubelet reads spec.podCIDR), else ours.
  auto existing = client_.get(nodes_type(), "", node_);
  if (!existing && existing.error().code != ErrorCode::kNotFound) return existing.error();
  const std::string had_cidr = existing ? client::string_field(*existing, {"spec", "podCIDR"}) : "";
  cidr_ = had_cidr.empty() ? options_.pod_cidr : had_cidr;
  auto network = parse_cidr(cidr_);
  if (!network) return err("stand-in kubelet " + node_ + ": " + network.error().message, ErrorCode::kInvalid);
  {
    std::lock_guard lock(mu_);
    range_ = {network->first + 2, (network->first | ~(~std::uint32_t{0} << (32 - network->second))) - 1};
  }
  internal_ip_ = options_.internal_ip.empty() ? ip_text(network->first + 1) : options_.internal_ip;
  if (!existing) {
    if (auto created = create_node(); !created) return created;
  } else if (had_cidr.empty()) {
    auto patched = client_.patch(nodes_type(), "", node_, client::PatchType::kMerge,
                                 {{"spec", {{"podCIDR", cidr_}, {"podCIDRs", {cidr_}}}}});
    if (!patched) return patched.error();
  }
  if (auto posted = post_status(); !posted) return posted;

  pods_ = std::make_unique<client::Informer>(client_, pods_type(),
                                             client::InformerOptions{.field_selector = "spec.nodeName=" + node_});
  auto enqueue = [this](const json& pod) { queue_.add(client::object_key(pod)); };
  pods_->add_handlers({.on_add = enqueue,
                       .on_update = [enqueue](const json&, const json& pod) { enqueue(pod); },
                       .on_delete =
                           [this, enqueue](const json& pod) {
                             release(pod);
                             enqueue(pod);
                           }});
  pods_->start();
  if (!pods_->wait_for_sync(std::chrono::seconds(30)))
    return err("stand-in kubelet " + node_ + ": cannot list its pods: " + pods_->last_error());
  // The addresses of the pods it ran before (a restarted kubelet) are taken before any is handed out.
  for (const auto& pod : pods_->list())
    if (const std::string ip = at(*pod, "status").value("podIP", ""); !ip.empty())
      (void)address_for(at(*pod, "metadata").value("uid", ""), ip);

  worker_ = std::jthread([this] { pod_loop(); });
  heartbeat_ = std::jthread([this](std::stop_token stop) { heartbeat_loop(stop); });
  return {};
}

void StandInKubelet::stop() {
  stopping_ = true;
  if (pods_) pods_->stop();  // no more events
  queue_.shut_down();
  if (worker_.joinable()) worker_.join();
  heartbeat_.request_stop();
  if (heartbeat_.joinable()) heartbeat_.join();
}

Status StandInKubelet::create_node() {
  json labels = {{"kubernetes.io/hostname", node_}, {"kubernetes.io/os", "linux"}, {"kubernetes.io/arch", "amd64"}};
  for (const auto& [key, value] : options_.labels) labels[key] = value;
  const json node = {{"apiVersion", "v1"},
                     {"kind", "Node"},
                     {"metadata", {{"name", node_}, {"labels", labels}}},
                     {"spec", {{"podCIDR", cidr_}, {"podCIDRs", {cidr_}}}},
                     {"status", node_status(json::object())}};
  auto created = client_.create(nodes_type(), "", node);
  if (!created && created.error().code != ErrorCode::kAlreadyExists) return created.error();
  return {};
}

Status StandInKubelet::post_status() {
  // Conditional on the node as read; a lost race is tried again at once.
  for (int attempt = 0;; ++attempt) {
    auto node = client_.get(nodes_type(), "", node_);
    if (!node && node.error().code == ErrorCode::kNotFound) return create_node();  // deleted: register again
    if (!node) return node.error();
    (*node)["status"] = node_status(at(*node, "status"));
    auto written = client_.update(nodes_type(), "", *node, "status");
    if (written || written.error().code != ErrorCode::kConflict || attempt == 2)
      return written ? Status() : written.error();
  }
}

json StandInKubelet::node_status(const json& current) const {
  const std::string now = api::now_rfc3339();
  json status = current.is_object() ? current : json::object();
  const json resources = {{"cpu", options_.cpu}, {"memory", options_.memory}, {"pods", options_.pods}};
  status["capacity"] = resources;
  status["allocatable"] = resources;
  status["addresses"] = {{{"type", "InternalIP"}, {"address", internal_ip_}},
                         {{"type", "Hostname"}, {"address", node_}}};
  utsname host{};
  uname(&host);
  status["nodeInfo"] = {{"machineID", fake_hash("machine " + node_).substr(0, 32)},
                        {"systemUUID", fake_hash("system " + node_).substr(0, 32)},
                        {"bootID", fake_hash("boot " + node_).substr(0, 32)},
                        {"kernelVersion", host.release},
                        {"osImage", "xebec stand-in kubelet"},
                        {"containerRuntimeVersion", "stand-in://0.1"},
                        {"kubeletVersion", "v1.32.0-xebec-stand-in"},
                        {"kubeProxyVersion", "v1.32.0-xebec-stand-in"},
                        {"operatingSystem", "linux"},
                        {"architecture", "amd64"}};
  status["daemonEndpoints"] = {{"kubeletEndpoint", {{"Port", 10250}}}};

  struct Posted {
    const char *type, *status, *reason, *message;
  };
  static constexpr Posted kPosted[] = {
      {"MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
      {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
      {"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
      {"Ready", "True", "KubeletReady", "kubelet is posting ready status"}};
  json conditions = json::array();
  const json& had = at(status, "conditions");
  for (const auto& c : had.is_array() ? had : json::array())  // others' conditions (NetworkUnavailable) stay
    if (std::none_of(std::begin(kPosted), std::end(kPosted),
                     [&](const Posted& p) { return c.value("type", "") == p.type; }))
      conditions.push_back(c);
  for (const auto& p : kPosted) {
    json c = condition(status, p.type, p.status, now);
    c["reason"] = p.reason;
    c["message"] = p.message;
    c["lastHeartbeatTime"] = now;
    conditions.push_back(std::move(c));
  }
  status["conditions"] = std::move(conditions);
  return status;
}

void StandInKubelet::heartbeat_loop(std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any wake;
  std::unique_lock lock(mu);
  while (!stop.stop_requested()) {
    wake.wait_for(lock, stop, options_.heartbeat_period, [] { return false; });
    if (stop.stop_requested() || stopping_) return;
    if (Status posted = post_status(); !posted)
      std::fprintf(stderr, "stand-in kubelet %s: heartbeat: %s\n", node_.c_str(), posted.error().message.c_str());
  }
}

void StandInKubelet::pod_loop() {
  while (auto key = queue_.get()) {
    if (stopping_) {
      queue_.done(*key);
      continue;
    }
    if (Status done = sync_pod(*key); done) {
      queue_.forget(*key);
    } else {
      if (done.error().code != ErrorCode::kConflict)
        std::fprintf(stderr, "stand-in kubelet %s: pod %s: %s (retrying)\n", node_.c_str(), key->c_str(),
                     done.error().message.c_str());
      queue_.add_rate_limited(*key);
    }
    queue_.done(*key);
  }
}

Status StandInKubelet::sync_pod(const std::string& key) {
  const client::ObjectPtr cached = pods_->get(key);
  if (!cached) {
    std::lock_guard lock(mu_);
    seen_.erase(key);
    return {};
  }
  const json& pod = *cached;
  const json& meta = at(pod, "metadata");
  const std::string phase = at(pod, "status").value("phase", "");
  // Deletion is the apiserver's at once; finished pods stay as they are.
  if (meta.contains("deletionTimestamp") || phase == "Succeeded" || phase == "Failed") return {};

  const auto now = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point first_seen;
  {
    std::lock_guard lock(mu_);
    first_seen = seen_.try_emplace(key, now).first->second;
  }
  if (now < first_seen + options_.start_delay) {
    queue_.add_after(key, first_seen + options_.start_delay - now);
    return {};
  }
  auto ip = address_for(meta.value("uid", ""), at(pod, "status").value("podIP", ""));
  if (!ip) return ip.error();
  if (running_as_wanted(pod, *ip, internal_ip_)) return {};
  json updated = pod;
  updated["status"] = pod_status(pod, *ip);
  auto written = client_.update(pods_type(), meta.value("namespace", ""), updated, "status");
  if (!written && written.error().code != ErrorCode::kNotFound) return written.error();
  return {};
}

json StandInKubelet::pod_status(const json& pod, const std::string& ip) const {
  const std::string now = api::now_rfc3339();
  const json& current = at(pod, "status");
  json status = current.is_object() ? current : json::object();
  status["phase"] = "Running";
  status["hostIP"] = internal_ip_;
  status["hostIPs"] = {{{"ip", internal_ip_}}};
  status["podIP"] = ip;
  status["podIPs"] = {{{"ip", ip}}};
  if (!status.contains("startTime")) status["startTime"] = now;

  json conditions = json::array();
  static constexpr const char* kTypes[] = {"Initialized", "Ready", "ContainersReady", "PodScheduled"};
  for (const auto& c : at(current, "conditions").is_array() ? at(current, "conditions") : json::array())
    if (std::none_of(std::begin(kTypes), std::end(kTypes), [&](const char* t) { return c.value("type", "") == t; }))
      conditions.push_back(c);  // readiness gates' and others' stay
  for (const char* type : kTypes) conditions.push_back(condition(current, type, "True", now));
  status["conditions"] = std::move(conditions);

  const std::string uid = at(pod, "metadata").value("uid", "");
  auto container_status = [&](const json& container, const json& had, bool init) {
    const std::string name = container.value("name", ""), image = container.value("image", "");
    const json* prior = find_named(had, "name", name);
    static const json kNone = json::object();
    const json& prior_state = prior ? at(*prior, "state") : kNone;
    json s = {{"name", name},
              {"image", image},
              {"imageID", image_id(image)},
              {"containerID", "containerd://" + fake_hash(uid + "/" + name)},
              {"restartCount", prior ? prior->value("restartCount", 0) : 0},
              {"lastState", json::object()}};
    if (init) {
      const json& done = at(prior_state, "terminated");
      s["state"] = {{"terminated",
                     {{"exitCode", 0},
                      {"reason", "Completed"},
                      {"startedAt", done.value("startedAt", now)},
                      {"finishedAt", done.value("finishedAt", now)},
                      {"containerID", s["containerID"]}}}};
      s["ready"] = true;
      s["started"] = false;
    } else {
      // Kept across an image change would be wrong, but a pod's new image is a new container.
      const json& running = at(prior_state, "running");
      const bool same = prior && prior->value("image", "") == image;
      s["state"] = {{"running", {{"startedAt", same ? running.value("startedAt", now) : now}}}};
      s["ready"] = true;
      s["started"] = true;
    }
    return s;
  };
  const json& spec = at(pod, "spec");
  for (const char* field : {"initContainers", "containers"}) {
    const json& containers = at(spec, field);
    if (!containers.is_array() || containers.empty()) continue;
    const bool init = std::string_view(field) == "initContainers";
    const json& had = at(current, init ? "initContainerStatuses" : "containerStatuses");
    json statuses = json::array();
    for (const auto& c : containers) statuses.push_back(container_status(c, had, init));
    status[init ? "initContainerStatuses" : "containerStatuses"] = std::move(statuses);
  }
  return status;
}

Result<std::string> StandInKubelet::address_for(const std::string& uid, const std::string& current) {
  std::lock_guard lock(mu_);
  if (auto it = ips_.find(uid); it != ips_.end()) return ip_text(it->second);
  auto claim = [&](std::uint32_t address) {
    ips_[uid] = address;
    owners_[address] = uid;
    return ip_text(address);
  };
  if (auto had = parse_ip(current); had && *had >= range_.first && *had <= range_.last && !owners_.contains(*had))
    return claim(*had);
  for (std::uint32_t a = range_.first; a <= range_.last; ++a)
    if (!owners_.contains(a)) return claim(a);
  return err("stand-in kubelet " + node_ + ": no pod IP left in " + ip_text(range_.first) + "-" + ip_text(range_.last),
             ErrorCode::kUnavailable);
}

void StandInKubelet::release(const json& pod) {
  std::lock_guard lock(mu_);
  const auto it = ips_.find(at(pod, "metadata").value("uid", ""));
  if (it == ips_.end()) return;
  owners_.erase(it->second);
  ips_.erase(it);
}

}  // namespace xebec::testing
