#include "process/engine.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include "isolate/capabilities.hpp"
#include "isolate/console.hpp"
#include "isolate/descriptors.hpp"
#include "isolate/filesystem.hpp"
#include "isolate/landlock.hpp"
#include "isolate/namespaces.hpp"
#include "isolate/network.hpp"
#include "isolate/refusal.hpp"
#include "isolate/rlimits.hpp"
#include "isolate/seccomp.hpp"

namespace cloister::engine {
namespace {

constexpr int kCapSysChroot = 18;

}  // namespace

Status unshare_namespaces(const Plan& plan) {
  const std::uint64_t flags = plan.clone_flags & ~static_cast<std::uint64_t>(CLONE_NEWPID);
  if (::unshare(static_cast<int>(flags)) != 0) {
    const int err = errno;
    return Error{"namespaces", "unshare", "", err,
                 err == EPERM || err == ENOSPC || err == EUSERS ? refusal::cause(err) : ""};
  }
  CLOISTER_TRY(take_ids(plan, flags));
  return name_and_loopback(plan, flags);
}

Status join_user_namespace(const Plan& plan) {
  const uid_t host_uid = ::geteuid();
  const gid_t host_gid = ::getegid();
  CLOISTER_TRY(ns::join(plan.userns_fd, CLONE_NEWUSER, "--userns"));
  return ns::adopt_joined_ids(host_uid, host_gid);
}

Status join_namespaces(const Plan& plan) {
  for (const auto& join : plan.joins) CLOISTER_TRY(ns::join(join.fd, join.type, join.origin.c_str()));
  return ok_status();
}

Status write_sysctls(const Plan& plan) {
  for (const auto& [key, value] : plan.sysctls) {
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd || ::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
      return Error{"sysctl " + key, fd ? "write" : "open", path, errno,
                   errno == ENOENT ? "no such sysctl on this kernel" : ""};
  }
  return ok_status();
}

Status take_ids(const Plan& plan, std::uint64_t created) {
  if (!(created & CLONE_NEWUSER)) return ok_status();
  if (!plan.ids.written_by_parent) return ns::write_own_id_maps(plan.ids);
  return ns::switch_ids(plan.ids);
}

Status name_and_loopback(const Plan& plan, std::uint64_t created) {
  if (plan.hostname) CLOISTER_TRY(ns::set_hostname(*plan.hostname));
  if (created & CLONE_NEWNET) CLOISTER_TRY(net::bring_up_loopback());
  return ok_status();
}

Result<std::vector<UniqueFd>> build_root(const Plan& plan, SetupTrace& trace) {
  // Modes are the plan's, not the umask's; the caller's umask is back for COMMAND.
  const mode_t saved_umask = ::umask(0);
  auto root = fs::RootBuilder::begin();
  if (!root) return root.take_error();
  trace.mark("private mounts, scratch root, pivot_root, new root tmpfs");
  for (const auto& s : plan.fs) {
    CLOISTER_TRY(root->apply(s));
    if (plan.trace_setup) trace.mark(describe(s));
  }
  UniqueFd proc_self;
  if (plan.disable_userns) {
    // Written through the host's procfs, still reachable until finish() detaches it.
    auto limited = ns::limit_nested_user_namespaces("/oldroot/proc");
    if (!limited) return limited.take_error();
    proc_self = std::move(*limited);
  }
  CLOISTER_TRY(root->finish(plan.cwd, plan.cwd_required, plan.cwd_fallback));
  if (plan.disable_userns) CLOISTER_TRY(ns::enter_last_user_namespace(proc_self.get()));
  trace.mark("detach host root, pivot_root into new root");
  ::umask(saved_umask);
  return std::move(root->held_fds());
}

Status enter_chroot(const Plan& plan) {
  return fs::enter_chroot(plan.chroot->root, plan.cwd_required ? plan.cwd : "");
}

Status drop_privileges(const Plan& plan, const PrivilegeOptions& options) {
  const bool chroot_mode = options.chroot_mode;
  if (plan.new_session && ::setsid() < 0) return Error{"--new-session", "setsid", "", errno, ""};
  // Before Landlock, which may not grant /dev/ptmx.
  if (plan.console) CLOISTER_TRY(console::attach(*plan.console));
  if (plan.assert_userns_disabled) CLOISTER_TRY(ns::assert_user_namespaces_refused());
  if (options.close_inherited) CLOISTER_TRY(close_inherited_descriptors(plan));
  for (int fd : plan.close_before_exec)
    if (fd >= 0) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  for (const auto& limit : plan.rlimits) CLOISTER_TRY(rlimits::apply(limit));
  if (plan.landlock) CLOISTER_TRY(landlock::apply(*plan.landlock, plan.landlock_abi));
  const auto& host_ids = chroot_mode ? plan.chroot->switch_ids : plan.host_ids;
  if (host_ids)
    CLOISTER_TRY(caps::switch_ids_keeping_caps(host_ids->switch_uid, host_ids->switch_gid,
                                               host_ids->groups));
  const std::uint64_t no_way_out = chroot_mode ? ~(1ULL << kCapSysChroot) : ~0ULL;  // of a chroot
  if (plan.cap_sets) {
    CapabilitySets sets = *plan.cap_sets;
    for (auto* set :
         {&sets.bounding, &sets.effective, &sets.permitted, &sets.inheritable, &sets.ambient})
      *set &= no_way_out;
    CLOISTER_TRY(caps::apply_sets(sets));
  } else {
    CLOISTER_TRY(caps::apply_keep_only(plan.keep_caps & no_way_out, plan.keep_caps_if_held,
                                       plan.caps_as_caller));
  }
  return caps::set_no_new_privs();
}

Status install_seccomp(const Plan& plan, bool chroot_mode, bool all_threads) {
  for (const auto& program : chroot_mode ? plan.chroot->seccomp : plan.seccomp)
    CLOISTER_TRY(all_threads ? seccomp::install_all_threads(program) : seccomp::install(program));
  return ok_status();
}

Status close_inherited_descriptors(const Plan& plan) {
  if (!plan.close_inherited) return ok_status();
  CLOISTER_TRY(descriptors::close_all_except(plan.inherited_kept));
  return descriptors::pass_on(plan.keep_fds);
}

Result<bool> set_death_signal(int parent_pidfd) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    return Error{"--die-with-parent", "prctl(PR_SET_PDEATHSIG)", "", errno, ""};
  pollfd p{parent_pidfd, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

}  // namespace cloister::engine
