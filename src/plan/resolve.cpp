#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "kernel/capability_names.hpp"
#include "kernel/fd.hpp"
#include "kernel/io.hpp"
#include "plan/default_view.hpp"
#include "plan/diagnose.hpp"
#include "plan/features.hpp"
#include "plan/plan.hpp"
#include "seccomp/precompiled.hpp"

extern char** environ;

namespace cloister {
namespace {

bool wanted(Want w) { return w != Want::No; }

// The first error text is carried in `op` so message() reads "--uid: needs ...".
Error needs(const std::string& option, const std::string& requirement) {
  return Error{option, "needs " + requirement, "", 0, ""};
}

bool net_namespace(const Policy& p) {
  switch (p.net) {
    case NetMode::None:
    case NetMode::Pasta: return true;
    case NetMode::Unix:
    case NetMode::Host:
    case NetMode::Tcp: return false;
    case NetMode::Unset: break;
  }
  return p.ns.net != Want::No;
}

Result<std::uint64_t> clone_flags_for(const Policy& p, bool userns_implicit) {
  std::uint64_t flags = CLONE_NEWNS;
  // --host-ids: real host ids instead of a user namespace (validated before).
  if ((wanted(p.ns.user) || userns_implicit) && p.ns.userns_fd < 0 && !p.id.host_ids)
    flags |= CLONE_NEWUSER;
  if (wanted(p.ns.pid) && p.ns.pidns_fd < 0) flags |= CLONE_NEWPID;
  if (net_namespace(p)) flags |= CLONE_NEWNET;
  if (wanted(p.ns.ipc)) flags |= CLONE_NEWIPC;
  if (wanted(p.ns.uts)) flags |= CLONE_NEWUTS;
  if (wanted(p.ns.cgroup)) flags |= CLONE_NEWCGROUP;
  return flags;
}

std::string map_text(const std::vector<IdRange>& ranges) {
  std::string text;
  for (const auto& r : ranges)
    text += std::to_string(r.inside) + " " + std::to_string(r.outside) + " " +
            std::to_string(r.count) + "\n";
  return text;
}

// Root without id maps of its own: the sandbox's ids map onto an unprivileged host id.
bool root_onto_unprivileged(const Policy& p, const Caller& caller) {
  return caller.host_root && p.id.root_maps_onto && p.id.uid_map.empty() && p.id.gid_map.empty() &&
         p.ns.userns_fd < 0 && !p.id.host_ids;
}

// A map an unprivileged caller may write for itself: none, or one id onto its own host id
// (a rootless OCI bundle's uidMappings), whose inside id is the one the sandbox runs as.
Status own_id_only(const std::vector<IdRange>& map, std::uint32_t own,
                   const std::optional<std::uint32_t>& wanted, const char* option) {
  if (map.empty()) return ok_status();
  if (map.size() != 1 || map[0].count != 1 || map[0].outside != own)
    return Error{"--uid-map/--gid-map", "needs root", "", EPERM,
                 "an unprivileged caller can map only its own uid and gid (--uid/--gid), "
                 "one id each"};
  if (wanted && *wanted != map[0].inside)
    return Error{option, "is not the inside id of its map", std::to_string(*wanted), 0,
                 "an unprivileged caller's map holds one id: the sandbox runs as that id"};
  return ok_status();
}

Result<IdMaps> id_maps_for(const Policy& p, const Caller& caller) {
  IdMaps maps;
  bool custom = !p.id.uid_map.empty() || !p.id.gid_map.empty();
  if (custom && caller.uid != 0) {
    // What the child writes itself anyway (the maps below), with the inside ids given.
    CLOISTER_TRY(own_id_only(p.id.uid_map, caller.uid, p.id.uid, "--uid"));
    CLOISTER_TRY(own_id_only(p.id.gid_map, caller.gid, p.id.gid, "--gid"));
    custom = false;
  }
  const uid_t uid = p.id.uid.value_or(caller.uid);
  const gid_t gid = p.id.gid.value_or(caller.gid);
  if (root_onto_unprivileged(p, caller)) {
    // Only the parent, with CAP_SETUID in the host's namespace, may map an id not its own.
    maps.uid_map = map_text({{uid, *p.id.root_maps_onto, 1}});
    maps.gid_map = map_text({{gid, *p.id.root_maps_onto, 1}});
    maps.written_by_parent = true;
    maps.switch_uid = uid;
    maps.switch_gid = gid;
    maps.deny_setgroups = false;
    maps.root_onto_unprivileged = true;
    return maps;
  }
  maps.uid_map = p.id.uid_map.empty() ? map_text({{uid, caller.uid, 1}}) : map_text(p.id.uid_map);
  maps.gid_map = p.id.gid_map.empty() ? map_text({{gid, caller.gid, 1}}) : map_text(p.id.gid_map);
  maps.written_by_parent = custom;
  maps.switch_uid = p.id.uid.value_or(0);
  maps.switch_gid = p.id.gid.value_or(0);
  // A process mapping its own gid without CAP_SETGID in the parent namespace must deny
  // setgroups first; the parent (root, writing ranges) can leave it usable.
  maps.deny_setgroups = !custom;
  return maps;
}

Result<std::string> read_all(int fd, const std::string& option) {
  auto data = io::read_all(fd);
  if (!data) return Error{option, "read", "fd " + std::to_string(fd), errno, ""};
  return std::move(*data);
}

struct Source {
  std::string path;
  struct stat st {};
};

// realpath + stat in the caller's view of the host. nullopt: missing and optional.
Result<std::optional<Source>> resolve_source(const FsOp& op, const std::string& option) {
  char buf[PATH_MAX];
  if (!::realpath(op.source.c_str(), buf)) {
    if (op.optional && (errno == ENOENT || errno == ENOTDIR || errno == EACCES))
      return std::optional<Source>{};
    return Error{
        option + " " + op.source + " -> " + op.dest, "realpath", op.source, errno,
        errno == ENOENT ? "the source must exist on the host; the -try form skips it" : ""};
  }
  Source src{buf, {}};
  if (::stat(buf, &src.st) != 0)
    return Error{option + " " + op.source + " -> " + op.dest, "stat", buf, errno, ""};
  return std::optional<Source>{src};
}

Result<Source> resolve_fd_source(const FsOp& op, const std::string& option) {
  const std::string link = "/proc/self/fd/" + std::to_string(op.fd);
  char buf[PATH_MAX];
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (n < 0)
    return Error{option + " " + std::to_string(op.fd) + " -> " + op.dest, "readlink", link, errno,
                 errno == ENOENT ? "the file descriptor is not open" : ""};
  Source src{std::string(buf, static_cast<std::size_t>(n)), {}};
  if (::fstat(op.fd, &src.st) != 0)
    return Error{option + " " + std::to_string(op.fd), "fstat", link, errno, ""};
  if (src.path.empty() || src.path[0] != '/')
    return Error{option + " " + std::to_string(op.fd), "readlink", link, EINVAL,
                 "the file descriptor must refer to a file or directory, not " + src.path};
  return src;
}

const char* option_name(FsOp::Kind kind) {
  using K = FsOp::Kind;
  switch (kind) {
    case K::Bind: return "--bind";
    case K::RoBind: return "--ro-bind";
    case K::DevBind: return "--dev-bind";
    case K::BindFd: return "--bind-fd";
    case K::RoBindFd: return "--ro-bind-fd";
    case K::RemountRo: return "--remount-ro";
    case K::Tmpfs: return "--tmpfs";
    case K::Proc: return "--proc";
    case K::Dev: return "--dev";
    case K::Mqueue: return "--mqueue";
    case K::Dir: return "--dir";
    case K::Symlink: return "--symlink";
    case K::File: return "--file";
    case K::BindData: return "--bind-data";
    case K::RoBindData: return "--ro-bind-data";
    case K::Chmod: return "--chmod";
    case K::LockFile: return "--lock-file";
    case K::Sysfs: return "sysfs";
    case K::Cgroup2: return "cgroup2";
    case K::ReadOnlyPath: return "readonly-path";
  }
  return "?";
}

const char* bind_option(FsOp::Kind kind) {
  switch (kind) {
    case FsOp::Kind::RoBind: return "--ro-bind";
    case FsOp::Kind::DevBind: return "--dev-bind";
    case FsOp::Kind::BindFd: return "--bind-fd";
    case FsOp::Kind::RoBindFd: return "--ro-bind-fd";
    default: return "--bind";
  }
}

step::Bind bind_step(const Source& src, const FsOp& op) {
  step::Bind b;
  b.source = src.path;
  b.dest = op.dest;
  b.read_only = op.kind == FsOp::Kind::RoBind || op.kind == FsOp::Kind::RoBindFd;
  b.devices = op.kind == FsOp::Kind::DevBind;
  b.source_is_dir = S_ISDIR(src.st.st_mode);
  b.dev = src.st.st_dev;
  b.ino = src.st.st_ino;
  b.option = bind_option(op.kind);
  if (op.optional) b.option += "-try";
  b.noexec = op.noexec;
  return b;
}

// Like bwrap, the caller's terminal (if stdin is one) becomes the sandbox's /dev/console;
// named here, where /proc/self/fd can tell which it is.
std::string caller_terminal() {
  char tty[256];
  if (::isatty(0) && ::ttyname_r(0, tty, sizeof tty) == 0) return tty;
  return "";
}

Status add_fs_step(const FsOp& op, Plan& plan) {
  using K = FsOp::Kind;
  switch (op.kind) {
    case K::Bind:
    case K::RoBind:
    case K::DevBind: {
      auto src = resolve_source(op, bind_option(op.kind));
      if (!src) return src.take_error();
      if (!src->has_value()) {
        plan.skipped.push_back(std::string(bind_option(op.kind)) + "-try " + op.source);
        return ok_status();
      }
      plan.fs.emplace_back(bind_step(**src, op));
      return ok_status();
    }
    case K::BindFd:
    case K::RoBindFd: {
      auto src = resolve_fd_source(op, bind_option(op.kind));
      if (!src) return src.take_error();
      plan.fs.emplace_back(bind_step(*src, op));
      return ok_status();
    }
    case K::RemountRo: plan.fs.emplace_back(step::RemountRo{op.dest}); return ok_status();
    case K::ReadOnlyPath:
      plan.fs.emplace_back(step::RemountRo{op.dest, true});
      return ok_status();
    case K::Tmpfs:
      plan.fs.emplace_back(
          step::Tmpfs{op.dest, op.perms.value_or(0755), op.size, op.read_only, op.noexec});
      return ok_status();
    case K::Proc:
      plan.fs.emplace_back(step::Proc{op.dest,
                                      !(plan.clone_flags & CLONE_NEWPID) && plan.pidns_fd < 0,
                                      !op.proc_knobs_writable});
      return ok_status();
    case K::Dev:
      plan.fs.emplace_back(step::Dev{op.dest, caller_terminal(), op.size});
      return ok_status();
    case K::Mqueue: plan.fs.emplace_back(step::Mqueue{op.dest}); return ok_status();
    case K::Dir:
      plan.fs.emplace_back(step::Dir{op.dest, op.perms.value_or(0755)});
      return ok_status();
    case K::Symlink: plan.fs.emplace_back(step::Symlink{op.source, op.dest}); return ok_status();
    case K::File:
    case K::BindData:
    case K::RoBindData: {
      const char* option = op.kind == K::File       ? "--file"
                           : op.kind == K::BindData ? "--bind-data"
                                                    : "--ro-bind-data";
      auto data = read_all(op.fd, option);
      if (!data) return data.take_error();
      if (op.kind == K::File)
        plan.fs.emplace_back(step::File{op.dest, std::move(*data), op.perms.value_or(0666)});
      else
        plan.fs.emplace_back(step::BindData{op.dest, std::move(*data), op.perms.value_or(0600),
                                            op.kind == K::RoBindData});
      return ok_status();
    }
    case K::Chmod:
      plan.fs.emplace_back(step::Chmod{op.dest, op.perms.value_or(0)});
      return ok_status();
    case K::LockFile: plan.fs.emplace_back(step::LockFile{op.dest}); return ok_status();
    case K::Sysfs: plan.fs.emplace_back(step::Sysfs{op.dest, op.read_only}); return ok_status();
    case K::Cgroup2:
      plan.fs.emplace_back(step::CgroupFs{op.dest, op.read_only, {}});
      return ok_status();
  }
  return ok_status();
}

// The user's steps in order; under `cloister run` on top of the default view (its steps
// first, less those the user's replace, and the root sealed read-only at the end).
Status add_filesystem(const Policy& p, Plan& plan) {
  for (const auto& op : p.fs) CLOISTER_TRY(add_fs_step(op, plan));
  if (!p.default_root) {
    if (p.root_read_only) plan.fs.emplace_back(step::SealRoot{});
    plan.fs_user_end = plan.fs.size();
    return ok_status();
  }
  auto view = default_view::build(plan.fs, caller_terminal(),
                                  !(plan.clone_flags & CLONE_NEWPID) && plan.pidns_fd < 0);
  plan.fs_user_begin = view.steps.size();
  plan.fs_user_end = view.steps.size() + plan.fs.size();
  plan.fs.insert(plan.fs.begin(), std::make_move_iterator(view.steps.begin()),
                 std::make_move_iterator(view.steps.end()));
  if (view.seal) plan.fs.emplace_back(step::SealRoot{});
  plan.fs_replaced = std::move(view.replaced);
  return ok_status();
}

std::vector<std::string> final_environment(const std::vector<EnvOp>& ops) {
  std::map<std::string, std::string> env;
  std::vector<std::string> order;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    auto name = entry.substr(0, eq);
    if (env.emplace(name, entry.substr(eq + 1)).second) order.push_back(name);
  }
  for (const auto& op : ops) {
    switch (op.kind) {
      case EnvOp::Kind::Clear:
        env.clear();
        order.clear();
        break;
      case EnvOp::Kind::Unset: env.erase(op.name); break;
      case EnvOp::Kind::Set:
        if (env.insert_or_assign(op.name, op.value).second) order.push_back(op.name);
        break;
    }
  }
  std::vector<std::string> out;
  for (const auto& name : order) {
    auto it = env.find(name);
    if (it != env.end()) out.push_back(name + "=" + it->second), env.erase(it);
  }
  return out;
}

std::uint64_t keep_caps_for(const Policy& p, uid_t sandbox_uid) {
  (void)caps::last_cap();  // probe once here, not in every process after the fork
  std::uint64_t keep = 0;
  // bwrap: root in the sandbox keeps what the caller holds (not the full set a new user
  // namespace would grant).
  if (p.root_keeps_caps && sandbox_uid == 0) keep = caps::permitted_now();
  for (const auto& op : p.caps) {
    if (op.cap < 0)
      keep = op.add ? keep : 0;
    else if (op.add)
      keep |= 1ULL << op.cap;
    else
      keep &= ~(1ULL << op.cap);
  }
  return keep;
}

// cgroup filesystem mounts (OCI) on a v1 sandbox cgroup: the hierarchies it has a directory in.
void add_v1_views(Plan& plan) {
  if (!plan.cgroup || plan.cgroup->version != CgroupVersion::V1) return;
  for (auto& s : plan.fs) {
    auto* view = std::get_if<step::CgroupFs>(&s);
    if (!view) continue;
    for (const auto& h : plan.cgroup->hierarchies) {
      const auto slash = h.mount.find_last_of('/');
      view->v1.emplace_back(h.mount.substr(slash + 1), h.controllers);
    }
  }
}

// A namespace is joined or created, not both; joined ones are of the types setns can enter
// from inside the sandbox's user namespace (user and PID namespaces have their own options).
Status check_joins(const Namespaces& ns, std::uint64_t clone_flags) {
  for (const auto& join : ns.joins) {
    const auto type = static_cast<std::uint64_t>(join.type);
    if (type != CLONE_NEWNET && type != CLONE_NEWIPC && type != CLONE_NEWUTS &&
        type != CLONE_NEWCGROUP)
      return Error{join.origin, "join namespace", "", 0,
                   "only network, IPC, UTS and cgroup namespaces can be joined here"};
    if (clone_flags & type)
      return Error{join.origin, "conflicts with a new namespace of the same type", "", 0,
                   "a namespace is either joined or created"};
    if (join.fd < 0 || ::fcntl(join.fd, F_GETFD) < 0)
      return Error{join.origin, "namespace fd", std::to_string(join.fd), EBADF, ""};
  }
  return ok_status();
}

bool is_root_bind(const FsOp& op) {
  using K = FsOp::Kind;
  const bool bind = op.kind == K::Bind || op.kind == K::RoBind || op.kind == K::DevBind ||
                    op.kind == K::BindFd || op.kind == K::RoBindFd;
  return bind && (op.dest == "/" || op.dest == "/." || op.dest == "//");
}

// Chroot mode: chroot into the SRC of the first bind (--bind, --ro-bind, --dev-bind, their
// -try and -fd forms) whose DEST is "/". Nothing else can be done without a mount namespace.
Result<ChrootPlan> chroot_plan_for(const Policy& p, const Plan& plan) {
  ChrootPlan c;
  std::vector<std::string> impossible;
  bool found = false;
  for (const auto& op : p.fs) {
    if (!found && is_root_bind(op)) {
      if (op.kind == FsOp::Kind::BindFd || op.kind == FsOp::Kind::RoBindFd) {
        auto src = resolve_fd_source(op, bind_option(op.kind));
        if (!src) return src.take_error();
        c.root = src->path;
      } else {
        auto src = resolve_source(op, bind_option(op.kind));
        if (!src) return src.take_error();
        if (!src->has_value()) continue;
        c.root = (*src)->path;
      }
      found = true;
      if (op.kind == FsOp::Kind::RoBind || op.kind == FsOp::Kind::RoBindFd)
        c.lost.emplace_back("read-only root (DAC only)");
      continue;
    }
    impossible.push_back(std::string(option_name(op.kind)) + " " + op.dest);
  }
  if (!found)
    return Error{"--sandbox=chroot", "needs a root directory", "", 0,
                 "give the directory to chroot into as --bind SRC / or --ro-bind SRC /"};
  if (!impossible.empty()) {
    std::string list;
    for (const auto& d : impossible) list += (list.empty() ? "" : ", ") + d;
    return Error{"--sandbox=chroot", "cannot apply filesystem operations on", list, 0,
                 "chroot mode has no mount namespace: only the root bind is possible"};
  }
  const std::uint64_t ns = plan.clone_flags;
  if (ns & CLONE_NEWUSER) c.lost.emplace_back("user namespace");
  c.lost.emplace_back("mount namespace");
  if (ns & CLONE_NEWPID) c.lost.emplace_back("PID namespace");
  if (ns & CLONE_NEWNET) c.lost.emplace_back("network namespace");
  if (ns & CLONE_NEWIPC) c.lost.emplace_back("IPC namespace");
  if (ns & CLONE_NEWUTS) c.lost.emplace_back("UTS namespace");
  if (ns & CLONE_NEWCGROUP) c.lost.emplace_back("cgroup namespace");
  return c;
}

// The library confines the calling process: what only a launched COMMAND has (its command
// line, environment, status fds, a cgroup, pasta) is refused there, never ignored.
Status validate_in_process(const Policy& p) {
  const auto refuse = [](const char* what, const char* hint) {
    return Error{"library", std::string(what) + " applies to a launched COMMAND", "", 0, hint};
  };
  if (!p.argv.empty() || p.argv0) return refuse("a command line", "the daemon is the process");
  if (!p.env.empty())
    return refuse("an environment ([process] setenv, unsetenv, clearenv)",
                  "the daemon sets its own environment (setenv, unsetenv)");
  if (p.json_status_fd >= 0 || p.info_fd >= 0 || p.sync_fd >= 0 || p.block_fd >= 0 ||
      p.userns_block_fd >= 0)
    return refuse("a status or synchronisation descriptor", "");
  if (p.cgroup.any() || !p.cgroup.parent.empty())
    return refuse("a cgroup of its own ([cgroup] limits)",
                  "start the daemon in its cgroup (systemd, cloister supervise) or use [rlimits]");
  if (p.net == NetMode::Pasta) return refuse("--net=pasta", "open the network before confining");
  if (p.as_pid_1) return refuse("as-pid-1", "daemonize() makes the daemon PID 1");
  if (p.parent_pid != 0 || p.parent_pidfd >= 0)
    return refuse("--parent-pid/--parent-pidfd", "the daemon checks its own parent");
  if (p.stop_timeout_ms) return refuse("--stop-timeout", "the daemon handles its own signals");
  if (p.ns.pidns_fd >= 0)
    return refuse("joining a PID namespace", "a process cannot enter a PID namespace itself");
  if (p.default_root)
    return refuse("the default system view",
                  "[filesystem] root = \"empty\" with the daemon's binds");
  return ok_status();
}

// Root's daemon without a user namespace switches to real host ids (the library's uid/gid),
// as does a sandbox that asks for them (--host-ids, validated by validate_host_ids).
bool host_ids_switch(const Policy& p, const Caller& caller, std::uint64_t flags,
                     const ResolveOptions& options) {
  if (p.id.host_ids) return true;
  return options.in_process && caller.uid == 0 && !(flags & CLONE_NEWUSER) && p.ns.userns_fd < 0 &&
         (p.id.uid || p.id.gid);
}

// --host-ids: the ids are those of the caller's own user namespace (the host's, or the one a
// rootless engine runs its runtime in), so only its root can take them, and nothing may ask
// for a user namespace at the same time.
Status validate_host_ids(const Policy& p, const Caller& caller) {
  if (!p.id.host_ids) return ok_status();
  const auto conflict = [](const char* other) {
    return Error{"--host-ids", std::string("conflicts with ") + other, "", 0,
                 "--host-ids runs the sandbox without a user namespace"};
  };
  if (p.ns.user == Want::Yes) return conflict("--unshare-user");
  if (p.ns.userns_fd >= 0) return conflict("--userns");
  if (!p.id.uid_map.empty() || !p.id.gid_map.empty()) return conflict("--uid-map/--gid-map");
  if (p.ns.disable_userns) return conflict("--disable-userns");
  if (!p.id.uid)
    return Error{"--host-ids", "needs --uid", "", 0,
                 "name the host uid COMMAND runs under, e.g. --host-ids --uid 1000 --gid 1000"};
  if (caller.uid != 0)
    return Error{"--host-ids", "needs root", "", EPERM,
                 "an unprivileged caller gets a user namespace instead: drop --host-ids"};
  return ok_status();
}

Status validate(const Policy& p, std::uint64_t flags, bool host_ids, bool in_process) {
  const bool userns = (flags & CLONE_NEWUSER) || p.ns.userns_fd >= 0 || host_ids;
  if (p.ns.userns_fd >= 0 && p.ns.user == Want::Yes)
    return Error{"--userns", "conflicts with --unshare-user", "", 0,
                 "--userns joins an existing user namespace instead of creating one"};
  if (p.ns.userns_fd >= 0 &&
      (p.id.uid || p.id.gid || !p.id.uid_map.empty() || !p.id.gid_map.empty()))
    return Error{"--userns", "conflicts with --uid, --gid and id maps", "", 0,
                 "the joined user namespace's own maps apply"};
  if (p.hostname && !(flags & CLONE_NEWUTS)) return needs("--hostname", "--unshare-uts");
  if ((p.id.uid || p.id.gid) && !userns)
    return needs(p.id.uid ? "--uid" : "--gid", "--unshare-user");
  if ((!p.id.uid_map.empty() || !p.id.gid_map.empty()) && !userns)
    return needs("--uid-map", "--unshare-user");
  if (p.ns.disable_userns && !userns) return needs("--disable-userns", "--unshare-user");
  if (p.as_pid_1 && !(flags & CLONE_NEWPID)) return needs("--as-pid-1", "--unshare-pid");
  if (p.userns_block_fd >= 0 && (p.info_fd < 0 || !userns))
    return needs("--userns-block-fd", "--info-fd and --unshare-user");
  if (p.ns.disable_userns && p.ns.assert_userns_disabled)
    return Error{"--assert-userns-disabled", "conflicts with --disable-userns", "", 0, ""};
  if (in_process) return validate_in_process(p);
  if (p.argv.empty())
    return Error{"run", "no COMMAND given", "", 0,
                 "usage: cloister run [OPTIONS] [--] COMMAND [ARGS...]"};
  return ok_status();
}

}  // namespace

