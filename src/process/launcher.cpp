#include "process/launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "isolate/capabilities.hpp"
#include "isolate/cgroups.hpp"
#include "isolate/namespaces.hpp"
#include "isolate/pasta.hpp"
#include "isolate/refusal.hpp"
#include "isolate/seccomp_notify.hpp"
#include "kernel/fd.hpp"
#include "kernel/syscalls.hpp"
#include "process/engine.hpp"
#include "process/init.hpp"
#include "process/keeper.hpp"
#include "process/parent_watch.hpp"
#include "process/report.hpp"
#include "process/signals.hpp"
#include "process/status.hpp"
#include "process/stop_timeout.hpp"
#include "process/trace.hpp"
#include "seccomp/filter.hpp"

extern char** environ;

namespace cloister {
namespace {

constexpr std::uint64_t kAllNamespaces = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
                                         CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;

// Descriptors the child needs; the parent keeps its own ends.
struct ChildContext {
  int report_fd = -1;           // write end of the close-on-exec report pipe
  int parent_ready_fd = -1;     // read end: one byte once the parent wrote id maps / set the cgroup
  bool late_cgroup_ns = false;  // cgroup v1: unshare the cgroup namespace once attached
  int parent_pidfd = -1;        // for a race-free --die-with-parent
  std::uint64_t flags = 0;      // namespaces actually created
  bool chroot_mode = false;
};

[[noreturn]] void fail(const ChildContext& ctx, Error e, int code = kExitSetupFailed) {
  report::fail(ctx.report_fd, e, code);
}

void check(const ChildContext& ctx, Status st) {
  if (!st.ok()) fail(ctx, st.take_error());
}

// PR_SET_PDEATHSIG is lost if the parent died before it was set; the parent's pidfd tells.
void die_with_parent(const ChildContext& ctx) {
  auto gone = engine::set_death_signal(ctx.parent_pidfd);
  if (!gone) fail(ctx, gone.take_error());
  if (*gone) ::_exit(kExitSetupFailed);
}

void wait_for_byte(const ChildContext& ctx, int fd, const char* option) {
  char byte;
  ssize_t n;
  do n = ::read(fd, &byte, 1);
  while (n < 0 && errno == EINTR);
  if (n < 0) fail(ctx, Error{option, "read", "fd " + std::to_string(fd), errno, ""});
}

// argv and envp, built before the process that execs them is started: it may share its
// memory with its parent (vfork) and must not allocate.
struct ExecArgs {
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::string pwd;
};

ExecArgs prepare_exec(const Plan& plan) {
  ExecArgs args;
  for (const auto& a : plan.argv) args.argv.push_back(const_cast<char*>(a.c_str()));
  args.argv.push_back(nullptr);
  // PWD names the directory COMMAND really starts in (bwrap does the same).
  char cwd[4096];
  args.pwd = std::string("PWD=") + (::getcwd(cwd, sizeof cwd) ? cwd : "/");
  for (const auto& e : plan.env)
    if (e.rfind("PWD=", 0) != 0) args.envp.push_back(const_cast<char*>(e.c_str()));
  args.envp.push_back(args.pwd.data());
  args.envp.push_back(nullptr);
  return args;
}

// The last steps before COMMAND runs: the engine's privileges and seccomp phases, then exec.
// Allocates nothing unless it fails.
[[noreturn]] void exec_command(const Plan& plan, const ChildContext& ctx, ExecArgs& args) {
  SetupTrace trace(plan.trace_setup, "command");
  signals::reset_for_exec();
  if (plan.block_fd >= 0) wait_for_byte(ctx, plan.block_fd, "--block-fd");
  check(ctx, engine::drop_privileges(plan, {.chroot_mode = ctx.chroot_mode}));
  // Before the filters, which may not allow prctl and poll (an allowlist).
  // (Chroot mode has no init, and its switch to host ids cleared the death signal.)
  if (plan.die_with_parent && (!plan.init_is_pid1 || ctx.chroot_mode)) die_with_parent(ctx);
  // Last: from here on every syscall, exec included, goes through the filters.
  check(ctx, engine::install_seccomp(plan, ctx.chroot_mode, false));
  // cloister learn: the notification filter goes last, over the sandbox's own filters.
  if (plan.learning)
    check(ctx, seccomp::notify::install_and_send(plan.learning->program, plan.learning->socket_fd));
  trace.mark("session, capabilities, no_new_privs, seccomp");

  environ = args.envp.data();  // execvp searches the sandbox's PATH, not cloister's
  ::execvp(plan.exec_path.c_str(), args.argv.data());
  const int err = errno;
  const int code = (err == ENOENT || err == ENOTDIR) ? kExitNotFound : kExitCannotExec;
  fail(ctx,
       Error{"exec", "execvp", plan.exec_path, err,
             err == ENOENT ? "COMMAND must exist inside the sandbox" : ""},
       code);
}

void enter_user_namespace(const Plan& plan, const ChildContext& ctx) {
  check(ctx, engine::take_ids(plan, ctx.flags));
  // Changing ids cleared PR_SET_PDEATHSIG.
  if ((ctx.flags & CLONE_NEWUSER) && plan.ids.written_by_parent && plan.die_with_parent)
    die_with_parent(ctx);
}

// A new or joined PID namespace applies only to children: fork once more; this process
// stays outside, relaying signals and COMMAND's status like an init.
void fork_into_pid_namespace(const ChildContext& ctx) {
  pid_t pid = ::fork();
  if (pid < 0) fail(ctx, Error{"namespaces", "fork", "", errno, ""});
  if (pid == 0) return;
  ::close(ctx.report_fd);
  init::run(pid);
}

// --userns FD: the clone had no namespace flags; join, then create the rest.
void join_then_unshare(const Plan& plan, ChildContext& ctx) {
  check(ctx, engine::join_user_namespace(plan));
  const std::uint64_t rest = plan.clone_flags & ~CLONE_NEWUSER;
  if (::unshare(static_cast<int>(rest)) != 0)
    fail(ctx, Error{"namespaces", "unshare", "", errno, ""});
  ctx.flags = rest;
  if ((rest & CLONE_NEWPID) && plan.pidns_fd < 0) fork_into_pid_namespace(ctx);
}

// --pidns FD, joined from inside the sandbox's user namespace (the one that owns it), as
// joining needs CAP_SYS_ADMIN over that PID namespace.
void join_pid_namespace(const Plan& plan, const ChildContext& ctx) {
  check(ctx, ns::join(plan.pidns_fd, CLONE_NEWPID, "--pidns"));
  fork_into_pid_namespace(ctx);
}

// The parent writes id maps and attaches cgroup v1 hierarchies after clone; nothing in the
// child may run before (its memory would be charged outside its cgroup).
void wait_for_parent(const ChildContext& ctx) {
  if (ctx.parent_ready_fd < 0) return;
  char byte;
  ssize_t n;
  do n = ::read(ctx.parent_ready_fd, &byte, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) ::_exit(kExitSetupFailed);  // the parent is gone (and reports its own error)
  if (ctx.late_cgroup_ns && ::unshare(CLONE_NEWCGROUP) != 0)
    fail(ctx, Error{"namespaces", "unshare(CLONE_NEWCGROUP)", "", errno, ""});
}

// COMMAND, directly or under cloister's init. Kept apart from the setup before it: vfork
// returns twice into this frame, which must hold nothing a second return could find changed.
[[noreturn]] void run_command(const Plan& plan, const ChildContext& ctx,
                              const std::vector<UniqueFd>& held) {
  ExecArgs args = prepare_exec(plan);
  if (!plan.init_is_pid1) {
    for (const auto& fd : held) ::fcntl(fd.get(), F_SETFD, 0);  // COMMAND holds the locks
    exec_command(plan, ctx, args);
  }
  // Before COMMAND exists to read /proc/1/environ (its own environment is args, on the heap).
  init::forget_environment();
  // vfork: no copy of init's page tables, init waits only until COMMAND execs (or fails).
  pid_t command = ::vfork();
  if (command < 0) fail(ctx, Error{"init", "vfork", "", errno, ""});
  if (command == 0) {
    for (const auto& fd : held) ::close(fd.get());  // the locks stay init's
    exec_command(plan, ctx, args);
  }
  ::close(ctx.report_fd);
  // init keeps no privileges it does not need (reaping and kill() need none), only the guard
  // that closes its memory to COMMAND.
  (void)caps::keep_only_a_guard();
  (void)caps::set_no_new_privs();
  init::run(command);
}

[[noreturn]] void namespace_child(const Plan& plan, ChildContext ctx) {
  SetupTrace trace(plan.trace_setup, "child");
  wait_for_parent(ctx);
  if (plan.die_with_parent) die_with_parent(ctx);
  if (plan.userns_fd >= 0) join_then_unshare(plan, ctx);
  enter_user_namespace(plan, ctx);
  if (plan.pidns_fd >= 0) join_pid_namespace(plan, ctx);
  trace.mark("user namespace id maps");
  if (plan.userns_block_fd >= 0) wait_for_byte(ctx, plan.userns_block_fd, "--userns-block-fd");
  check(ctx, engine::name_and_loopback(plan, ctx.flags));
  trace.mark("hostname, loopback");
  auto held = engine::build_root(plan, trace);
  if (!held) fail(ctx, held.take_error());
  // --disable-userns moved the process into a nested user namespace: new credentials.
  if (plan.disable_userns && plan.die_with_parent) die_with_parent(ctx);
  run_command(plan, ctx, *held);
}

[[noreturn]] void chroot_child(const Plan& plan, const ChildContext& ctx) {
  wait_for_parent(ctx);
  if (plan.die_with_parent) die_with_parent(ctx);
  check(ctx, engine::enter_chroot(plan));
  ChildContext chrooted = ctx;
  chrooted.chroot_mode = true;
  ExecArgs args = prepare_exec(plan);
  exec_command(plan, chrooted, args);
}

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> make_pipe(const char* what) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error{what, "pipe2", "", errno, ""};
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

bool namespaces_refused(int err) {
  return err == EPERM || err == ENOSPC || err == EUSERS || err == EINVAL || err == EACCES;
}

struct Child {
  pid_t pid = -1;
  UniqueFd pidfd;
};

Result<Child> clone_child(std::uint64_t flags, int cgroup_fd) {
  int pidfd = -1;
  uapi::CloneArgs args{};
  args.flags = flags | CLONE_PIDFD;
  if (cgroup_fd >= 0) {
    // Born inside its cgroup: no moment runs outside the limits.
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<std::uint64_t>(cgroup_fd);
  }
  args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  pid_t pid = sys::clone3(args);
  if (pid < 0) return Error{"namespaces", "clone3", "", errno, ""};
  Child child;
  child.pid = pid;
  if (pid > 0) child.pidfd.reset(pidfd);
  return child;
}

// clone3 with the plan's namespaces, dropping the optional ones the kernel refuses.
Result<Child> clone_with_fallbacks(const Plan& plan, std::uint64_t& flags, int cgroup_fd) {
  for (;;) {
    auto child = clone_child(flags, cgroup_fd);
    if (child) return child;
    const int err = child.error().err;
    if (!namespaces_refused(err)) return child;
    if (plan.user_ns_optional && (flags & CLONE_NEWUSER)) {
      flags &= ~CLONE_NEWUSER;
      continue;
    }
    if (plan.cgroup_ns_optional && (flags & CLONE_NEWCGROUP)) {
      flags &= ~CLONE_NEWCGROUP;
      continue;
    }
    auto e = child.take_error();
    e.hint = refusal::cause(err) + "; `cloister check` shows what works here";
    return e;
  }
}

class Supervisor {
 public:
  Supervisor(Child child, UniqueFd report, StopTimeout stop)
      : child_(std::move(child)), report_(std::move(report)), stop_(std::move(stop)) {}

