// The C++ API over the step engine (process/engine): the same steps `cloister run`'s child
// takes, applied to the calling process in the phases the daemon chooses.
#include "cloister/sandbox.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iterator>
#include <optional>

#include "isolate/descriptors.hpp"
#include "isolate/refusal.hpp"
#include "library/daemon.hpp"
#include "plan/plan.hpp"
#include "policy/profile.hpp"
#include "process/engine.hpp"
#include "process/trace.hpp"

namespace cloister {

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::Created: return "created";
    case Phase::Compiled: return "compile";
    case Phase::Namespaces: return "namespaces";
    case Phase::Filesystem: return "filesystem";
    case Phase::Privileges: return "privileges";
    case Phase::Seccomp: return "seccomp";
  }
  return "?";
}

struct Sandbox::State {
  Policy policy;
  std::optional<Plan> plan;
  Phase done = Phase::Created;
  std::optional<Error> failed;  // a phase that failed: the process is partly confined
  bool chroot_mode = false;
  bool daemonized = false;
  std::vector<int> handles;  // kept through the descriptor step
  std::vector<std::string> notices;
  std::vector<UniqueFd> held;  // the root's lock files
  daemon::Report report;       // a daemon's channel to its caller
};

namespace {

Policy library_defaults() {
  Policy p;
  p.default_root = false;  // an empty root: the daemon binds what it needs
  return p;
}

Error phase_error(Phase phase, const std::string& what, const std::string& hint) {
  return Error{std::string("phase ") + phase_name(phase), what, "", 0, hint};
}

const char* kOrder = "compile -> namespaces -> [daemonize] -> filesystem -> privileges -> seccomp";

// A namespace refusal auto mode may fall back from: the kernel said no to creating them.
bool refused(const Error& e) {
  return e.op == "unshare" && (e.err == EPERM || e.err == ENOSPC || e.err == EUSERS ||
                               e.err == EINVAL || e.err == EACCES);
}

// The kernel refuses a new user namespace to a process with several threads (EINVAL).
bool several_threads() {
  std::error_code ignored;
  auto tasks = std::filesystem::directory_iterator("/proc/self/task", ignored);
  return std::distance(tasks, std::filesystem::directory_iterator{}) > 1;
}

Status with_thread_hint(Status s, const Plan& plan) {
  if (!s && s.error().err == EINVAL && (plan.clone_flags & CLONE_NEWUSER) && several_threads()) {
    Error e = s.take_error();
    e.hint =
        "a process with several threads cannot enter a new user namespace: "
        "call enter_namespaces() before starting threads";
    return e;
  }
  return s;
}

}  // namespace

Sandbox::Sandbox() : Sandbox(library_defaults()) {}
Sandbox::Sandbox(Policy policy) : state_(std::make_unique<State>()) {
  state_->policy = std::move(policy);
}
Sandbox::Sandbox(Sandbox&&) noexcept = default;
Sandbox& Sandbox::operator=(Sandbox&&) noexcept = default;
Sandbox::~Sandbox() = default;

Result<Sandbox> Sandbox::from_profile_file(const std::string& path) {
  Sandbox s;
  CLOISTER_TRY(s.load_profile_file(path));
  return s;
}

Result<Sandbox> Sandbox::from_profile_text(const std::string& text, const std::string& name) {
  Sandbox s;
  CLOISTER_TRY(s.load_profile_text(text, name));
  return s;
}

Policy& Sandbox::policy() { return state_->policy; }

Status Sandbox::load_profile_file(const std::string& path) {
  if (state_->done != Phase::Created)
    return phase_error(Phase::Compiled, "a profile loaded after compile()", "load it before");
  return profile::load_file(path, state_->policy);
}

Status Sandbox::load_profile_text(const std::string& text, const std::string& name) {
  if (state_->done != Phase::Created)
    return phase_error(Phase::Compiled, "a profile loaded after compile()", "load it before");
  return profile::load_text(text, name, state_->policy);
}

