#include "supervisor/group_process.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "isolate/descriptors.hpp"
#include "isolate/namespaces.hpp"
#include "kernel/fd.hpp"
#include "kernel/syscalls.hpp"
#include "kernel/uapi.hpp"
#include "process/keeper.hpp"
#include "process/launcher.hpp"
#include "process/parent_watch.hpp"
#include "process/signals.hpp"
#include "supervisor/manager.hpp"

namespace cloister::supervisor {
namespace {

void say(const std::string& line) {
  const std::string text = "cloister: " + line + "\n";
  (void)!::write(2, text.data(), text.size());
}

void say(const Error& e) { say(e.message()); }

struct Manager {
  pid_t pid = -1;
  UniqueFd pidfd;
};

// PID 1 of the group: its own mount namespace (private, a /proc of its PID namespace), then
// the manager's loop; the kernel ends every service when it exits.
[[noreturn]] void manager_main(const group::Group& group, const GroupIdentity& identity,
                               const GroupOptions& options, int outer_pidfd, keeper::Keeper* keeper,
                               int maps_written_fd) {
  pollfd p{outer_pidfd, POLLIN, 0};
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
    say(Error{"manager", "prctl(PR_SET_PDEATHSIG)", "", errno, ""});
    ::_exit(125);
  }
  if (::poll(&p, 1, 0) != 0) ::_exit(125);  // cloister supervise is gone: nobody to tell
  if (identity.sub) {
    // The outer process maps the ranges (newuidmap needs the caller's privileges there).
    char byte;
    ssize_t n;
    do n = ::read(maps_written_fd, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) ::_exit(125);  // the outer process failed and says why
  } else if (!identity.host_ids) {
    IdMaps maps;
    maps.uid_map =
        std::to_string(identity.caller_uid) + " " + std::to_string(identity.caller_uid) + " 1\n";
    maps.gid_map =
        std::to_string(identity.caller_gid) + " " + std::to_string(identity.caller_gid) + " 1\n";
    maps.deny_setgroups = true;
    if (auto st = ns::write_own_id_maps(maps); !st) {
      say(st.take_error());
      ::_exit(125);
    }
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    say(Error{"manager", "mount(MS_PRIVATE)", "/", errno, ""});
    ::_exit(125);
  }
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    say(Error{"manager", "mount proc", "/proc", errno,
              "the manager's PID namespace needs its /proc"});
    ::_exit(125);
  }
  ::prctl(PR_SET_NAME, "cloister-mgr", 0, 0, 0);
  // PID 1 gets signals from outside its namespace only for those it handles.
  signals::install_noop_handlers();
  ManagerOptions mo;
  mo.status_fd = options.status_fd;
  mo.guard = keeper;
  ::_exit(manage(group, identity, mo));
}