  // Forwards signals until the child exits; collects a failure record if one comes.
  Outcome wait() {
    const sigset_t set = signals::watched();
    UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
    for (;;) {
      // A negative fd (no report pipe left, no --stop-timeout) is skipped by poll.
      pollfd fds[4] = {{child_.pidfd.get(), POLLIN, 0},
                       {sfd.get(), POLLIN, 0},
                       {report_ ? report_.get() : -1, POLLIN, 0},
                       {stop_.fd(), POLLIN, 0}};
      if (::poll(fds, 4, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[3].revents) note(stop_.expire(child_.pidfd.get()));
      if (fds[2].revents) read_report();
      if (fds[1].revents) forward(sfd.get());
      if (fds[0].revents) break;
    }
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(child_.pid), &info, WEXITED) != 0 && errno == EINTR) {
    }
    if (report_) read_report();
    outcome_.exit_code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
    if (stop_.expired()) outcome_.notices.push_back(stop_.notice());
    return std::move(outcome_);
  }

 private:
  void read_report() {
    report::Record record;
    ssize_t n = ::read(report_.get(), &record, sizeof record);
    if (n == static_cast<ssize_t>(sizeof record)) outcome_.error = report::decode(record);
    if (n <= 0 || n == static_cast<ssize_t>(sizeof record)) report_.reset();
  }