namespace {

// One policy's own filter, unless its base is "none" with no rules: a base's program compiled
// at build time when the policy adds nothing to it (and no summary is asked), else compiled
// now. Returns whether it added a program.
Result<bool> add_own_filter(const SeccompPolicy& sp, std::vector<seccomp::Program>& out,
                            std::optional<seccomp::Compiled>* summary, bool in_process,
                            bool* precompiled) {
  // A profile's [seccomp] table adds a layer even when it only names the base.
  const bool has_rules = std::any_of(sp.layers.begin(), sp.layers.end(),
                                     [](const auto& layer) { return !layer.empty(); });
  const bool own_filter =
      !sp.bpf_replaces_builtin && (sp.base != "none" || has_rules || sp.default_action);
  const bool plain_base = !has_rules && !sp.default_action && !sp.allow_x32 && !sp.allow_i386;
  // A daemon's filter (in_process) is the variant without cloister run's implicit exec.
  auto ready = own_filter && plain_base && !summary
                   ? seccomp::precompiled(sp.base, /*exec_command=*/!in_process)
                   : std::nullopt;
  if (precompiled) *precompiled = ready.has_value();
  if (ready) {
    out.insert(out.end(), ready->begin(), ready->end());
  } else if (own_filter) {
    auto compiled = seccomp::compile(sp, {.binary_tree = true,
                                          .count = summary != nullptr,
                                          .exec_command = !in_process && !sp.exact});
    if (!compiled) return compiled.take_error();
    out.push_back(compiled->program);
    if (summary) *summary = std::move(*compiled);
  }
  return own_filter;
}

}  // namespace

