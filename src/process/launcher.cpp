#include "process/launcher.hpp"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "kernel/fd.hpp"
#include "kernel/syscalls.hpp"
#include "process/engine.hpp"
#include "process/parent_watch.hpp"
#include "process/signals.hpp"
#include "process/spawn.hpp"
#include "process/status.hpp"
#include "process/stop_timeout.hpp"

namespace cloister {
namespace {

using Ended = spawn::Ended;

// Forwards signals to the sandbox until its first process exits; --stop-timeout after a
// stopping signal, it kills the whole sandbox.
class Waiter {
 public:
  Waiter(spawn::Running& running, StopTimeout stop) : running_(running), stop_(std::move(stop)) {}

  Ended wait() {
    const sigset_t set = signals::watched();
    UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
    for (;;) {
      // poll skips negative descriptors: a report pipe already closed, no --stop-timeout.
      pollfd fds[4] = {{running_.pidfd(), POLLIN, 0},
                       {sfd.get(), POLLIN, 0},
                       {running_.report_fd(), POLLIN, 0},
                       {stop_.fd(), POLLIN, 0}};
      if (::poll(fds, 4, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      // A deadline passing as the sandbox ends on its own kills nothing and is not said.
      if (fds[3].revents && !fds[0].revents && stop_.expire()) running_.kill_all();
      if (fds[2].revents) running_.read_report();
      if (fds[1].revents) forward(sfd.get());
      if (fds[0].revents) break;
    }
    Ended ended = running_.finish();
    if (stop_.expired()) ended.outcome.notices.push_back(stop_.notice());
    return ended;
  }

 private:
  void forward(int sfd) {
    signalfd_siginfo info{};
    if (::read(sfd, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return;
    if (info.ssi_signo == SIGCHLD) return;
    sys::pidfd_send_signal(running_.pidfd(), static_cast<int>(info.ssi_signo));
    if (auto st = stop_.signalled(static_cast<int>(info.ssi_signo)); !st)
      running_.kill_all();  // no deadline could be set: the stop is not left unbounded
  }

  spawn::Running& running_;
  StopTimeout stop_;
};

// The process cloister must die with: named by --parent-pid/--parent-pidfd, or cloister's
// parent when it started (--die-with-parent).
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
  // cloister itself dies with its parent (and the sandbox with cloister); a parent already
  // gone is an error before anything starts.
  if (plan.die_with_parent)
    if (auto st = parent_watch::die_with(parent_of(plan)); !st)
      return failed.error = st.take_error(), failed;
  auto stop = StopTimeout::create(plan.stop_timeout_ms, plan.exec_path);
  if (!stop) return failed.error = stop.take_error(), failed;
  const sigset_t watched = signals::watched();
  sigset_t saved;
  ::sigprocmask(SIG_BLOCK, &watched, &saved);
  struct RestoreMask {
    const sigset_t& saved;
    ~RestoreMask() { ::sigprocmask(SIG_SETMASK, &saved, nullptr); }
  } restore{saved};
  auto running = spawn::start(plan, {}, failed.notices);
  if (!running) return failed.error = running.take_error(), failed;
  status::write_start(plan, running->pid());
  Ended ended = Waiter(*running, std::move(*stop)).wait();
  Outcome& outcome = ended.outcome;
  if (!outcome.error || !plan.exit_record_only_if_ran)
    status::write_exit(plan, outcome.exit_code, ended.stats);
  outcome.notices.insert(outcome.notices.begin(), failed.notices.begin(), failed.notices.end());
  return std::move(outcome);
}

}  // namespace cloister
