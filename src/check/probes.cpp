// The mechanisms, each tried in a throwaway child. Nothing here reads a kernel version.
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "check/report.hpp"
#include "check/trial.hpp"
#include "isolate/cgroups.hpp"
#include "isolate/landlock.hpp"
#include "kernel/fd.hpp"
#include "kernel/syscalls.hpp"
#include "plan/cgroup_plan.hpp"
#include "plan/features.hpp"
#include "plan/pasta_spec.hpp"

namespace cloister::check {
namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

Attempt failed(const std::string& step) { return Attempt{errno ? errno : EINVAL, step, ""}; }

bool write_file(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  return fd && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

bool privileged() { return ::geteuid() == 0; }

// A user namespace in which the caller is root, with its id mapped (as cloister run makes).
Attempt enter_user_namespace() {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER) != 0) return failed("unshare(CLONE_NEWUSER)");
  (void)write_file("/proc/self/setgroups", "deny");
  if (!write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n"))
    return failed("write /proc/self/uid_map");
  if (!write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n"))
    return failed("write /proc/self/gid_map");
  return {};
}

// Everything a sandbox needs of its user namespace: the maps, a mount namespace, a mount.
Attempt user_namespace_attempt(bool as_nobody) {
  if (as_nobody && (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
                    ::setresuid(65534, 65534, 65534) != 0))
    return failed("setresuid(65534)");
  // Changing ids made the process non-dumpable, which leaves /proc/self/uid_map to root.
  if (as_nobody) ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  Attempt a = enter_user_namespace();
  if (!a.ok()) return a;
  if (::unshare(CLONE_NEWNS) != 0) return failed("unshare(CLONE_NEWNS)");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return failed("mount(MS_PRIVATE)");
  if (::mount("tmpfs", "/", "tmpfs", 0, nullptr) != 0) return failed("mount(tmpfs)");
  return {};
}

bool seccomp_filtered() {
  auto status = read_text("/proc/self/status");
  return status && status->find("\nSeccomp:\t2") != std::string::npos;
}

// The kernel refuses user namespaces to a process whose root is not its mount namespace's.
bool in_chroot() {
  struct stat mine {
  }, init{};
  if (::stat("/", &mine) == 0 && ::stat("/proc/1/root/", &init) == 0)
    return mine.st_dev != init.st_dev || mine.st_ino != init.st_ino;
  auto mounts = read_text("/proc/self/mountinfo");
  if (!mounts) return false;
  std::istringstream lines(*mounts);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, point;
    fields >> id >> parent >> devno >> root >> point;
    if (point == "/") return false;
  }
  return true;
}

std::string errno_text(const Attempt& a) {
  return a.step + ": " + errno_name(a.err) + " (" + std::strerror(a.err) + ")";
}

// Why the kernel refused a user namespace, and the one-line fix.
void explain_user_namespace(const Attempt& a, bool unprivileged, Row& row) {
  row.reason = errno_text(a);
  const bool at_unshare = a.step == "unshare(CLONE_NEWUSER)";
  const auto clone_sysctl = read_text("/proc/sys/kernel/unprivileged_userns_clone");
  const auto max = read_text("/proc/sys/user/max_user_namespaces");
  const auto apparmor = read_text("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
  if (at_unshare && a.err == EPERM && seccomp_filtered()) {
    row.reason +=
        ": a seccomp filter on this process refuses it (Seccomp: 2 in "
        "/proc/self/status, as a container's filter does)";
    row.fix =
        "allow unshare/clone with CLONE_NEWUSER in the container's seccomp profile "
        "(docker, podman: --security-opt seccomp=...), or use --sandbox=chroot";
  } else if (at_unshare && a.err == EPERM && in_chroot()) {
    row.reason += ": this process runs in a chroot, where the kernel refuses user namespaces";
    row.fix = "pivot_root into the directory instead of chroot, or use --sandbox=chroot";
  } else if (at_unshare && unprivileged && clone_sysctl == "0") {
    row.reason += ": kernel.unprivileged_userns_clone = 0";
    row.fix = "sysctl -w kernel.unprivileged_userns_clone=1";
  } else if (at_unshare && max == "0") {
    row.reason += ": user.max_user_namespaces = 0 (in this user namespace)";
    row.fix = "sysctl -w user.max_user_namespaces=15000 (in the namespace that set it to 0)";
  } else if (at_unshare && (a.err == ENOSPC || a.err == EUSERS)) {
    row.reason += ": the limit user.max_user_namespaces = " + max.value_or("?") +
                  " or the nesting limit (32) is reached";
    row.fix = "raise user.max_user_namespaces, or nest fewer sandboxes";
  } else if (apparmor == "1" && unprivileged) {
    row.reason +=
        ": AppArmor's kernel.apparmor_restrict_unprivileged_userns = 1 leaves "
        "unprivileged user namespaces without the capabilities sandboxes need";
    row.fix =
        "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor "
        "profile for cloister with `userns,` (as Ubuntu ships for bwrap)";
  } else if (a.step == "mount(MS_PRIVATE)" && a.err == EINVAL) {
    row.reason += ": the root is not a mount point (a chroot into a plain directory)";
    row.fix = "bind-mount the directory onto itself before entering it";
  } else {
    row.reason += ": no sysctl, LSM setting or seccomp filter found that explains it";
  }
}

Row user_namespace_row(bool as_nobody) {
  Row row;
  row.id = as_nobody ? "user-namespace-unprivileged" : "user-namespace";
  row.what = as_nobody ? "user namespaces (unprivileged users)" : "user namespaces (this caller)";
  const Attempt a = in_child([as_nobody] { return user_namespace_attempt(as_nobody); });
  row.ok = a.ok();
  if (row.ok)
    row.detail = "created, ids mapped, a mount made inside";
  else
    explain_user_namespace(a, as_nobody || !privileged(), row);
  return row;
}

struct NamespaceKind {
  const char* id;
  int flag;
  const char* name;
};
constexpr NamespaceKind kNamespaces[] = {
    {"mount", CLONE_NEWNS, "CLONE_NEWNS"}, {"pid", CLONE_NEWPID, "CLONE_NEWPID"},
    {"net", CLONE_NEWNET, "CLONE_NEWNET"}, {"ipc", CLONE_NEWIPC, "CLONE_NEWIPC"},
    {"uts", CLONE_NEWUTS, "CLONE_NEWUTS"}, {"cgroup", CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
    {"time", 0x00000080, "CLONE_NEWTIME"}};

// Unprivileged callers get the other namespaces inside a user namespace (cloister run's way).
Row namespace_row(const NamespaceKind& kind, const Row& userns) {
  Row row;
  row.id = std::string("namespace-") + kind.id;
  row.what = std::string(kind.id) + " namespace";
  const Attempt a = in_child([&kind] {
    if (!privileged()) {
      Attempt u = enter_user_namespace();
      if (!u.ok()) return u;
    }
    if (::unshare(kind.flag) != 0) return failed(std::string("unshare(") + kind.name + ")");
    return Attempt{};
  });
  row.ok = a.ok();
  if (row.ok) {
    row.detail = privileged() ? "created" : "created inside a user namespace";
  } else {
    row.reason = errno_text(a);
    if (a.step == "unshare(CLONE_NEWUSER)") row.fix = userns.fix;
  }
  return row;
}

int seccomp(unsigned op, unsigned flags, void* args) {
  return static_cast<int>(::syscall(SYS_seccomp, op, flags, args));
}

Attempt install_allow_all() {
  sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  sock_fprog prog{1, &allow};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return failed("prctl(PR_SET_NO_NEW_PRIVS)");
  if (seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return failed("seccomp(SET_MODE_FILTER)");
  return {};
}

Row seccomp_row() {
  Row row{"seccomp", "seccomp filters", false, "", "", ""};
  const Attempt a = in_child([] {
    Attempt installed = install_allow_all();
    if (!installed.ok()) return installed;
    const std::pair<std::uint32_t, const char*> actions[] = {
        {SECCOMP_RET_KILL_PROCESS, "kill-process"},
        {SECCOMP_RET_KILL_THREAD, "kill-thread"},
        {SECCOMP_RET_TRAP, "trap"},
        {SECCOMP_RET_ERRNO, "errno"},
        {SECCOMP_RET_USER_NOTIF, "notify"},
        {SECCOMP_RET_TRACE, "trace"},
        {SECCOMP_RET_LOG, "log"},
        {SECCOMP_RET_ALLOW, "allow"}};
    std::string have, lack;
    for (auto [action, name] : actions) {
      std::uint32_t value = action;
      std::string& list = seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &value) == 0 ? have : lack;
      list += (list.empty() ? "" : " ") + std::string(name);
    }
    return Attempt{0, "", "actions: " + have + (lack.empty() ? "" : "; missing: " + lack)};
  });
  row.ok = a.ok();
  row.detail = a.ok() ? "a filter installed; " + a.note : "";
  if (!a.ok()) row.reason = errno_text(a);
  return row;
}

// A notifying filter on getppid; a grandchild calls it, the child answers CONTINUE.
Attempt user_notification_attempt() {
  sock_filter code[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  sock_fprog prog{4, code};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return failed("prctl(PR_SET_NO_NEW_PRIVS)");
  UniqueFd listener(seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
  if (!listener) return failed("seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER)");
  const pid_t child = ::fork();
  if (child == 0) ::_exit(::getppid() > 0 ? 0 : 1);
  seccomp_notif notif;
  std::memset(&notif, 0, sizeof notif);
  pollfd p{listener.get(), POLLIN, 0};
  Attempt result;
  if (::poll(&p, 1, 5000) != 1 || ::ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_RECV, &notif) != 0) {
    result = failed("ioctl(SECCOMP_IOCTL_NOTIF_RECV)");
  } else {
    seccomp_notif_resp resp;
    std::memset(&resp, 0, sizeof resp);
    resp.id = notif.id;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    if (::ioctl(listener.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0)
      result = failed("ioctl(SECCOMP_IOCTL_NOTIF_SEND, FLAG_CONTINUE)");
  }
  if (!result.ok()) ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (result.ok() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    return Attempt{EINVAL, "getppid() after FLAG_CONTINUE", ""};
  return result;
}

Row user_notification_row() {
  Row row{"seccomp-notify", "seccomp user notification (cloister learn)", false, "", "", ""};
  const Attempt a = in_child(user_notification_attempt);
  row.ok = a.ok();
  if (row.ok)
    row.detail = "a listener received a call and let it go on (SECCOMP_USER_NOTIF_FLAG_CONTINUE)";
  else
    row.reason = errno_text(a);
  return row;
}

constexpr const char* kLandlockLevels[] = {"filesystem rules", "rename and link across directories",
                                           "truncate",         "TCP bind and connect ports",
                                           "device ioctl",     "abstract-unix and signal scopes",
                                           "audit logging"};

Row landlock_row() {
  Row row{"landlock", "Landlock", false, "", "", ""};
  const Attempt a = in_child([] {
    const int abi = landlock::abi();
    if (abi <= 0) {
      const long rc = ::syscall(444, nullptr, 0, 1U);
      return Attempt{rc < 0 ? errno : EINVAL, "landlock_create_ruleset(VERSION)", ""};
    }
    LandlockPolicy policy;
    policy.paths.push_back({"/", true, false, false, false});
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return failed("prctl(PR_SET_NO_NEW_PRIVS)");
    auto applied = landlock::apply(policy, abi);
    if (!applied) return Attempt{applied.error().err, applied.error().op, ""};
    return Attempt{0, "", std::to_string(abi)};
  });
  row.ok = a.ok();
  if (!row.ok) {
    row.reason = errno_text(a);
    if (a.err == EOPNOTSUPP)
      row.fix = "Landlock is built but not enabled: add landlock to the lsm= boot parameter";
    else if (a.err == ENOSYS)
      row.fix = "this kernel is built without Landlock (CONFIG_SECURITY_LANDLOCK)";
    return row;
  }
  const int abi = std::atoi(a.note.c_str());
  row.detail = "ABI " + a.note + ", a domain enforced:";
  std::string missing;
  for (int level = 1; level <= 7; ++level) {
    const std::string item =
        " " + std::string(kLandlockLevels[level - 1]) + " (" + std::to_string(level) + ")";
    (level <= abi ? row.detail : missing) += item + ",";
  }
  row.detail.pop_back();
  if (!missing.empty()) {
    missing.pop_back();
    row.detail += "; not in this kernel:" + missing;
  }
  return row;
}

Row mount_api_row(const Row& userns) {
  Row row{"mount-api", "new mount API (fsopen, open_tree, mount_setattr)", false, "", "", ""};
  const Attempt a = in_child([] {
    if (!privileged()) {
      Attempt u = enter_user_namespace();
      if (!u.ok()) return u;
    }
    if (::unshare(CLONE_NEWNS) != 0) return failed("unshare(CLONE_NEWNS)");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      return failed("mount(MS_PRIVATE)");
    UniqueFd fs(sys::fsopen("tmpfs", FSOPEN_CLOEXEC));
    if (!fs) return failed("fsopen(tmpfs)");
    if (sys::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
      return failed("fsconfig(FSCONFIG_CMD_CREATE)");
    UniqueFd mnt(sys::fsmount(fs.get(), FSMOUNT_CLOEXEC, 0));
    if (!mnt) return failed("fsmount");
    UniqueFd tree(
        sys::open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    if (!tree) return failed("open_tree(OPEN_TREE_CLONE)");
    uapi::MountAttr attr{MOUNT_ATTR_RDONLY, 0, 0, 0};
    if (sys::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, attr) != 0)
      return failed("mount_setattr");
    return Attempt{};
  });
  row.ok = a.ok();
  if (row.ok) {
    row.detail = "a tmpfs made and a detached tree made read-only";
  } else {
    row.reason = errno_text(a);
    if (a.step == "unshare(CLONE_NEWUSER)") row.fix = userns.fix;
  }
  return row;
}

std::optional<std::string> own_cgroup_v2_dir() {
  auto cgroup = read_text("/proc/self/cgroup");
  auto mounts = read_text("/proc/self/mountinfo");
  if (!cgroup || !mounts) return std::nullopt;
  std::string path;
  std::istringstream lines(*cgroup);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  std::istringstream mlines(*mounts);
  for (std::string line; std::getline(mlines, line);) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream fields(line);
    std::string id, parent, devno, root, point;
    fields >> id >> parent >> devno >> root >> point;
    if (path.empty()) return std::nullopt;
    return point + (path == "/" ? "" : path);
  }
  return std::nullopt;
}

Attempt clone3_attempt(int cgroup_fd) {
  int pidfd = -1;
  uapi::CloneArgs args{};
  args.flags = CLONE_PIDFD;
  if (cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<std::uint64_t>(cgroup_fd);
  }
  args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  const pid_t pid = sys::clone3(args);
  if (pid == 0) ::_exit(0);
  if (pid < 0) return failed(cgroup_fd >= 0 ? "clone3(CLONE_INTO_CGROUP)" : "clone3(CLONE_PIDFD)");
  UniqueFd fd(pidfd);
  pollfd p{fd.get(), POLLIN, 0};
  const bool seen = ::poll(&p, 1, 5000) == 1;  // a pidfd is readable once its process exits
  ::waitpid(pid, nullptr, 0);
  return seen ? Attempt{} : Attempt{ETIMEDOUT, "poll(pidfd)", ""};
}

Row clone3_row() {
  Row row{"clone3", "clone3 and pidfd", false, "", "", ""};
  const Attempt a = in_child([] { return clone3_attempt(-1); });
  row.ok = a.ok();
  if (row.ok)
    row.detail = "a child started with CLONE_PIDFD, its exit seen on the pidfd";
  else
    row.reason = errno_text(a);
  return row;
}

Row clone_into_cgroup_row() {
  Row row{"clone-into-cgroup", "clone3 with CLONE_INTO_CGROUP", false, "", "", ""};
  const auto dir = own_cgroup_v2_dir();
  if (!dir) {
    row.reason =
        "no cgroup v2 hierarchy holds this process (no 0:: line in /proc/self/cgroup "
        "or no cgroup2 mount)";
    row.fix = "cloister uses the v1 hierarchies then (attached after clone)";
    return row;
  }
  const Attempt a = in_child([&dir] {
    UniqueFd fd(::open(dir->c_str(), O_DIRECTORY | O_CLOEXEC));
    if (!fd) return failed("open " + *dir);
    return clone3_attempt(fd.get());
  });
  row.ok = a.ok();
  if (row.ok)
    row.detail = "a child born in " + *dir;
  else
    row.reason = errno_text(a);
  return row;
}

// Planned as `cloister run` plans it, then made and removed in a child.
Row cgroup_row(const char* controller, const CgroupPolicy& limits) {
  Row row;
  row.id = std::string("cgroup-") + controller;
  row.what = std::string("cgroup ") + controller + " limits (a cgroup of the sandbox's own)";
  const Attempt a = in_child([&limits] {
    auto refused = [](Error e) {
      const std::string hint = e.hint;
      e.hint.clear();
      return Attempt{e.err ? e.err : EINVAL, e.message(), hint};
    };
    auto plan = plan_cgroup(limits, 0, real_cgroup_host());
    if (!plan) return refused(plan.take_error());
    std::vector<std::string> warnings;
    auto made = cgroups::Sandbox::create(*plan, warnings);
    if (!made) return refused(made.take_error());
    const std::string where = made->paths().empty() ? "" : made->paths().front();
    const bool v2 = made->version() == CgroupVersion::V2;
    auto removed = made->kill_and_remove();
    if (!removed) return Attempt{removed.error().err, removed.error().message(), ""};
    return Attempt{0, "", std::string(v2 ? "v2" : "v1") + ", made and removed under " + where};
  });
  row.ok = a.ok();
  if (row.ok) {
    row.detail = a.note;
  } else {
    row.reason = a.step;
    row.fix = a.note;
  }
  return row;
}

Row pasta_row() {
  Row row{"pasta", "pasta (--net=pasta)", false, "", "", ""};
  auto binary = pasta::find_binary();
  if (!binary) {
    row.reason = binary.error().message();
    row.fix = "apt-get install passt";
    return row;
  }
  const std::string path = *binary;
  const Attempt a = in_child([&path] {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 1), ::dup2(null, 2);
      ::execl(path.c_str(), path.c_str(), "--version", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Attempt{};
    return Attempt{ENOEXEC, path + " --version", ""};
  });
  row.ok = a.ok();
  if (row.ok)
    row.detail = path + " runs";
  else
    row.reason = errno_text(a);
  return row;
}

Row tun_row() {
  Row row{"dev-net-tun", "/dev/net/tun (pasta's tap device)", false, "", "", ""};
  const Attempt a = in_child([] {
    UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    return fd ? Attempt{} : failed("open /dev/net/tun");
  });
  row.ok = a.ok();
  if (row.ok) {
    row.detail = "opened for reading and writing";
  } else {
    row.reason = errno_text(a);
    if (a.err == EACCES)
      row.fix = "chmod 0666 /dev/net/tun (a device node per user namespace needs no more)";
    if (a.err == ENOENT) row.fix = "modprobe tun";
  }
  return row;
}

}  // namespace

std::vector<Row> probe_kernel() {
  std::vector<Row> rows;
  rows.push_back(user_namespace_row(false));
  // Root of the host also answers for its unprivileged users (tried as uid 65534).
  if (privileged() &&
      read_text("/proc/self/uid_map").value_or("").find("4294967295") != std::string::npos)
    rows.push_back(user_namespace_row(true));
  const Row userns = rows.front();
  for (const auto& kind : kNamespaces) rows.push_back(namespace_row(kind, userns));
  rows.push_back(seccomp_row());
  rows.push_back(user_notification_row());
  rows.push_back(landlock_row());
  rows.push_back(mount_api_row(userns));
  rows.push_back(clone3_row());
  rows.push_back(clone_into_cgroup_row());
  CgroupPolicy memory, pids, cpu, io;
  memory.memory_max = 256ULL << 20;
  pids.pids_max = 64;
  cpu.cpu_quota_us = 50000;
  io.io_weight = 100;
  rows.push_back(cgroup_row("memory", memory));
  rows.push_back(cgroup_row("pids", pids));
  rows.push_back(cgroup_row("cpu", cpu));
  rows.push_back(cgroup_row("io", io));
  rows.push_back(pasta_row());
  rows.push_back(tun_row());
  return rows;
}

std::vector<Row> probe_version_features() {
  return {landlock_row(), user_notification_row(), clone3_row(), clone_into_cgroup_row()};
}

}  // namespace cloister::check
