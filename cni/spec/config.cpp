// Network configuration: the well-known fields of the spec and the versions each command needs.
#include "cni/spec/config.h"

#include "cni/spec/fields.h"

namespace xebec::cni {

namespace {

// The first spec version that has the command.
Version introduced(Command c) {
  switch (c) {
    case Command::kCheck: return kV040;
    case Command::kStatus:
    case Command::kGc: return kV110;
    default: return kV031;
  }
}

Result<std::vector<Attachment>> parse_attachments(FieldReader& r, std::string_view key) {
  std::vector<Attachment> out;
  const auto* list = r.array(key);
  if (!list) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    FieldReader a((*list)[i], FieldReader::element(r.path_of(key), i));
    Attachment att{a.string("containerID").value_or(""), a.string("ifname").value_or("")};
    if (att.container_id.empty() && !a.error()) a.fail("containerID", "required");
    if (att.ifname.empty() && !a.error()) a.fail("ifname", "required");
    if (a.error()) return *a.error();
    out.push_back(std::move(att));
  }
  return out;
}

}  // namespace

Status validate_network_name(std::string_view name) {
  if (name.empty()) return err("name: required (the network's name)", ErrorCode::kInvalid);
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  bool ok = alnum(name.front());
  for (char c : name) ok = ok && (alnum(c) || c == '_' || c == '.' || c == '-');
  if (!ok)
    return err("name: '" + std::string(name) +
                   "' is not a network name (a letter or digit, then letters, digits, '_', '.' or '-')",
               ErrorCode::kInvalid);
  return {};
}

Result<NetConf> parse_netconf(std::string_view text, Command command) {
  NetConf conf;
  conf.raw = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (conf.raw.is_discarded())
    return err(text.empty() ? "no network configuration on stdin" : "the network configuration on stdin is not JSON",
               ErrorCode::kBadRequest);
  if (!conf.raw.is_object())
    return err("the network configuration on stdin is not a JSON object, but " + describe(conf.raw),
               ErrorCode::kBadRequest);

  FieldReader r(conf.raw, "");
  auto version_text = r.string("cniVersion");
  if (r.error()) return *r.error();
  if (!version_text)
    return err("cniVersion: required; xebec supports " + supported_versions_text(), ErrorCode::kNotFound);
  auto version = supported_version(*version_text);
  if (!version) return err("cniVersion: " + version.error().message, ErrorCode::kNotFound);
  conf.version = *version;
  if (command == Command::kVersion) return conf;
  if (conf.version < introduced(command))
    return err("cniVersion " + conf.version.str() + " does not have " + std::string(command_name(command)) +
                   " (it came in " + introduced(command).str() + ")",
               ErrorCode::kNotFound);

  conf.name = r.string("name").value_or("");
  conf.type = r.string("type").value_or("");
  if (r.error()) return *r.error();
  if (auto ok = validate_network_name(conf.name); !ok) return ok.error();

  if (const auto* dns = r.object("dns")) {
    auto d = parse_dns(*dns, "dns");
    if (!d) return d.error();
    conf.dns = std::move(*d);
  }
  if (const auto* prev = r.object("prevResult")) {
    auto p = parse_result(*prev, "prevResult");
    if (!p) return p.error();
    conf.prev_result = std::move(*p);
  }
  r.object("ipam");
  r.object("runtimeConfig");
  r.object("args");
  if (command == Command::kGc) {
    // Without the list, GC would release every attachment: refuse rather than guess.
    const char* key = r.has("cni.dev/valid-attachments") ? "cni.dev/valid-attachments" : "cni.dev/attachments";
    if (!r.has(key))
      return err("cni.dev/valid-attachments: required for GC (the attachments to keep; [] releases all)",
                 ErrorCode::kInvalid);
    auto valid = parse_attachments(r, key);
    if (!valid) return valid.error();
    conf.valid_attachments = std::move(*valid);
  }
  if (r.error()) return *r.error();
  return conf;
}

}  // namespace xebec::cni