// cloister's own filter (unless the policy's base is "none" with no rules), then the filters
// of the stacked policies, each compiled on its own, then the ready BPF programs given by fd.
// `stacked_origins` (when given) gets the origin of each stacked filter that was added.
Status add_seccomp(const SeccompPolicy& sp, std::vector<seccomp::Program>& out,
                   std::optional<seccomp::Compiled>* summary, bool in_process, bool* precompiled,
                   std::vector<std::string>* stacked_origins) {
  std::vector<std::string> own_names;
  auto own = add_own_filter(sp, out, summary, in_process, precompiled);
  if (!own) return own.take_error();
  if (*own)
    own_names.push_back(sp.origin.empty() ? "cloister's filter" : "the filter of " + sp.origin);
  for (const auto& stacked : sp.stacked) {
    const std::string origin = stacked.origin.empty() ? "a stacked policy" : stacked.origin;
    auto added = add_own_filter(stacked, out, nullptr, in_process, nullptr);
    if (!added) {
      Error e = added.take_error();
      // The compiler's errors name a rule's origin, not which of the filters it is in.
      e.step = origin + ": " + e.step;
      return e;
    }
    if (!*added) continue;
    own_names.push_back("the filter of " + origin);
    if (stacked_origins) stacked_origins->push_back(origin);
  }
  const std::size_t first_ready = out.size();
  for (int fd : sp.bpf_fds) {
    auto program = seccomp::read_program(fd, "--seccomp");
    if (!program) return program.take_error();
    out.push_back(std::move(*program));
  }
  for (std::size_t i = first_ready; i < out.size(); ++i)
    CLOISTER_TRY(seccomp::check_length(out[i], "--seccomp"));
  return seccomp::order_for_install(out, first_ready, own_names);
}

