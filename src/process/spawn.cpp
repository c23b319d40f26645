#include "process/spawn.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "isolate/namespaces.hpp"
#include "isolate/refusal.hpp"
#include "kernel/syscalls.hpp"
#include "process/report.hpp"
#include "process/trace.hpp"

namespace cloister::spawn {
namespace {

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
Result<std::optional<cgroups::Sandbox>> make_cgroup(const Plan& plan, keeper::Keeper* keeper,
                                                    std::vector<std::string>& notices) {
  if (!plan.cgroup) return std::optional<cgroups::Sandbox>{};
  const CgroupPlan& c = *plan.cgroup;
  for (const auto& d : c.dropped) notices.push_back("cgroup: " + d);
  if (!c.creates()) return std::optional<cgroups::Sandbox>{};
  std::vector<std::string> warnings;
  // Without a keeper (a supervisor guarding its subtree from outside) nothing is told.
  auto tell_keeper = [&keeper](const std::string& dir, bool shared) -> Status {
    if (!keeper) return ok_status();
    return keeper->guard_cgroup(dir, shared);
  };
  auto sandbox = cgroups::Sandbox::create(c, warnings, tell_keeper);
  for (auto& w : warnings) notices.push_back(std::move(w));
  if (!sandbox) {
    if (!c.best_effort) return sandbox.take_error();
    notices.push_back("running without a cgroup (best effort): " + sandbox.error().message());
    return std::optional<cgroups::Sandbox>{};
  }
  return std::optional<cgroups::Sandbox>{std::move(*sandbox)};
}

}  // namespace

Running::~Running() {
  if (finished_ || !pidfd_) return;
  kill_all();
  (void)finish();
}

void Running::read_report() {
  if (!report_) return;
  report::Record record;
  ssize_t n = ::read(report_.get(), &record, sizeof record);
  if (n == static_cast<ssize_t>(sizeof record)) error_ = report::decode(record);
  if (n <= 0 || n == static_cast<ssize_t>(sizeof record)) report_.reset();
}

std::optional<cgroups::Stats> Running::stats() const {
  if (!cgroup_) return std::nullopt;
  return cgroup_->stats();
}

void Running::kill_all() {
  if (finished_ || !pidfd_) return;
  if (cgroup_) (void)cgroup_->kill_and_remove();
  sys::pidfd_send_signal(pidfd_.get(), SIGKILL);
}

std::vector<std::string> Running::cgroup_paths() const {
  return cgroup_ ? cgroup_->paths() : std::vector<std::string>{};
}

std::vector<std::string> Running::release() {
  finished_ = true;
  std::vector<std::string> paths;
  if (cgroup_) paths = cgroup_->release();
  return paths;
}

Ended Running::finish() {
  Ended ended;
  siginfo_t info{};
  while (::waitid(P_PIDFD, static_cast<id_t>(pidfd_.get()), &info, WEXITED) != 0 &&
         errno == EINTR) {
  }
  finished_ = true;
  read_report();
  report_.reset();
  ended.outcome.exit_code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
  ended.outcome.error = std::move(error_);
  if (cgroup_) {
    auto st = cgroup_->kill_and_remove();
    ended.stats = cgroup_->stats();
    if (!st) ended.outcome.notices.push_back("cgroup cleanup: " + st.error().message());
  }
  if (keeper_) keeper_->finish();
  return ended;
}

Result<Running> start(const Plan& plan, const Options& options, std::vector<std::string>& notices) {
  Running running;
  auto report = make_pipe("report pipe");
  if (!report) return report.take_error();
  if (options.keeper) {
    auto keeper = start_keeper(plan);
    if (!keeper) return keeper.take_error();
    if (*keeper) running.keeper_.emplace(std::move(**keeper));
  }
  keeper::Keeper* guard = running.keeper_ ? &*running.keeper_ : options.guard;
  auto cgroup = make_cgroup(plan, guard, notices);
  if (!cgroup) return cgroup.take_error();
  running.cgroup_ = std::move(*cgroup);
  const int cgroup_fd = running.cgroup_ ? running.cgroup_->clone_into_fd() : -1;
  const bool attach_after_clone =
      running.cgroup_ && plan.cgroup->entry == CgroupEntry::AttachAfterClone;
  Pipe parent_ready;
  const bool pasta = plan.net == NetMode::Pasta;
  if (plan.ids.written_by_parent || attach_after_clone || pasta) {
    auto p = make_pipe("parent sync pipe");
    if (!p) return p.take_error();
    parent_ready = std::move(*p);
  }
  UniqueFd self_pidfd;  // the child's parent, for its race-free death signal
  if (plan.die_with_parent) {
    self_pidfd.reset(sys::pidfd_open(::getpid()));
    if (!self_pidfd) return Error{"--die-with-parent", "pidfd_open", "", errno, ""};
  }

  SetupTrace trace(plan.trace_setup, "parent");
  child::Context ctx{report->write.get(),
                     parent_ready.read.get(),
                     false,
                     self_pidfd.get(),
                     0,
                     false,
                     options.placements.data(),
                     options.placements.size(),
                     options.close_others_in_child,
                     options.created_fd};
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
        return e;
      }
      notices.push_back(
          "namespaces refused (clone3: " + std::string(std::strerror(child.error().err)) +
          "); falling back to chroot mode, without: " + join_list(plan.chroot->lost));
      chroot_mode = true;
    }
  }
  if (chroot_mode) {
    if (plan.mode == SandboxMode::Chroot)
      notices.push_back("chroot mode without: " + join_list(plan.chroot->lost));
    ctx.late_cgroup_ns = false;
    child = clone_child(0, cgroup_fd);
  }
  if (!child) return child.take_error();
  if (child->pid == 0) {
    ctx.flags = flags | (ctx.late_cgroup_ns ? CLONE_NEWCGROUP : 0);
    report->read.reset();
    // Only the parent may hold these: a parent that dies must be seen as EOF.
    parent_ready.write.reset();
    if (running.keeper_) running.keeper_->disown_in_child();
    if (chroot_mode) child::run_in_chroot(plan, ctx);
    child::run_in_namespaces(plan, ctx);
  }

  trace.mark("resolve to clone3 done");
  running.pid_ = child->pid;
  running.pidfd_ = std::move(child->pidfd);
  running.report_ = std::move(report->read);
  report->write.reset();
  parent_ready.read.reset();
  // From here on an error return destroys `running`: the child is killed and reaped.
  if (running.keeper_) CLOISTER_TRY(running.keeper_->guard_sandbox(running.pidfd_.get()));
  if (attach_after_clone) CLOISTER_TRY(running.cgroup_->attach(running.pid_));
  if (plan.ids.written_by_parent && (flags & CLONE_NEWUSER) && !chroot_mode)
    CLOISTER_TRY(ns::write_id_maps_for(running.pid_, plan.ids));
  if (pasta && !chroot_mode) {
    if (!running.keeper_)
      return Error{"--net=pasta", "needs the keeper", "", 0, "not available to this starter"};
    // Before the child goes on: COMMAND starts with its network already configured.
    CLOISTER_TRY(running.keeper_->start_pasta(running.pid_));
  }
  if (parent_ready.write && ::write(parent_ready.write.get(), "1", 1) != 1)
    return Error{"parent sync pipe", "write", "", errno, ""};
  return running;
}

}  // namespace cloister::spawn
