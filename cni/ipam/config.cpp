// Parsing and checking of the ipam configuration object, host-local's rules and defaults.
#include "cni/ipam/config.h"

#include "cni/spec/fields.h"

namespace xebec::cni::ipam {
namespace {

constexpr int kLongestPrefix = 30;  // /31 and /32 leave no address besides network and broadcast
constexpr const char* kRangeExample = R"({"subnet": "10.244.1.0/24"})";

// A network prefix from a field, or nothing with the error recorded in `r`.
std::optional<Ipv4Prefix> network_field(FieldReader& r, std::string_view key, const char* what, const char* example) {
  auto text = r.string(key);
  if (!text) {
    if (!r.error()) r.fail(key, std::string("missing: every ") + what + " needs one, e.g. " + example);
    return std::nullopt;
  }
  if (text->find(':') != std::string::npos) {
    r.fail(key, std::string("IPv6 ") + what + "s are not supported yet");
    return std::nullopt;
  }
  auto prefix = Ipv4Prefix::parse(*text);
  if (!prefix) {
    r.fail(key, prefix.error().message);
    return std::nullopt;
  }
  if (!prefix->is_network()) {
    r.fail(key, *text + " has host bits set: the network is " + Ipv4Prefix{prefix->network(), prefix->length}.str());
    return std::nullopt;
  }
  return *prefix;
}

// An optional address field; nothing when absent or wrong (then the error is in `r`).
std::optional<Ipv4Address> address_field(FieldReader& r, std::string_view key) {
  auto text = r.string(key);
  if (!text) return std::nullopt;
  auto address = Ipv4Address::parse(*text);
  if (!address) {
    r.fail(key, address.error().message);
    return std::nullopt;
  }
  return *address;
}

// An optional address field that must be a host address of `subnet`, else `fallback`.
Ipv4Address host_field(FieldReader& r, std::string_view key, const Ipv4Prefix& subnet, Ipv4Address fallback) {
  auto a = address_field(r, key);
  if (!a) return fallback;
  if (!subnet.contains(*a))
    r.fail(key, a->str() + " is outside the subnet " + subnet.str());
  else if (*a == subnet.network())
    r.fail(key, a->str() + " is the network address of " + subnet.str());
  else if (*a == subnet.broadcast())
    r.fail(key, a->str() + " is the broadcast address of " + subnet.str());
  return *a;
}

// One range: the object at `path` (host-local's fields subnet, rangeStart, rangeEnd, gateway).
Result<IpamRange> parse_range(const nlohmann::json& object, const std::string& path) {
  FieldReader r(object, path);
  IpamRange range;
  if (auto subnet = network_field(r, "subnet", "range", "10.244.1.0/24")) {
    range.subnet = *subnet;
    if (subnet->length > kLongestPrefix)
      r.fail("subnet", subnet->str() + " is too small to allocate from: the longest prefix is /" +
                           std::to_string(kLongestPrefix));
  }
  if (r.error()) return *r.error();
  range.range_start = host_field(r, "rangeStart", range.subnet, range.subnet.network().next());
  range.range_end = host_field(r, "rangeEnd", range.subnet, range.subnet.broadcast().prev());
  range.gateway = host_field(r, "gateway", range.subnet, range.subnet.network().next());
  if (!r.error() && range.range_end < range.range_start)
    r.fail("rangeStart", range.range_start.str() + " is after rangeEnd " + range.range_end.str());
  if (r.error()) return *r.error();
  return range;
}

Result<std::vector<IpamRangeSet>> parse_range_sets(FieldReader& r, const nlohmann::json& ipam) {
  const auto* list = r.array("ranges");
  if (r.error()) return *r.error();
  std::vector<IpamRangeSet> sets;
  if (r.has("subnet")) {  // host-local's legacy single range, prepended to the list
    auto range = parse_range(ipam, "ipam");
    if (!range) return range.error();
    sets.push_back({"ipam", {*range}});
  }
  const std::string list_path = r.path_of("ranges");
  if (list && list->empty())
    return err(list_path + ": expected at least one range set, e.g. [[" + std::string(kRangeExample) + "]]",
               ErrorCode::kInvalid);
  for (std::size_t i = 0; list && i < list->size(); ++i) {
    const auto& set = (*list)[i];
    IpamRangeSet parsed{FieldReader::element(list_path, i), {}};
    if (!set.is_array())
      return err(
          parsed.path + ": expected a list of ranges, e.g. [" + std::string(kRangeExample) + "], got " + describe(set),
          ErrorCode::kInvalid);
    if (set.empty()) return err(parsed.path + ": expected at least one range", ErrorCode::kInvalid);
    for (std::size_t j = 0; j < set.size(); ++j) {
      auto range = parse_range(set[j], FieldReader::element(parsed.path, j));
      if (!range) return range.error();
      parsed.ranges.push_back(*range);
    }
    sets.push_back(std::move(parsed));
  }
  if (sets.empty())
    return err(list_path + ": missing: give ipam.ranges, a list of range sets (e.g. [[" + std::string(kRangeExample) +
                   "]]), or a single range as ipam.subnet",
               ErrorCode::kInvalid);
  return sets;
}

// No two ranges may share an address, within a set or across sets.
Status check_overlaps(const std::vector<IpamRangeSet>& sets) {
  struct Placed {
    std::string path;
    const IpamRange* range;
  };
  std::vector<Placed> seen;
  for (const auto& set : sets) {
    for (std::size_t j = 0; j < set.ranges.size(); ++j) {
      const IpamRange& r = set.ranges[j];
      std::string path = set.path == "ipam" ? set.path : FieldReader::element(set.path, j);
      for (const auto& other : seen) {
        if (r.range_start <= other.range->range_end && other.range->range_start <= r.range_end)
          return err(path + ": " + r.str() + " overlaps " + other.path + " (" + other.range->str() + ")",
                     ErrorCode::kInvalid);
      }
      seen.push_back({std::move(path), &r});
    }
  }
  return {};
}

Result<std::vector<IpamRoute>> parse_routes(FieldReader& r) {
  std::vector<IpamRoute> routes;
  const auto* list = r.array("routes");
  for (std::size_t i = 0; list && i < list->size(); ++i) {
    FieldReader route((*list)[i], FieldReader::element(r.path_of("routes"), i));
    auto dst = network_field(route, "dst", "route", "0.0.0.0/0");
    auto gw = address_field(route, "gw");
    if (route.error()) return *route.error();
    routes.push_back({*dst, gw});
  }
  if (r.error()) return *r.error();
  return routes;
}

}  // namespace

std::string IpamRange::str() const { return range_start.str() + "-" + range_end.str() + " of " + subnet.str(); }

const IpamRange* IpamRangeSet::range_for(Ipv4Address a) const {
  for (const auto& r : ranges)
    if (r.contains(a)) return &r;
  return nullptr;
}

std::string IpamRangeSet::str() const {
  std::string out;
  for (const auto& r : ranges) out += (out.empty() ? "" : ", ") + r.str();
  return out;
}

bool IpamConfig::is_gateway(Ipv4Address a) const {
  for (const auto& set : range_sets)
    for (const auto& r : set.ranges)
      if (r.gateway == a) return true;
  return false;
}

Result<IpamConfig> parse_ipam_config(const nlohmann::json& ipam) {
  FieldReader r(ipam, "ipam");
  if (r.error()) return *r.error();
  IpamConfig config;
  auto sets = parse_range_sets(r, ipam);
  if (!sets) return sets.error();
  if (auto overlap = check_overlaps(*sets); !overlap) return overlap.error();
  config.range_sets = std::move(*sets);
  auto routes = parse_routes(r);
  if (!routes) return routes.error();
  config.routes = std::move(*routes);
  if (auto dir = r.string("dataDir")) {
    if (dir->empty() || dir->front() != '/') r.fail("dataDir", "'" + *dir + "' is not an absolute path");
    config.data_dir = *dir;
  }
  if (r.error()) return *r.error();
  return config;
}

}  // namespace xebec::cni::ipam