Result<int> Sandbox::open(const std::string& path, int flags, mode_t mode) {
  if (state_->done >= Phase::Privileges)
    return phase_error(Phase::Privileges, "open() after the privileges phase",
                       "open handles before confining (or after, without keeping them)");
  const int fd = ::openat(AT_FDCWD, path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return Error{"open", "openat", path, errno, ""};
  state_->handles.push_back(fd);
  return fd;
}

Status Sandbox::keep(int fd) {
  if (state_->done >= Phase::Privileges)
    return phase_error(Phase::Privileges, "keep() after the privileges phase", "");
  if (!descriptors::is_open(fd))
    return Error{"keep", "fd " + std::to_string(fd) + " is not open", "", EBADF, ""};
  state_->handles.push_back(fd);
  return ok_status();
}

Phase Sandbox::phase() const { return state_->done; }
SandboxMode Sandbox::mode() const {
  return state_->chroot_mode ? SandboxMode::Chroot : SandboxMode::Namespace;
}
const std::vector<std::string>& Sandbox::notices() const { return state_->notices; }

// ---- the phases ----

namespace {

// Whether `next` may run now: after the phase before it, once, and not after a failure.
Status may_run(Phase done, Phase next, const std::optional<Error>& failed) {
  if (failed)
    return phase_error(next, "an earlier phase failed: " + failed->message(),
                       "the process is partly confined; it should exit");
  if (done >= next) return phase_error(next, "applied twice (or after a later phase)", kOrder);
  const auto before = static_cast<Phase>(static_cast<int>(next) - 1);
  if (done != before)
    return phase_error(next, std::string("called before phase ") + phase_name(before), kOrder);
  return ok_status();
}

}  // namespace

// Every phase: checked against the order, then applied; a failure is remembered (the later
// phases refuse) and, in a daemon, reported to the process that is waiting for it.
Status Sandbox::run_phase(Phase phase, Status (*steps)(State&)) {
  State& st = *state_;
  CLOISTER_TRY(may_run(st.done, phase, st.failed));
  Status result = steps(st);
  if (!result) {
    st.failed = result.error();
    st.report.failed(result.error());
    return result;
  }
  st.done = phase;
  return ok_status();
}

Status Sandbox::compile() {
  return run_phase(Phase::Compiled, [](State& st) -> Status {
    auto plan = resolve(st.policy, current_caller(), {.in_process = true});
    if (!plan) return plan.take_error();
    st.notices = plan->notices;
    if (plan->mode == SandboxMode::Chroot) {
      st.chroot_mode = true;
      for (const auto& lost : plan->chroot->lost)
        st.notices.push_back("chroot mode: without " + lost);
    }
    st.plan = std::move(*plan);
    return ok_status();
  });
}

Status Sandbox::enter_namespaces() {
  return run_phase(Phase::Namespaces, [](State& st) -> Status {
    Plan& plan = *st.plan;
    if (st.chroot_mode) return ok_status();
    if (plan.userns_fd >= 0) {
      CLOISTER_TRY(engine::join_user_namespace(plan));
      Plan rest = plan;
      rest.clone_flags &= ~static_cast<std::uint64_t>(CLONE_NEWUSER);
      return engine::unshare_namespaces(rest);
    }
    // In a chroot the mount tree cannot be made private from its root: auto mode knows
    // before it tries (a root caller's unshare would succeed, and pivot_root fail later).
    if (plan.mode == SandboxMode::Auto && plan.chroot && refusal::root_is_not_a_mount_point()) {
      st.chroot_mode = true;
      st.notices.push_back(
          "auto: this process runs in a chroot (its root is not a mount "
          "point); chroot mode instead");
      for (const auto& lost : plan.chroot->lost)
        st.notices.push_back("chroot mode: without " + lost);
      return ok_status();
    }
    auto entered = with_thread_hint(engine::unshare_namespaces(plan), plan);
    if (!entered && refused(entered.error()) && plan.user_ns_optional) {
      plan.clone_flags &= ~static_cast<std::uint64_t>(CLONE_NEWUSER);
      st.notices.push_back("no user namespace (" + entered.error().message() + ")");
      entered = engine::unshare_namespaces(plan);
    }
    if (entered || plan.mode != SandboxMode::Auto || !refused(entered.error())) return entered;
    if (!plan.chroot)
      return Error{entered.error().step, entered.error().op, "", entered.error().err,
                   "auto mode cannot fall back to chroot mode: " + plan.chroot_unavailable};
    st.chroot_mode = true;
    st.notices.push_back("auto: namespaces refused (" + entered.error().message() +
                         "); chroot mode instead");
    for (const auto& lost : plan.chroot->lost) st.notices.push_back("chroot mode: without " + lost);
    return ok_status();
  });
}

Result<pid_t> Sandbox::daemonize(const std::string& pid_file) {
  State& st = *state_;
  if (st.failed || st.done != Phase::Namespaces || st.daemonized)
    return phase_error(Phase::Namespaces,
                       st.daemonized ? "daemonize() called twice"
                                     : "daemonize() belongs between the namespaces and the "
                                       "filesystem phases",
                       kOrder);
  if (st.plan->die_with_parent)
    return Error{"daemonize", "conflicts with die-with-parent", "", 0,
                 "the daemon's parent exits once the daemon is confined"};
  // In namespace mode the daemon gets a mount namespace of its own (a copy of the caller's):
  // its root is not the caller's.
  const std::uint64_t namespaces =
      st.chroot_mode ? 0
                     : (st.plan->clone_flags & static_cast<std::uint64_t>(CLONE_NEWPID)) |
                           static_cast<std::uint64_t>(CLONE_NEWNS);
  auto forked = daemon::fork_daemon(pid_file, namespaces);
  if (!forked) return forked.take_error();
  st.daemonized = true;
  if (forked->pid != 0) return forked->pid;
  st.report = std::move(forked->report);
  st.handles.push_back(st.report.fd());
  return pid_t{0};
}

Status Sandbox::enter_filesystem() {
  return run_phase(Phase::Filesystem, [](State& st) -> Status {
    const Plan& plan = *st.plan;
    if (st.chroot_mode) return engine::enter_chroot(plan);
    if ((plan.clone_flags & CLONE_NEWPID) && !st.daemonized)
      return Error{"namespaces", "a PID namespace without daemonize()", "", 0,
                   "a process cannot enter a new PID namespace itself, only its children are "
                   "born there: daemonize(), or no PID namespace in the policy"};
    SetupTrace trace(plan.trace_setup, "library");
    auto held = engine::build_root(plan, trace);
    if (!held) return held.take_error();
    st.held = std::move(*held);
    return ok_status();
  });
}

Status Sandbox::drop_privileges() {
  return run_phase(Phase::Privileges, [](State& st) -> Status {
    Plan& plan = *st.plan;
    plan.inherited_kept.insert(plan.inherited_kept.end(), st.handles.begin(), st.handles.end());
    for (const auto& fd : st.held) plan.inherited_kept.push_back(fd.get());
    CLOISTER_TRY(
        engine::drop_privileges(plan, {.chroot_mode = st.chroot_mode, .close_inherited = true}));
    if (!plan.die_with_parent) return ok_status();
    // After the id switch, which clears the death signal.
    UniqueFd parent(static_cast<int>(::syscall(SYS_pidfd_open, plan.expected_parent, 0)));
    if (!parent) return Error{"die-with-parent", "pidfd_open", "", errno, "the parent is gone"};
    auto gone = engine::set_death_signal(parent.get());
    if (!gone) return gone.take_error();
    if (*gone) return Error{"die-with-parent", "the parent is gone", "", ESRCH, ""};
    return ok_status();
  });
}

Status Sandbox::apply_seccomp() {
  Status s = run_phase(Phase::Seccomp, [](State& st) -> Status {
    return engine::install_seccomp(*st.plan, st.chroot_mode, true);
  });
  if (s) state_->report.confined();
  return s;
}

Status Sandbox::confine() {
  if (state_->done < Phase::Compiled) CLOISTER_TRY(compile());
  if (state_->done < Phase::Namespaces) CLOISTER_TRY(enter_namespaces());
  if (state_->done < Phase::Filesystem) CLOISTER_TRY(enter_filesystem());
  if (state_->done < Phase::Privileges) CLOISTER_TRY(drop_privileges());
  return apply_seccomp();
}

}  // namespace cloister