  void forward(int sfd) {
    signalfd_siginfo info{};
    if (::read(sfd, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return;
    if (info.ssi_signo == SIGCHLD) return;
    sys::pidfd_send_signal(child_.pidfd.get(), static_cast<int>(info.ssi_signo));
    note(stop_.signalled(static_cast<int>(info.ssi_signo)));
  }

  void note(Status st) {
    if (!st) outcome_.notices.push_back(st.error().message());
  }

  Child child_;
  UniqueFd report_;
  StopTimeout stop_;
  Outcome outcome_;
};

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// The keeper, for sandboxes that leave something outside their namespaces (a cgroup, pasta).
Result<std::optional<keeper::Keeper>> start_keeper(const Plan& plan) {
  const bool pasta = plan.net == NetMode::Pasta && plan.mode != SandboxMode::Chroot;
  const bool cgroup = plan.cgroup && plan.cgroup->creates();
  if (!cgroup && !pasta) return std::optional<keeper::Keeper>{};
  auto started = keeper::Keeper::start({plan.pasta_binary, plan.forwards});
  if (!started) return started.take_error();
  return std::optional<keeper::Keeper>{std::move(*started)};
}

// The sandbox's cgroup, as the plan's cgroup steps say. best-effort: what the plan left out,
// and running without a cgroup when the host refuses one, are said.
Result<std::optional<cgroups::Sandbox>> make_cgroup(const Plan& plan,
                                                    std::optional<keeper::Keeper>& keeper,
                                                    Outcome& failed) {
  if (!plan.cgroup) return std::optional<cgroups::Sandbox>{};
  const CgroupPlan& c = *plan.cgroup;
  for (const auto& d : c.dropped) failed.notices.push_back("cgroup: " + d);
  if (!c.creates()) return std::optional<cgroups::Sandbox>{};
  std::vector<std::string> warnings;
  auto tell_keeper = [&keeper](const std::string& dir, bool shared) {
    return keeper->guard_cgroup(dir, shared);
  };
  auto sandbox = cgroups::Sandbox::create(c, warnings, tell_keeper);
  for (auto& w : warnings) failed.notices.push_back(std::move(w));
  if (!sandbox) {
    if (!c.best_effort) return sandbox.take_error();
    failed.notices.push_back("running without a cgroup (best effort): " +
                             sandbox.error().message());
    return std::optional<cgroups::Sandbox>{};
  }
  return std::optional<cgroups::Sandbox>{std::move(*sandbox)};
}

parent_watch::Parent parent_of(const Plan& plan) {
  if (plan.parent_pidfd >= 0) return {0, plan.parent_pidfd, "--parent-pidfd"};
  if (plan.parent_pid != 0) return {plan.parent_pid, -1, "--parent-pid"};
  return {plan.expected_parent, -1, "--die-with-parent"};
}

}  // namespace

Outcome launch(const Plan& plan) {
  Outcome failed{kExitSetupFailed, std::nullopt, {}};
  // First, before anything is opened or started: nothing unnamed reaches the sandbox, the
  // keeper or pasta.
  if (auto closed = engine::close_inherited_descriptors(plan); !closed)
    return failed.error = closed.take_error(), failed;
  // cloister itself dies with its parent; one already gone is an error before anything starts.
  if (plan.die_with_parent)
    if (auto st = parent_watch::die_with(parent_of(plan)); !st)
      return failed.error = st.take_error(), failed;
  auto stop = StopTimeout::create(plan.stop_timeout_ms, plan.exec_path);
  if (!stop) return failed.error = stop.take_error(), failed;
  auto report = make_pipe("report pipe");
  if (!report) return failed.error = report.take_error(), failed;
  // Declared before the cgroup: destroyed after it, the keeper's cleanup comes last.
  auto keeper = start_keeper(plan);
  if (!keeper) return failed.error = keeper.take_error(), failed;
  auto cgroup = make_cgroup(plan, *keeper, failed);
  if (!cgroup) return failed.error = cgroup.take_error(), failed;
  const int cgroup_fd = *cgroup ? (*cgroup)->clone_into_fd() : -1;
  const bool attach_after_clone = *cgroup && plan.cgroup->entry == CgroupEntry::AttachAfterClone;
  Pipe parent_ready;
  const bool pasta = plan.net == NetMode::Pasta;
  if (plan.ids.written_by_parent || attach_after_clone || pasta) {
    auto p = make_pipe("parent sync pipe");
    if (!p) return failed.error = p.take_error(), failed;
    parent_ready = std::move(*p);
  }
  UniqueFd parent_pidfd;
  if (plan.die_with_parent) {
    // The sandbox dies with cloister (its own death signal, checked against this pidfd).
    parent_pidfd.reset(sys::pidfd_open(::getpid()));
    if (!parent_pidfd)
      return failed.error = Error{"--die-with-parent", "pidfd_open", "", errno, ""}, failed;
  }

  SetupTrace trace(plan.trace_setup, "parent");
  const sigset_t watched = signals::watched();
  sigset_t saved;
  ::sigprocmask(SIG_BLOCK, &watched, &saved);

  ChildContext ctx{
      report->write.get(), parent_ready.read.get(), false, parent_pidfd.get(), 0, false};
  std::uint64_t flags = plan.userns_fd >= 0 ? 0 : plan.clone_flags;
  if (attach_after_clone && plan.cgroup->late_namespace && (flags & CLONE_NEWCGROUP)) {
    // The cgroup namespace's root is fixed when it is created: after the attach, not before.
    flags &= ~CLONE_NEWCGROUP;
    ctx.late_cgroup_ns = true;
  }
  bool chroot_mode = plan.mode == SandboxMode::Chroot;
  Result<Child> child = Error{};
  if (!chroot_mode) {
    child = clone_with_fallbacks(plan, flags, cgroup_fd);
    if (!child && plan.mode == SandboxMode::Auto) {
      if (!plan.chroot) {
        auto e = child.take_error();
        e.hint = "and chroot mode cannot stand in: " + plan.chroot_unavailable;
        return failed.error = e, failed;
      }
      failed.notices.push_back(
          "namespaces refused (clone3: " + std::string(std::strerror(child.error().err)) +
          "); falling back to chroot mode, without: " + join_list(plan.chroot->lost));
      chroot_mode = true;
    }
  }
  if (chroot_mode) {
    if (plan.mode == SandboxMode::Chroot)
      failed.notices.push_back("chroot mode without: " + join_list(plan.chroot->lost));
    ctx.late_cgroup_ns = false;
    child = clone_child(0, cgroup_fd);
  }
  if (!child) return failed.error = child.take_error(), failed;
  if (child->pid == 0) {
    ctx.flags = flags | (ctx.late_cgroup_ns ? CLONE_NEWCGROUP : 0);
    report->read.reset();
    // Only the parent may hold these: a parent that dies must be seen as EOF.
    parent_ready.write.reset();
    if (*keeper) (*keeper)->disown_in_child();
    if (chroot_mode) chroot_child(plan, ctx);
    namespace_child(plan, ctx);
  }

  trace.mark("resolve to clone3 done");
  report->write.reset();
  parent_ready.read.reset();
  auto abandon = [&](Error e) {
    ::kill(child->pid, SIGKILL);
    ::waitpid(child->pid, nullptr, 0);
    failed.error = std::move(e);
    return failed;
  };
  if (*keeper) {
    auto st = (*keeper)->guard_sandbox(child->pidfd.get());
    if (!st) return abandon(st.take_error());
  }
  if (attach_after_clone) {
    auto st = (*cgroup)->attach(child->pid);
    if (!st) return abandon(st.take_error());
  }
  if (plan.ids.written_by_parent && (flags & CLONE_NEWUSER) && !chroot_mode) {
    auto st = ns::write_id_maps_for(child->pid, plan.ids);
    if (!st) return abandon(st.take_error());
  }
  if (pasta && !chroot_mode) {
    // Before the child goes on: COMMAND starts with its network already configured.
    auto started = (*keeper)->start_pasta(child->pid);
    if (!started) return abandon(started.take_error());
  }
  if (parent_ready.write && ::write(parent_ready.write.get(), "1", 1) != 1)
    return abandon(Error{"parent sync pipe", "write", "", errno, ""});
  status::write_start(plan, child->pid);
  Supervisor supervisor(std::move(*child), std::move(report->read), std::move(*stop));
  Outcome outcome = supervisor.wait();
  ::sigprocmask(SIG_SETMASK, &saved, nullptr);
  std::optional<cgroups::Stats> stats;
  if (*cgroup) {
    auto st = (*cgroup)->kill_and_remove();
    stats = (*cgroup)->stats();
    if (!st) outcome.notices.push_back("cgroup cleanup: " + st.error().message());
  }
  if (*keeper) (*keeper)->finish();
  if (!outcome.error || !plan.exit_record_only_if_ran)
    status::write_exit(plan, outcome.exit_code, stats);
  outcome.notices.insert(outcome.notices.begin(), failed.notices.begin(), failed.notices.end());
  return outcome;
}

}  // namespace cloister