SeccompPolicy with_chroot_denials(SeccompPolicy sp) {
  std::vector<SeccompRule> layer;
  for (const char* name : {"mount", "umount2", "pivot_root", "chroot"})
    layer.push_back(
        SeccompRule{name, {}, SeccompAction{SeccompAction::Kind::Errno, EPERM}, "chroot mode"});
  sp.layers.push_back(std::move(layer));
  sp.bpf_replaces_builtin = false;
  return sp;
}

// Path rules deny everything not granted, /dev/null included, which nearly every program
// opens: grant the device nodes that reach nothing beyond the sandbox, and the controlling
// terminal when the sandbox keeps it (no --new-session) — with its ioctls, which job control
// and isatty() need (TIOCSTI stays denied by seccomp).
void grant_safe_devices(LandlockPolicy& l, bool keeps_terminal) {
  if (l.paths.empty()) return;
  for (const char* node : {"null", "zero", "full", "random", "urandom"})
    l.paths.push_back({std::string("/dev/") + node, true, true, false, false, true});
  if (keeps_terminal)
    for (const char* node : {"/dev/tty", "/dev/console"})
      l.paths.push_back({node, true, true, false, true, true});
}

// What the user asked for is required unless they said best-effort: a right the kernel's
// ABI cannot enforce is an error naming it, or one line on stderr.
Status add_landlock(LandlockPolicy l, bool keeps_terminal, Plan& plan) {
  if (!l.any() || l.mode == LandlockPolicy::Mode::Off) return ok_status();
  grant_safe_devices(l, keeps_terminal);
  plan.landlock_abi = landlock::abi();
  const auto missing = landlock::unenforceable(l, plan.landlock_abi);
  if (!missing.empty() && l.mode == LandlockPolicy::Mode::Required) {
    std::string all;
    for (const auto& m : missing) all += (all.empty() ? "" : "; ") + m;
    return Error{"landlock", "cannot enforce", all, EOPNOTSUPP,
                 "--landlock=best-effort applies what the kernel can"};
  }
  for (const auto& m : missing)
    plan.notices.push_back("landlock (best effort): not enforced: " + m);
  plan.landlock = l;
  return ok_status();
}

