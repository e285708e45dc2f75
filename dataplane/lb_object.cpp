// Opening the BPF object: checks that BPF can work here and says why not when it cannot.
#include "dataplane/lb_object.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <vector>

#include "lb.skel.h"

namespace xebec::dataplane {

namespace {

// libbpf's warnings of the current open (the verifier log among them), for error messages.
std::string& libbpf_log() {
  static std::string log;
  return log;
}

int capture_libbpf(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[4096];
  int n = vsnprintf(buf, sizeof buf, fmt, args);
  libbpf_log() += buf;
  return n;
}

std::string log_tail(std::size_t max_lines) {
  std::istringstream in(libbpf_log());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i)
    out += "\n  " + lines[i];
  return out;
}

// The root must live on a BPF filesystem; creates it below an existing bpffs mount.
Status prepare_root(const std::string& root, bool create) {
  namespace fs = std::filesystem;
  fs::path existing = root;
  while (!existing.empty() && !fs::exists(existing)) existing = existing.parent_path();
  struct statfs st {};
  if (existing.empty() || statfs(existing.c_str(), &st) != 0 || st.f_type != BPF_FS_MAGIC)
    return err("BPF not available: " + root +
               " is not on a BPF filesystem (mount one with: mount -t bpf bpf /sys/fs/bpf; note that "
               "`ip netns exec` remounts /sys and hides it: enter a namespace with `nsenter --net=/run/netns/NAME`)");
  if (!create) return {};
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted)
    return err("BPF not available: cannot create " + root + ": " + ec.message() + "; run as root");
  if (ec) return err("cannot create " + root + ": " + ec.message());
  return {};
}

std::string load_error(int e, const std::string& root) {
  if (e == -EPERM || e == -EACCES)
    return "BPF not available: permission denied (" + std::string(strerror(-e)) +
           "); run as root, or with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON" + log_tail(5);
  std::string hint;
  if (libbpf_log().find("not found in kernel BTF") != std::string::npos ||
      libbpf_log().find("vmlinux BTF") != std::string::npos)
    hint = " (Xebec needs Linux 6.2 or newer with BTF, /sys/kernel/btf/vmlinux)";
  return "cannot load the BPF object for " + root + ": " + strerror(-e) + hint + log_tail(25);
}

// Sizes for maps about to be created; maps already pinned keep theirs, so that libbpf can
// reuse them whatever sizes this process was asked for.
void size_maps(struct lb* skel, const std::string& root, const MapSizes& sizes) {
  auto resize = [](struct bpf_map* map, std::uint32_t entries) {
    if (entries) bpf_map__set_max_entries(map, entries);
  };
  resize(skel->maps.lb4_services, sizes.services);
  resize(skel->maps.lb4_maglev, sizes.services);
  resize(skel->maps.lb4_svc_stats, sizes.services);
  resize(skel->maps.lb4_backends, sizes.backends);
  resize(skel->maps.lb4_slots, sizes.backends * 2);  // room to write a list before freeing the old
  resize(skel->maps.lb4_ct, sizes.flows ? sizes.flows * 2 : 0);
  resize(skel->maps.lb4_affinity, sizes.affinity);

  struct bpf_map* map;
  bpf_object__for_each_map(map, skel->obj) {
    int fd = bpf_obj_get((root + "/" + bpf_map__name(map)).c_str());
    if (fd < 0) continue;
    struct bpf_map_info info {};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) bpf_map__set_max_entries(map, info.max_entries);
    close(fd);
  }
}

}  // namespace

std::string take_libbpf_messages() {
  libbpf_set_print(capture_libbpf);  // from now on, into the log rather than onto stderr
  std::string tail = log_tail(5);
  libbpf_log().clear();
  return tail;
}

bool instance_exists(const std::string& bpf_root) { return std::filesystem::exists(bpf_root + "/lb4_services"); }

Status check_bpf_root(const std::string& bpf_root) { return prepare_root(bpf_root, false); }

Result<std::unique_ptr<LbObject>> LbObject::open(const std::string& bpf_root, Mode mode, const MapSizes& sizes) {
  if (auto ok = prepare_root(bpf_root, mode != Mode::kPinnedMaps); !ok) return ok.error();
  if (mode == Mode::kPinnedMaps && !instance_exists(bpf_root))
    return err("no Xebec dataplane at " + bpf_root +
               ": program a service (xebec bpf lb update) or attach (xebec bpf attach) first, or pass --bpf-root");

  libbpf_log().clear();
  libbpf_set_print(capture_libbpf);
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = bpf_root.c_str());
  struct lb* skel = lb__open_opts(&opts);
  if (!skel) return err(load_error(-errno, bpf_root));
  size_maps(skel, bpf_root, sizes);
  if (mode != Mode::kLoadPrograms) {
    struct bpf_program* prog;
    bpf_object__for_each_program(prog, skel->obj) bpf_program__set_autoload(prog, false);
  }
  if (int e = lb__load(skel); e != 0) {
    lb__destroy(skel);
    return err(load_error(e, bpf_root));
  }
  return std::unique_ptr<LbObject>(new LbObject(skel, bpf_root));
}

LbObject::~LbObject() { lb__destroy(skel_); }

int map_fd(const struct bpf_map* map) { return bpf_map__fd(map); }
std::uint32_t map_capacity(const struct bpf_map* map) { return bpf_map__max_entries(map); }
std::string map_name(const struct bpf_map* map) { return bpf_map__name(map); }

}  // namespace xebec::dataplane
