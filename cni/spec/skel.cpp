// One invocation from environment and stdin to stdout and exit code.
#include "cni/spec/skel.h"

#include <nlohmann/json.hpp>

namespace xebec::cni {

namespace {

int fail(std::ostream& out, const Version& version, Code code, const std::string& msg, const std::string& details) {
  nlohmann::json e = {{"cniVersion", version.str()}, {"code", static_cast<int>(code)}, {"msg", msg}};
  if (!details.empty()) e["details"] = details;
  out << e.dump() << '\n';
  return 1;
}

// VERSION: the versions we speak, in the version asked for when we speak it.
int version_info(std::string_view stdin_text, std::ostream& out) {
  Version asked = kLatestVersion;
  auto conf = nlohmann::json::parse(stdin_text, nullptr, false);
  if (conf.is_object() && conf.contains("cniVersion") && conf["cniVersion"].is_string())
    if (auto v = supported_version(conf["cniVersion"].get<std::string>())) asked = *v;
  nlohmann::json info = {{"cniVersion", asked.str()}, {"supportedVersions", nlohmann::json::array()}};
  for (const auto& v : kSupportedVersions) info["supportedVersions"].push_back(v.str());
  out << info.dump() << '\n';
  return 0;
}

// Where the failure happened, for the error's details.
std::string context(const Invocation& inv, const NetConf& conf) {
  std::string s = std::string(command_name(inv.command));
  if (!inv.container_id.empty()) s += " of container " + inv.container_id;
  if (!inv.ifname.empty()) s += " interface " + inv.ifname;
  return s + " on network " + conf.name;
}

}  // namespace

Code code_for(const Error& e, Command command) {
  if (command == Command::kStatus)
    return e.code == ErrorCode::kExhausted ? Code::kNotAvailableResources : Code::kNotAvailable;
  switch (e.code) {
    case ErrorCode::kInvalid: return Code::kInvalidConfig;
    case ErrorCode::kBadRequest: return Code::kDecodeFailure;
    case ErrorCode::kUnavailable:
    case ErrorCode::kConflict: return Code::kTryAgainLater;
    case ErrorCode::kNotFound: return Code::kUnknownContainer;
    case ErrorCode::kAlreadyExists: return Code::kAlreadyAttached;
    case ErrorCode::kExhausted: return Code::kRangeExhausted;
    default: return Code::kFailed;
  }
}

int run(Plugin& plugin, std::string_view stdin_text, const Getenv& getenv, std::ostream& out) {
  auto inv = read_invocation(getenv);
  if (!inv) return fail(out, kLatestVersion, Code::kInvalidEnvironment, inv.error().message, "");
  if (inv->command == Command::kVersion) return version_info(stdin_text, out);

  auto conf = parse_netconf(stdin_text, inv->command);
  if (!conf) {
    const auto& e = conf.error();
    Code code = e.code == ErrorCode::kBadRequest ? Code::kDecodeFailure
                : e.code == ErrorCode::kNotFound ? Code::kIncompatibleVersion
                                                 : Code::kInvalidConfig;
    return fail(out, kLatestVersion, code, e.message, "");
  }

  auto failed = [&](const Error& e) {
    return fail(out, conf->version, code_for(e, inv->command), e.message, context(*inv, *conf));
  };
  switch (inv->command) {
    case Command::kAdd: {
      auto result = plugin.add(*inv, *conf);
      if (!result) return failed(result.error());
      out << encode_result(*result, conf->version).dump() << '\n';
      return 0;
    }
    case Command::kDel:
      if (auto ok = plugin.del(*inv, *conf); !ok) return failed(ok.error());
      return 0;
    case Command::kCheck:
      if (auto ok = plugin.check(*inv, *conf); !ok) return failed(ok.error());
      return 0;
    case Command::kStatus:
      if (auto ok = plugin.status(*inv, *conf); !ok) return failed(ok.error());
      return 0;
    case Command::kGc:
      if (auto ok = plugin.gc(*inv, *conf); !ok) return failed(ok.error());
      return 0;
    case Command::kVersion: break;
  }
  return 0;
}

}  // namespace xebec::cni