// Descriptors that options name must be open now: finding out once the sandbox runs would
// leave it started and unreported.
Status check_fds_open(const Policy& p) {
  const std::pair<const char*, int> fds[] = {
      {"--json-status-fd", p.json_status_fd},
      {"--info-fd", p.info_fd},
      {"--sync-fd", p.sync_fd},
      {"--block-fd", p.block_fd},
      {"--userns-block-fd", p.userns_block_fd},
      {"--userns", p.ns.userns_fd},
      {"--pidns", p.ns.pidns_fd},
      {"--parent-pidfd", p.parent_pidfd},
      {"--console-socket", p.console ? p.console->socket_fd : -1}};
  for (const auto& [option, fd] : fds)
    if (fd >= 0 && ::fcntl(fd, F_GETFD) < 0)
      return Error{option, "fd " + std::to_string(fd) + " is not open", "", 0,
                   std::string("open it for cloister, e.g. ") + option + " 3 3>FILE"};
  return ok_status();
}

Status check_net_mode(const Policy& p) {
  if (p.net == NetMode::Unset) return ok_status();
  if (!p.forwards.empty() && p.net != NetMode::Pasta)
    return Error{"--forward", "needs --net=pasta", "", 0, "forwards go through pasta"};
  if (p.net_namespace_explicit && p.ns.net == Want::Yes && p.net != NetMode::None)
    return Error{"--net", "conflicts with --unshare-net", "", 0,
                 "a new network namespace has no host network nor host sockets; --net already "
                 "says which network the sandbox gets"};
  if (p.net_namespace_explicit && p.ns.net == Want::No && p.net == NetMode::None)
    return Error{"--net=none", "conflicts with --share-net", "", 0, "pick one"};
  if (p.net != NetMode::Tcp &&
      (!p.landlock.bind_ports.empty() || !p.landlock.connect_ports.empty()) &&
      p.net != NetMode::Unset && p.net != NetMode::Host)
    return Error{
        p.landlock.ports_origin.empty() ? "--allow-bind/--allow-connect" : p.landlock.ports_origin,
        "needs a network to connect to", "", 0, "use it with --net=tcp or --net=host"};
  return ok_status();
}

