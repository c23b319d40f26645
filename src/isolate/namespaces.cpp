#include "isolate/namespaces.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <vector>

#include "kernel/fd.hpp"
#include "kernel/io.hpp"

namespace cloister::ns {
namespace {

Status write_file(const std::string& path, const std::string& text, const char* step) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Error{step, "open", path, errno, ""};
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return Error{step, "write", path, errno,
                 errno == EPERM ? "mapping ids other than your own needs root" : ""};
  return ok_status();
}

Status write_maps(const std::string& proc_pid, const IdMaps& maps) {
  if (maps.deny_setgroups)
    CLOISTER_TRY(write_file(proc_pid + "/setgroups", "deny", "user namespace"));
  CLOISTER_TRY(write_file(proc_pid + "/uid_map", maps.uid_map, "user namespace"));
  return write_file(proc_pid + "/gid_map", maps.gid_map, "user namespace");
}

struct MapLine {
  unsigned long inside = 0, outside = 0, count = 0;
};

std::vector<MapLine> read_map(const char* path) {
  std::vector<MapLine> lines;
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  auto text = fd ? io::read_all(fd.get()) : std::nullopt;
  if (!text) return lines;
  const char* p = text->c_str();
  MapLine l;
  int used = 0;
  while (std::sscanf(p, " %lu %lu %lu%n", &l.inside, &l.outside, &l.count, &used) == 3) {
    lines.push_back(l);
    p += used;
  }
  return lines;
}

// The first mapped inside id, or nullopt when `host_id` is mapped (nothing to change).
std::optional<unsigned long> replacement_for(const std::vector<MapLine>& map,
                                             unsigned long host_id) {
  for (const auto& l : map)
    if (host_id >= l.outside && host_id - l.outside < l.count) return std::nullopt;
  if (map.empty()) return std::nullopt;
  return map.front().inside;
}

}  // namespace

Status adopt_joined_ids(uid_t uid, gid_t gid) {
  const auto new_gid = replacement_for(read_map("/proc/self/gid_map"), gid);
  const auto new_uid = replacement_for(read_map("/proc/self/uid_map"), uid);
  if (new_gid) {
    if (::setgroups(0, nullptr) != 0 && errno != EPERM)
      return Error{"--userns", "setgroups", "", errno, ""};
    const auto g = static_cast<gid_t>(*new_gid);
    if (::setresgid(g, g, g) != 0)
      return Error{"--userns", "setresgid", std::to_string(g), errno, ""};
  }
  if (new_uid) {
    const auto u = static_cast<uid_t>(*new_uid);
    if (::setresuid(u, u, u) != 0)
      return Error{"--userns", "setresuid", std::to_string(u), errno, ""};
  }
  return ok_status();
}

Status write_own_id_maps(const IdMaps& maps) { return write_maps("/proc/self", maps); }

Status write_id_maps_for(pid_t child, const IdMaps& maps) {
  return write_maps("/proc/" + std::to_string(child), maps);
}

Status switch_ids(const IdMaps& maps) {
  if (::setgroups(maps.groups.size(), maps.groups.data()) != 0)
    return Error{"user namespace", "setgroups", "", errno,
                 maps.groups.empty() ? "" : "supplementary groups need setgroups allowed"};
  if (::setresgid(maps.switch_gid, maps.switch_gid, maps.switch_gid) != 0)
    return Error{"user namespace", "setresgid", std::to_string(maps.switch_gid), errno,
                 "the gid must be inside --gid-map"};
  if (::setresuid(maps.switch_uid, maps.switch_uid, maps.switch_uid) != 0)
    return Error{"user namespace", "setresuid", std::to_string(maps.switch_uid), errno,
                 "the uid must be inside --uid-map"};
  return ok_status();
}

Status join(int fd, int nstype, const char* option) {
  if (::setns(fd, nstype) != 0)
    return Error{option, "setns", "fd " + std::to_string(fd), errno,
                 errno == EINVAL ? "the fd is not a namespace of that type" : ""};
  return ok_status();
}

Status set_hostname(const std::string& name) {
  if (::sethostname(name.data(), name.size()) != 0)
    return Error{"--hostname", "sethostname", name, errno, ""};
  return ok_status();
}

Result<UniqueFd> limit_nested_user_namespaces(const std::string& proc) {
  CLOISTER_TRY(write_file(proc + "/sys/user/max_user_namespaces", "1", "--disable-userns"));
  // "self" is resolved now: the directory stays this process's once the procfs is detached.
  UniqueFd self(::open((proc + "/self").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!self) return Error{"--disable-userns", "open", proc + "/self", errno, ""};
  return self;
}

Status enter_last_user_namespace(int proc_self_dir) {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER) != 0)
    return Error{"--disable-userns", "unshare(CLONE_NEWUSER)", "", errno, ""};
  // Gaining capabilities made this process non-dumpable, so its /proc files belong to the
  // host's root; dumpable again, they are its own (exec decides afresh anyway).
  if (::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0)
    return Error{"--disable-userns", "prctl(PR_SET_DUMPABLE)", "", errno, ""};
  // Its maps are opened now, with this namespace's credentials: one line, one's own ids, and
  // setgroups denied first, as for any unprivileged map.
  const auto write_at = [proc_self_dir](const char* name, const std::string& text) -> Status {
    UniqueFd fd(::openat(proc_self_dir, name, O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      return Error{"--disable-userns", "write", name, errno, ""};
    return ok_status();
  };
  CLOISTER_TRY(write_at("setgroups", "deny"));
  CLOISTER_TRY(write_at("uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1\n"));
  CLOISTER_TRY(write_at("gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1\n"));
  if (::unshare(CLONE_NEWUSER) == 0)
    return Error{"--disable-userns", "unshare(CLONE_NEWUSER) still succeeds", "", 0,
                 "the kernel did not enforce user.max_user_namespaces"};
  return ok_status();
}

Status assert_user_namespaces_refused() {
  if (::unshare(CLONE_NEWUSER) == 0)
    return Error{"--assert-userns-disabled", "unshare(CLONE_NEWUSER) succeeded", "", 0,
                 "user namespaces can still be created in this sandbox"};
  return ok_status();
}

unsigned long namespace_id(pid_t pid, const char* name) {
  struct stat st {};
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/" + name;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<unsigned long>(st.st_ino);
}

}  // namespace cloister::ns
