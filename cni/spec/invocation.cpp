// CNI_* environment variables: which command needs which, and how each must look.
#include "cni/spec/invocation.h"

#include <array>
#include <cctype>

namespace xebec::cni {

namespace {

struct CommandInfo {
  Command command;
  std::string_view name;
  bool needs_container, needs_netns, needs_ifname;
};

constexpr std::array kCommands{
    CommandInfo{Command::kAdd, "ADD", true, true, true},
    CommandInfo{Command::kDel, "DEL", true, false, true},
    CommandInfo{Command::kCheck, "CHECK", true, true, true},
    CommandInfo{Command::kVersion, "VERSION", false, false, false},
    CommandInfo{Command::kStatus, "STATUS", false, false, false},
    CommandInfo{Command::kGc, "GC", false, false, false},
};

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto at = text.find(sep);
    if (auto part = text.substr(0, at); !part.empty()) out.emplace_back(part);
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_args(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& pair : split(text, ';')) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      return err("CNI_ARGS: '" + pair + "' is not KEY=VALUE (pairs are separated by ';')", ErrorCode::kInvalid);
    out.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
  }
  return out;
}

}  // namespace

std::string_view command_name(Command c) {
  for (const auto& info : kCommands)
    if (info.command == c) return info.name;
  return "?";
}

std::optional<std::string> Invocation::arg(std::string_view key) const {
  std::optional<std::string> value;
  for (const auto& [k, v] : args)
    if (k == key) value = v;
  return value;
}

Status validate_container_id(std::string_view id) {
  if (id.empty()) return err("is empty", ErrorCode::kInvalid);
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(id.front())) return err("must start with a letter or a digit", ErrorCode::kInvalid);
  for (char c : id)
    if (!alnum(c) && c != '_' && c != '.' && c != '-')
      return err(std::string("may hold only letters, digits, '_', '.' and '-', not '") + c + "'", ErrorCode::kInvalid);
  return {};
}

Status validate_ifname(std::string_view name) {
  auto invalid = [&](const char* why) {
    return err("'" + std::string(name) + "' is not a valid interface name: it " + why, ErrorCode::kInvalid);
  };
  if (name.empty()) return invalid("is empty");
  if (name.size() > 15) return invalid("is longer than 15 bytes");
  if (name == "." || name == "..") return invalid("may not be '.' or '..'");
  for (char c : name)
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)))
      return invalid("may not hold '/', ':' or whitespace");
  return {};
}

Result<Invocation> read_invocation(const Getenv& getenv) {
  auto value = [&](const char* name) -> std::string {
    const char* v = getenv(name);
    return v ? v : "";
  };
  std::string command = value("CNI_COMMAND");
  const CommandInfo* info = nullptr;
  for (const auto& c : kCommands)
    if (c.name == command) info = &c;
  if (!info)
    return err(command.empty()
                   ? "CNI_COMMAND is not set (ADD, DEL, CHECK, VERSION, STATUS or GC)"
                   : "CNI_COMMAND: unknown command '" + command + "' (ADD, DEL, CHECK, VERSION, STATUS or GC)",
               ErrorCode::kInvalid);

  Invocation inv;
  inv.command = info->command;
  inv.container_id = value("CNI_CONTAINERID");
  inv.netns = value("CNI_NETNS");
  inv.ifname = value("CNI_IFNAME");
  inv.path = split(value("CNI_PATH"), ':');
  auto args = parse_args(value("CNI_ARGS"));
  if (!args) return args.error();
  inv.args = std::move(*args);

  auto required = [&](bool needed, const char* name, const std::string& v) -> Status {
    if (needed && v.empty())
      return err(std::string(name) + " is not set; " + command + " needs it", ErrorCode::kInvalid);
    return {};
  };
  if (auto ok = required(info->needs_container, "CNI_CONTAINERID", inv.container_id); !ok) return ok.error();
  if (auto ok = required(info->needs_netns, "CNI_NETNS", inv.netns); !ok) return ok.error();
  if (auto ok = required(info->needs_ifname, "CNI_IFNAME", inv.ifname); !ok) return ok.error();
  if (info->needs_container)
    if (auto ok = validate_container_id(inv.container_id); !ok)
      return err("CNI_CONTAINERID '" + inv.container_id + "' " + ok.error().message, ErrorCode::kInvalid);
  if (info->needs_ifname)
    if (auto ok = validate_ifname(inv.ifname); !ok)
      return err("CNI_IFNAME: " + ok.error().message, ErrorCode::kInvalid);
  return inv;
}

}  // namespace xebec::cni