SeccompRule deny_rule(const char* name, std::vector<SeccompCondition> conditions, int err,
                      const char* origin) {
  return SeccompRule{name, std::move(conditions), SeccompAction{SeccompAction::Kind::Errno, err},
                     origin};
}

// The seccomp and Landlock parts of a network mode, on top of what the policy asks.
// Added by cloister, not asked for: best effort, reported when the kernel lacks it.
void scope_abstract_unix(LandlockPolicy& ll, Plan& plan, const char* mode) {
  if (ll.scope_abstract_unix) return;
  ll.scope_abstract_unix = true;
  if (landlock::abi() < 6)
    plan.notices.push_back(std::string(mode) +
                           ": abstract AF_UNIX sockets outside the sandbox stay "
                           "reachable (needs Landlock ABI 6)");
}

void apply_net_mode(const Policy& p, SeccompPolicy& sp, LandlockPolicy& ll, Plan& plan) {
  using Op = SeccompCondition::Op;
  std::vector<SeccompRule> layer;
  if (p.net == NetMode::Unix) {
    for (const char* call : {"socket", "socketpair"})
      layer.push_back(deny_rule(call, {{0, Op::Ne, AF_UNIX, ~0ULL}}, EAFNOSUPPORT, "--net=unix"));
    scope_abstract_unix(ll, plan, "--net=unix");
  } else if (p.net == NetMode::Tcp) {
    // The host's network namespace holds the host's abstract sockets too.
    scope_abstract_unix(ll, plan, "--net=tcp");
    for (std::uint64_t family : {AF_INET, AF_INET6})
      for (std::uint64_t type : {SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET})
        layer.push_back(deny_rule("socket",
                                  {{0, Op::Eq, family, ~0ULL}, {1, Op::MaskedEq, type, 0xf}}, EPERM,
                                  "--net=tcp"));
    layer.push_back(deny_rule("socket", {{0, Op::Eq, AF_PACKET, ~0ULL}}, EPERM, "--net=tcp"));
    ll.restrict_tcp = true;
  }
  if (!layer.empty()) sp.layers.push_back(std::move(layer));
}

