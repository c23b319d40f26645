#include "process/child.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "isolate/capabilities.hpp"
#include "isolate/descriptors.hpp"
#include "isolate/namespaces.hpp"
#include "isolate/seccomp_notify.hpp"
#include "kernel/fd.hpp"
#include "process/engine.hpp"
#include "process/init.hpp"
#include "process/launcher.hpp"
#include "process/passwd.hpp"
#include "process/program.hpp"
#include "process/report.hpp"
#include "process/signals.hpp"
#include "process/trace.hpp"

namespace cloister::child {
namespace {

[[noreturn]] void fail(const Context& ctx, Error e, int code = kExitSetupFailed) {
  report::fail(ctx.report_fd, e, code);
}

void check(const Context& ctx, Status st) {
  if (!st.ok()) fail(ctx, st.take_error());
}

// PR_SET_PDEATHSIG is lost if the parent died before it was set; the parent's pidfd tells.
void die_with_parent(const Context& ctx) {
  auto gone = engine::set_death_signal(ctx.parent_pidfd);
  if (!gone) fail(ctx, gone.take_error());
  if (*gone) ::_exit(kExitSetupFailed);
}

void wait_for_byte(const Context& ctx, int fd, const char* option) {
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
  std::string home;
  const char* path = nullptr;  // searched for a program name without '/'
};

// Once the root is built: HOME from the sandbox's own /etc/passwd is read here.
ExecArgs prepare_exec(const Plan& plan) {
  ExecArgs args;
  for (const auto& a : plan.argv) args.argv.push_back(const_cast<char*>(a.c_str()));
  args.argv.push_back(nullptr);
  for (const auto& e : plan.env)
    if (!plan.exec.set_pwd || e.rfind("PWD=", 0) != 0)
      args.envp.push_back(const_cast<char*>(e.c_str()));
  if (plan.exec.set_pwd) {
    // PWD names the directory COMMAND really starts in (bwrap does the same).
    char cwd[4096];
    args.pwd = std::string("PWD=") + (::getcwd(cwd, sizeof cwd) ? cwd : "/");
    args.envp.push_back(args.pwd.data());
  }
  if (plan.home_of_uid) {
    args.home = "HOME=" + passwd::home_of(*plan.home_of_uid);
    args.envp.push_back(args.home.data());
  }
  args.envp.push_back(nullptr);
  args.path = program::path_of(args.envp.data(), plan.exec.default_path.c_str());
  return args;
}

[[noreturn]] void exec_failed(const Plan& plan, const Context& ctx, const ExecArgs& args, int err) {
  const int code = program::exit_code_for(err);
  if (!plan.exec.name_on_stderr.empty())
    fail(ctx, program::oci_error(plan.exec_path, args.path, err), code);
  // The words of bubblewrap's message ("execvp NAME"), which `cloister bwrap` keeps.
  std::string hint = err == ENOENT    ? "COMMAND must exist inside the sandbox"
                     : err == ENOEXEC ? program::failure_hint(plan.exec_path, args.path, err)
                                      : "";
  fail(ctx, Error{"exec", "execvp", plan.exec_path, err, hint}, code);
}

// After `start`: nothing reads the report pipe any more (`create` returned), so the error
// goes to the process's own stderr too, which the engine shows (runc and crun say it there).
[[noreturn]] void exec_failed_after_start(const Plan& plan, const Context& ctx,
                                          const ExecArgs& args, int err) {
  const Error e = program::oci_error(plan.exec_path, args.path, err);
  const std::string line = plan.exec.name_on_stderr + ": " + e.message() + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  fail(ctx, e, program::exit_code_for(err));
}

// What exec would run, checked without running it: an OCI `create` reports a missing
// program, or a directory, itself, before it returns (`start` has no way to).
void check_executable(const Plan& plan, const Context& ctx, const ExecArgs& args) {
  if (const int err = program::check(plan.exec_path, args.path); err != 0)
    exec_failed(plan, ctx, args, err);
}

void say_created(const Context& ctx) {
  (void)!::write(ctx.created_fd, "c", 1);
  ::close(ctx.created_fd);
}

// An OCI container: every step done, the program found, then `create` is told and the
// process waits for `start` (a byte on the exec fifo), then execs. Its filters must allow
// the write and the read (any filter that lets a program run does).
[[noreturn]] void exec_when_started(const Plan& plan, const Context& ctx, ExecArgs& args) {
  signals::reset_for_exec();
  check(ctx, engine::drop_privileges(plan, {.chroot_mode = ctx.chroot_mode}));
  check_executable(plan, ctx, args);
  check(ctx, engine::install_seccomp(plan, ctx.chroot_mode, false));
  say_created(ctx);
  if (plan.block_fd >= 0) wait_for_byte(ctx, plan.block_fd, "exec fifo");
  const int err = program::exec(plan.exec_path.c_str(), args.argv.data(), args.envp.data(),
                                args.path, plan.exec.shell_fallback);
  if (plan.exec.name_on_stderr.empty()) exec_failed(plan, ctx, args, err);
  exec_failed_after_start(plan, ctx, args, err);
}

// The last steps before COMMAND runs: the engine's privileges and seccomp phases, then exec.
// Allocates nothing unless it fails.
[[noreturn]] void exec_command(const Plan& plan, const Context& ctx, ExecArgs& args) {
  if (ctx.created_fd >= 0) exec_when_started(plan, ctx, args);
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

  const int err = program::exec(plan.exec_path.c_str(), args.argv.data(), args.envp.data(),
                                args.path, plan.exec.shell_fallback);
  exec_failed(plan, ctx, args, err);
}

void enter_user_namespace(const Plan& plan, const Context& ctx) {
  check(ctx, engine::take_ids(plan, ctx.flags));
  // Changing ids cleared PR_SET_PDEATHSIG.
  if ((ctx.flags & CLONE_NEWUSER) && plan.ids.written_by_parent && plan.die_with_parent)
    die_with_parent(ctx);
}

// A new or joined PID namespace applies only to children: fork once more; this process
// stays outside, relaying signals and COMMAND's status like an init.
void fork_into_pid_namespace(const Context& ctx) {
  pid_t pid = ::fork();
  if (pid < 0) fail(ctx, Error{"namespaces", "fork", "", errno, ""});
  if (pid == 0) return;
  ::close(ctx.report_fd);
  init::run(pid);
}

// --userns FD: the clone had no namespace flags; join, then create the rest.
void join_then_unshare(const Plan& plan, Context& ctx) {
  check(ctx, engine::join_user_namespace(plan));
  const std::uint64_t rest = plan.clone_flags & ~CLONE_NEWUSER;
  if (::unshare(static_cast<int>(rest)) != 0)
    fail(ctx, Error{"namespaces", "unshare", "", errno, ""});
  ctx.flags = rest;
  if ((rest & CLONE_NEWPID) && plan.pidns_fd < 0) fork_into_pid_namespace(ctx);
}

// --pidns FD, joined from inside the sandbox's user namespace (the one that owns it), as
// joining needs CAP_SYS_ADMIN over that PID namespace.
void join_pid_namespace(const Plan& plan, const Context& ctx) {
  check(ctx, ns::join(plan.pidns_fd, CLONE_NEWPID, "--pidns"));
  fork_into_pid_namespace(ctx);
}

// The parent writes id maps and attaches cgroup v1 hierarchies after clone; nothing in the
// child may run before (its memory would be charged outside its cgroup).
void wait_for_parent(const Context& ctx) {
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
[[noreturn]] void run_command(const Plan& plan, const Context& ctx,
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

[[noreturn]] void namespace_child(const Plan& plan, Context ctx) {
  SetupTrace trace(plan.trace_setup, "child");
  wait_for_parent(ctx);
  if (plan.die_with_parent) die_with_parent(ctx);
  if (plan.userns_fd >= 0) join_then_unshare(plan, ctx);
  enter_user_namespace(plan, ctx);
  if (plan.pidns_fd >= 0) join_pid_namespace(plan, ctx);
  trace.mark("user namespace id maps");
  if (plan.userns_block_fd >= 0) wait_for_byte(ctx, plan.userns_block_fd, "--userns-block-fd");
  check(ctx, engine::join_namespaces(plan));
  check(ctx, engine::name_and_loopback(plan, ctx.flags));
  check(ctx, engine::write_sysctls(plan));
  trace.mark("hostname, loopback, sysctls");
  auto held = engine::build_root(plan, trace);
  if (!held) fail(ctx, held.take_error());
  // --disable-userns moved the process into a nested user namespace: new credentials.
  if (plan.disable_userns && plan.die_with_parent) die_with_parent(ctx);
  run_command(plan, ctx, *held);
}

[[noreturn]] void chroot_child(const Plan& plan, const Context& ctx) {
  wait_for_parent(ctx);
  if (plan.die_with_parent) die_with_parent(ctx);
  check(ctx, engine::enter_chroot(plan));
  Context chrooted = ctx;
  chrooted.chroot_mode = true;
  ExecArgs args = prepare_exec(plan);
  exec_command(plan, chrooted, args);
}

// The starter's descriptors at their numbers, before any step: every one to keep is first
// lifted above all the targets, so that placing one never overwrites another still to come.
void place_descriptors(Context& ctx) {
  if (ctx.placement_count == 0 && !ctx.close_others) return;
  int floor = 3;
  for (int fd : {ctx.report_fd, ctx.parent_ready_fd, ctx.parent_pidfd, ctx.created_fd})
    floor = std::max(floor, fd + 1);
  for (std::size_t i = 0; i < ctx.placement_count; ++i)
    floor = std::max({floor, ctx.placements[i].to + 1, ctx.placements[i].from + 1});
  auto lift = [floor](int fd) { return fd < 0 ? -1 : ::fcntl(fd, F_DUPFD_CLOEXEC, floor); };
  ctx.report_fd = lift(ctx.report_fd);
  if (ctx.report_fd < 0) ::_exit(kExitSetupFailed);  // nothing to report through
  ctx.parent_ready_fd = lift(ctx.parent_ready_fd);
  ctx.parent_pidfd = lift(ctx.parent_pidfd);
  ctx.created_fd = lift(ctx.created_fd);
  std::vector<int> lifted;
  for (std::size_t i = 0; i < ctx.placement_count; ++i) {
    lifted.push_back(lift(ctx.placements[i].from));
    if (lifted.back() < 0)
      fail(ctx, Error{"descriptors", "fcntl(F_DUPFD)",
                      "fd " + std::to_string(ctx.placements[i].from), errno, ""});
  }
  std::vector<int> keep{ctx.report_fd, ctx.parent_ready_fd, ctx.parent_pidfd, ctx.created_fd};
  for (std::size_t i = 0; i < ctx.placement_count; ++i) {
    const int to = ctx.placements[i].to;
    if (::dup2(lifted[i], to) < 0)  // the copy at `to` survives exec
      fail(ctx, Error{"descriptors", "dup2", "fd " + std::to_string(to), errno, ""});
    keep.push_back(to);
  }
  if (ctx.close_others) check(ctx, descriptors::close_all_except(keep));
}

}  // namespace

[[noreturn]] void run_in_namespaces(const Plan& plan, Context ctx) {
  place_descriptors(ctx);
  namespace_child(plan, ctx);
}

[[noreturn]] void run_in_chroot(const Plan& plan, Context ctx) {
  place_descriptors(ctx);
  chroot_child(plan, ctx);
}

}  // namespace cloister::child