// newuidmap/newgidmap PID 0 CALLER 1 FIRST SUBSTART COUNT: uid 0 of the group's namespace
// is the caller, the group's range its subordinate ids.
Status run_id_helper(const std::string& helper, pid_t pid, std::uint32_t caller,
                     const group::IdRange& range, std::uint32_t sub_start) {
  const std::vector<std::string> args = {helper,
                                         std::to_string(pid),
                                         "0",
                                         std::to_string(caller),
                                         "1",
                                         std::to_string(range.first),
                                         std::to_string(sub_start),
                                         std::to_string(range.count)};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return Error{"user namespace", "fork", helper, errno, ""};
  if (child == 0) {
    signals::reset_for_exec();
    char* empty[] = {nullptr};
    ::execve(helper.c_str(), argv.data(), empty);
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Error{"user namespace", helper, std::to_string(pid), 0,
                 "it refused the ranges of /etc/subuid or /etc/subgid (its message is above)"};
  return ok_status();
}

Status write_subordinate_maps(const group::Group& group, const GroupIdentity& identity, pid_t pid) {
  const auto& sub = *identity.sub;
  const auto gids = group.gids ? *group.gids : *group.uids;
  CLOISTER_TRY(run_id_helper(sub.newuidmap, pid, identity.caller_uid, *group.uids, sub.uid_start));
  return run_id_helper(sub.newgidmap, pid, identity.caller_gid, gids, sub.gid_start);
}

Result<Manager> start_manager(const group::Group& group, const GroupIdentity& identity,
                              const GroupOptions& options, keeper::Keeper* keeper) {
  UniqueFd self(sys::pidfd_open(::getpid()));
  if (!self) return Error{"supervise", "pidfd_open", "", errno, ""};
  int sync[2];
  if (::pipe2(sync, O_CLOEXEC) != 0) return Error{"supervise", "pipe2", "", errno, ""};
  UniqueFd maps_read(sync[0]), maps_written(sync[1]);
  std::uint64_t flags = CLONE_NEWPID | CLONE_NEWNS;
  if (!identity.host_ids) flags |= CLONE_NEWUSER;
  int pidfd = -1;
  uapi::CloneArgs args{};
  args.flags = flags | CLONE_PIDFD;
  args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  const pid_t pid = sys::clone3(args);
  if (pid < 0)
    return Error{"supervise", "clone3 (PID and mount namespaces)", "", errno,
                 "`cloister check` shows which namespaces this machine allows"};
  if (pid == 0) {
    maps_written.reset();  // EOF for the manager when this process dies before writing
    manager_main(group, identity, options, self.get(), keeper, maps_read.get());
  }
  Manager manager{pid, UniqueFd(pidfd)};
  if (identity.sub) {
    if (auto st = write_subordinate_maps(group, identity, pid); !st) {
      sys::pidfd_send_signal(manager.pidfd.get(), SIGKILL);
      siginfo_t info{};
      ::waitid(P_PIDFD, static_cast<id_t>(manager.pidfd.get()), &info, WEXITED);
      return st.take_error();
    }
    if (::write(maps_written.get(), "1", 1) != 1) {
      const int err = errno;
      sys::pidfd_send_signal(manager.pidfd.get(), SIGKILL);
      siginfo_t info{};
      ::waitid(P_PIDFD, static_cast<id_t>(manager.pidfd.get()), &info, WEXITED);
      return Error{"supervise", "write", "the manager's sync pipe", err, ""};
    }
  }
  return manager;
}

int exit_status(const siginfo_t& info) {
  return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
}

// Passes the stop signals on until the manager exits.
int wait_for(Manager& manager) {
  const sigset_t set = signals::watched();
  UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
  for (;;) {
    pollfd fds[2] = {{manager.pidfd.get(), POLLIN, 0}, {sfd.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) {
      signalfd_siginfo info{};
      if (::read(sfd.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info) &&
          info.ssi_signo != SIGCHLD)
        sys::pidfd_send_signal(manager.pidfd.get(), static_cast<int>(info.ssi_signo));
    }
    if (fds[0].revents) break;
  }
  siginfo_t info{};
  while (::waitid(P_PIDFD, static_cast<id_t>(manager.pidfd.get()), &info, WEXITED) != 0 &&
         errno == EINTR) {
  }
  return exit_status(info);
}

}  // namespace

bool any_cgroup(const std::vector<ServicePlan>& plans) {
  for (const auto& p : plans)
    if (p.plan.cgroup && p.plan.cgroup->creates()) return true;
  return false;
}

int run_group(const group::Group& group, const GroupIdentity& identity,
              const GroupOptions& options) {
  // Nothing the caller left open reaches the manager or a service.
  std::vector<int> keep;
  for (int fd : {options.status_fd, options.parent_pidfd})
    if (fd >= 0) keep.push_back(fd);
  if (auto st = descriptors::close_all_except(keep); !st)
    return say(st.take_error()), kExitSetupFailed;
  if (options.status_fd >= 0) ::fcntl(options.status_fd, F_SETFD, FD_CLOEXEC);
  if (options.parent_pid > 0 || options.parent_pidfd >= 0) {
    parent_watch::Parent parent;
    parent.pid = options.parent_pid;
    parent.pidfd = options.parent_pidfd;
    parent.option = options.parent_pidfd >= 0 ? "--parent-pidfd" : "--parent-pid";
    if (auto st = parent_watch::die_with(parent); !st) {
      say(st.take_error());
      return kExitSetupFailed;
    }
  }
  std::optional<keeper::Keeper> keeper;
  if (options.cgroups) {
    auto started = keeper::Keeper::start({});
    if (!started) return say(started.take_error()), kExitSetupFailed;
    keeper.emplace(std::move(*started));
  }
  const sigset_t watched = signals::watched();
  sigset_t saved;
  ::sigprocmask(SIG_BLOCK, &watched, &saved);
  // The memory the plans took goes back to the kernel before the manager is forked: it
  // would otherwise be resident in the manager, one copy per service, for its whole life.
  ::malloc_trim(0);
  auto manager = start_manager(group, identity, options, keeper ? &*keeper : nullptr);
  int status = kExitSetupFailed;
  if (!manager) {
    say(manager.take_error());
  } else {
    if (keeper) {
      if (auto st = keeper->guard_sandbox(manager->pidfd.get()); !st) {
        say(st.take_error());
        sys::pidfd_send_signal(manager->pidfd.get(), SIGKILL);
      }
    }
    status = wait_for(*manager);
  }
  if (keeper) keeper->finish();
  ::sigprocmask(SIG_SETMASK, &saved, nullptr);
  return status;
}

}  // namespace cloister::supervisor