Status plan_inherited_fds(const Policy& p, Plan& plan) {
  for (int fd : p.keep_fds)
    if (::fcntl(fd, F_GETFD) < 0)
      return Error{"--keep-fd", "fd " + std::to_string(fd) + " is not open", "", 0,
                   "name a descriptor the process starting cloister has open"};
  plan.keep_fds = p.keep_fds;
  plan.close_inherited = !p.inherit_fds;
  plan.inherited_kept = plan.close_before_exec;
  plan.inherited_kept.insert(plan.inherited_kept.end(), p.keep_fds.begin(), p.keep_fds.end());
  return ok_status();
}

// "0 0 4294967295": the initial user namespace, whose uid 0 is the host's root.
bool in_initial_user_namespace() {
  UniqueFd fd(::open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC));
  auto text = fd ? io::read_all(fd.get()) : std::nullopt;
  if (!text) return true;  // no /proc: nothing says otherwise
  unsigned long inside = 1, outside = 1, count = 0;
  return std::sscanf(text->c_str(), "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 &&
         outside == 0 && count == 4294967295UL;
}

Caller current_caller() {
  Caller c{::geteuid(), ::getegid(), "/", ::getppid()};
  c.host_root = c.uid == 0 && in_initial_user_namespace();
  char buf[PATH_MAX];
  if (::getcwd(buf, sizeof buf)) c.cwd = buf;
  return c;
}

