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
#include "process/signals.hpp"
#include "process/spawn.hpp"
#include "process/status.hpp"


namespace cloister {
namespace {

using Ended = spawn::Ended;

// Forwards signals to the sandbox until its first process exits.
class Waiter {
 public:
  explicit Waiter(spawn::Running& running) : running_(running) {}

  Ended wait() {
    const sigset_t set = signals::watched();
    UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
    for (;;) {
      pollfd fds[3] = {{running_.pidfd(), POLLIN, 0},
                       {sfd.get(), POLLIN, 0},
                       {running_.report_fd(), POLLIN, 0}};
      if (::poll(fds, running_.report_fd() >= 0 ? 3 : 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[2].revents) running_.read_report();
      if (fds[1].revents) forward(sfd.get());
      if (fds[0].revents) break;
    }
    return running_.finish();
  }

 private:
  void forward(int sfd) {
    signalfd_siginfo info{};
    if (::read(sfd, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return;
    if (info.ssi_signo != SIGCHLD)
      sys::pidfd_send_signal(running_.pidfd(), static_cast<int>(info.ssi_signo));
  }

  spawn::Running& running_;
};

}  // namespace

Outcome launch(const Plan& plan) {
  Outcome failed{kExitSetupFailed, std::nullopt, {}};
  // First, before anything is opened or started: nothing unnamed reaches the sandbox, the
  // keeper or pasta.
  if (auto closed = engine::close_inherited_descriptors(plan); !closed)
    return failed.error = closed.take_error(), failed;
  if (plan.die_with_parent) {
    // cloister itself dies with its parent, and the sandbox with cloister. Checked after
    // setting: a parent that died before is seen as a changed parent pid.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
      return failed.error = Error{"--die-with-parent", "prctl(PR_SET_PDEATHSIG)", "", errno, ""},
             failed;
    if (plan.expected_parent != 0 && ::getppid() != plan.expected_parent)
      return failed.error =
                 Error{"--die-with-parent", "the parent process already exited", "", 0, ""},
             failed;
  }
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
  Ended ended = Waiter(*running).wait();
  Outcome& outcome = ended.outcome;
  if (!outcome.error || !plan.exit_record_only_if_ran)
    status::write_exit(plan, outcome.exit_code, ended.stats);
  outcome.notices.insert(outcome.notices.begin(), failed.notices.begin(), failed.notices.end());
  return std::move(outcome);
}

}  // namespace cloister