Result<Plan> resolve(const Policy& p, const Caller& caller, const ResolveOptions& options) {
  Plan plan;
  plan.mode = p.mode;
  // Without privileges a mount namespace needs a user namespace; bwrap adds one implicitly.
  const bool userns_implicit = caller.uid != 0 && p.ns.userns_fd < 0;
  CLOISTER_TRY(validate_host_ids(p, caller));
  auto flags = clone_flags_for(p, userns_implicit);
  if (!flags) return flags.take_error();
  plan.clone_flags = *flags;
  const bool switches_host_ids = host_ids_switch(p, caller, plan.clone_flags, options);
  CLOISTER_TRY(validate(p, plan.clone_flags, switches_host_ids, options.in_process));
  CLOISTER_TRY(check_fds_open(p));
  CLOISTER_TRY(check_net_mode(p));
  SeccompPolicy seccomp_policy = p.seccomp;
  LandlockPolicy landlock_policy = p.landlock;
  apply_net_mode(p, seccomp_policy, landlock_policy, plan);
  plan.net = p.net;
  if (p.net == NetMode::Pasta) {
    auto binary = pasta::find_binary();
    if (!binary) return binary.take_error();
    plan.pasta_binary = *binary;
    for (const auto& f : p.forwards) {
      auto forward = pasta::parse_forward(f);
      if (!forward) return forward.take_error();
      plan.forwards.push_back(*forward);
    }
  }
  // Without its user namespace root's sandbox would silently be host root: required then.
  plan.user_ns_optional = (plan.clone_flags & CLONE_NEWUSER) && p.ns.user == Want::Try &&
                          !userns_implicit && !root_onto_unprivileged(p, caller);
  plan.cgroup_ns_optional = p.ns.cgroup == Want::Try;
  plan.userns_fd = p.ns.userns_fd;
  plan.pidns_fd = p.ns.pidns_fd;
  CLOISTER_TRY(check_joins(p.ns, plan.clone_flags));
  plan.joins = p.ns.joins;
  if (plan.clone_flags & CLONE_NEWUSER) {
    auto maps = id_maps_for(p, caller);
    if (!maps) return maps.take_error();
    plan.ids = std::move(*maps);
    plan.ids.groups = p.id.groups;
  }
  plan.hostname = p.hostname;

  CLOISTER_TRY(add_filesystem(p, plan));

  if (p.mode != SandboxMode::Chroot)
    CLOISTER_TRY(add_seccomp(seccomp_policy, plan.seccomp,
                             options.summary ? &plan.seccomp_summary : nullptr, options.in_process,
                             &plan.seccomp_precompiled, &plan.seccomp_stacked));
  if (p.mode != SandboxMode::Namespace) {
    auto c = chroot_plan_for(p, plan);
    if (!c && p.mode == SandboxMode::Chroot) return c.take_error();
    if (c) {
      std::optional<seccomp::Compiled>* summary =
          p.mode == SandboxMode::Chroot && options.summary ? &plan.seccomp_summary : nullptr;
      CLOISTER_TRY(add_seccomp(with_chroot_denials(seccomp_policy), c->seccomp, summary,
                               options.in_process, nullptr,
                               p.mode == SandboxMode::Chroot ? &plan.seccomp_stacked : nullptr));
      if (root_onto_unprivileged(p, caller)) {
        IdMaps host_ids;
        host_ids.switch_uid = *p.id.root_maps_onto;
        host_ids.switch_gid = *p.id.root_maps_onto;
        host_ids.root_onto_unprivileged = true;
        c->switch_ids = host_ids;
      }
      plan.chroot = std::move(*c);
    } else {
      plan.chroot_unavailable = c.error().message();
    }
  }

  if (switches_host_ids) {
    IdMaps ids;
    ids.switch_uid = p.id.uid.value_or(0);
    // --host-ids --uid N alone: group N, never root's group 0.
    ids.switch_gid = p.id.gid.value_or(p.id.host_ids ? ids.switch_uid : 0);
    ids.groups = p.id.groups;
    plan.host_ids = ids;
    if (plan.chroot && !plan.chroot->switch_ids) plan.chroot->switch_ids = ids;
  }
  if (options.in_process) {
    plan.cwd = p.chdir.value_or("/");
  } else {
    plan.init_is_pid1 = (plan.clone_flags & CLONE_NEWPID) && !p.as_pid_1;
    plan.exec_path = p.argv.front();
    plan.argv = p.argv;
    if (p.argv0) plan.argv.front() = *p.argv0;
    plan.env = final_environment(p.env);
    plan.exec = p.exec;
    const bool has_home = std::any_of(plan.env.begin(), plan.env.end(),
                                      [](const auto& e) { return e.rfind("HOME=", 0) == 0; });
    if (p.exec.home_from_passwd && !has_home) plan.home_of_uid = p.id.uid.value_or(0);
    plan.cwd = p.chdir.value_or(caller.cwd);
  }
  plan.cwd_required = p.chdir.has_value();
  for (const auto& e : plan.env)
    if (e.rfind("HOME=", 0) == 0) plan.cwd_fallback = e.substr(5);
  const uid_t sandbox_uid = (plan.clone_flags & CLONE_NEWUSER) || switches_host_ids
                                ? p.id.uid.value_or(caller.uid)
                                : caller.uid;
  plan.keep_caps = keep_caps_for(p, sandbox_uid);
  plan.keep_caps_if_held = p.root_keeps_caps && sandbox_uid == 0;
  plan.caps_as_caller = plan.keep_caps_if_held && p.caps.empty();
  plan.cap_sets = p.cap_sets;
  plan.die_with_parent = p.die_with_parent;
  plan.expected_parent = caller.parent;
  plan.parent_pid = p.parent_pid;
  plan.parent_pidfd = p.parent_pidfd;
  plan.stop_timeout_ms = p.stop_timeout_ms;
  plan.new_session = p.new_session;
  plan.console = p.console;
  plan.disable_userns = p.ns.disable_userns;
  plan.assert_userns_disabled = p.ns.assert_userns_disabled;
  plan.json_status_fd = p.json_status_fd;
  plan.exit_record_only_if_ran = p.exit_record_only_if_ran;
  plan.info_fd = p.info_fd;
  plan.sync_fd = p.sync_fd;
  plan.block_fd = p.block_fd;
  plan.userns_block_fd = p.userns_block_fd;
  plan.trace_setup = p.trace_setup;
  for (const auto& limit : p.rlimits)
    CLOISTER_TRY(
        rlimits::check_against_caller(limit, limit.origin.empty() ? "--rlimit" : limit.origin));
  plan.rlimits = p.rlimits;
  plan.sysctls = p.sysctls;
  if (p.cgroup.any() || !p.cgroup.parent.empty() || p.cgroup.own) {
    // Chroot mode creates no namespace, so no cgroup namespace after the attach either.
    auto cgroup = plan_cgroup(p.cgroup, p.mode == SandboxMode::Chroot ? 0 : plan.clone_flags,
                              real_cgroup_host());
    if (!cgroup) return cgroup.take_error();
    plan.cgroup = std::move(*cgroup);
    add_v1_views(plan);
  }
  CLOISTER_TRY(add_landlock(landlock_policy, !p.new_session, plan));
  if (p.net == NetMode::Tcp)
    if (auto dns = diagnose::tcp_mode_dns(plan); !dns.empty()) plan.notices.push_back(dns);
  plan.close_before_exec = p.consumed_fds;
  for (const auto& op : p.fs)
    if (op.fd >= 0) plan.close_before_exec.push_back(op.fd);
  for (int fd : p.seccomp.bpf_fds) plan.close_before_exec.push_back(fd);
  // The sync fd stays open in cloister (and its init) for as long as the sandbox lives.
  for (const auto& join : p.ns.joins) plan.close_before_exec.push_back(join.fd);
  for (int fd :
       {p.ns.userns_fd, p.ns.pidns_fd, p.info_fd, p.json_status_fd, p.block_fd, p.userns_block_fd,
        p.sync_fd, p.parent_pidfd, p.console ? p.console->socket_fd : -1})
    if (fd >= 0) plan.close_before_exec.push_back(fd);
  CLOISTER_TRY(plan_inherited_fds(p, plan));
  return plan;
}

}  // namespace cloister
