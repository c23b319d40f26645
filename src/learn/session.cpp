#include "learn/session.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>

#include "kernel/fd.hpp"
#include "kernel/syscalls.hpp"
#include "learn/filter.hpp"
#include "learn/observer.hpp"
#include "process/signals.hpp"
#include "isolate/seccomp_notify.hpp"

namespace cloister::learn {
namespace {

// Far above what programs open: the filter lets sendmsg on this number through unobserved,
// and once COMMAND runs the descriptor is closed (close-on-exec).
constexpr int kSocketFloor = 900;

struct Channel {
  UniqueFd supervisor;
  UniqueFd sandbox;
};

Result<Channel> make_channel() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return Error{"learn", "socketpair", "", errno, ""};
  Channel c{UniqueFd(sv[0]), UniqueFd(::fcntl(sv[1], F_DUPFD_CLOEXEC, kSocketFloor))};
  ::close(sv[1]);
  if (!c.sandbox) return Error{"learn", "fcntl(F_DUPFD_CLOEXEC)", "", errno, ""};
  return c;
}

class Supervisor {
 public:
  Supervisor(Recording& recording, pid_t launcher, UniqueFd launcher_fd, UniqueFd channel,
             UniqueFd signals)
      : observer_(recording),
        launcher_(launcher),
        launcher_fd_(std::move(launcher_fd)),
        channel_(std::move(channel)),
        signals_(std::move(signals)) {}

  Status run() {
    for (;;) {
      pollfd fds[4] = {{launcher_fd_.get(), POLLIN, 0},
                       {signals_.get(), POLLIN, 0},
                       {channel_.get(), POLLIN, 0},
                       {listener_ ? listener_->fd() : -1, POLLIN, 0}};
      if (::poll(fds, 4, -1) < 0) {
        if (errno == EINTR) continue;
        return Error{"learn", "poll", "", errno, ""};
      }
      if (fds[2].revents) CLOISTER_TRY(take_listener());
      if (fds[3].revents & POLLIN)
        CLOISTER_TRY(answer());
      else if (fds[3].revents)
        listener_.reset();  // every filtered process is gone
      if (fds[1].revents) forward_signal();
      if (fds[0].revents) return drain();
    }
  }

 private:
  Status take_listener() {
    auto fd = seccomp::notify::receive_listener(channel_.get());
    channel_.reset();
    if (!fd) return fd.take_error();
    if (*fd) listener_.emplace(std::move(*fd));
    return ok_status();
  }

  Status answer() {
    auto n = listener_->receive();
    if (!n) return n.take_error();
    if (!*n) return ok_status();
    const std::uint64_t id = (*n)->id;
    observer_.observe(**n, [&] { return listener_->still_waiting(id); });
    return listener_->let_continue(id);
  }

  // The launcher has ended, and the sandbox with it: answer what is still queued.
  Status drain() {
    while (listener_) {
      pollfd p{listener_->fd(), POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) break;
      CLOISTER_TRY(answer());
    }
    return ok_status();
  }

  void forward_signal() {
    signalfd_siginfo info{};
    if (::read(signals_.get(), &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return;
    if (info.ssi_signo != SIGCHLD) ::kill(launcher_, static_cast<int>(info.ssi_signo));
  }

  Observer observer_;
  pid_t launcher_;
  UniqueFd launcher_fd_, channel_, signals_;
  std::optional<seccomp::notify::Listener> listener_;
};

int wait_exit_code(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

Result<int> run_learning(Plan plan, Recording& recording,
                         const std::function<int(const Outcome&)>& finish) {
  auto channel = make_channel();
  if (!channel) return channel.take_error();
  auto program = notify_program(channel->sandbox.get());
  if (!program) return program.take_error();
  plan.learning = Plan::Learning{std::move(*program), channel->sandbox.get()};
  plan.inherited_kept.push_back(channel->sandbox.get());
  plan.expected_parent = ::getpid();  // the launcher's parent is cloister learn

  // Signals meant for the sandbox reach cloister learn too (a terminal's Ctrl-C): passed on
  // to the launcher, which passes them to COMMAND, while learn goes on recording.
  const sigset_t watched = signals::watched();
  sigset_t saved;
  ::sigprocmask(SIG_BLOCK, &watched, &saved);
  UniqueFd signals(::signalfd(-1, &watched, SFD_CLOEXEC));
  std::fflush(nullptr);
  const pid_t launcher = ::fork();
  if (launcher < 0) {
    ::sigprocmask(SIG_SETMASK, &saved, nullptr);
    return Error{"learn", "fork", "", errno, ""};
  }
  if (launcher == 0) {
    channel->supervisor.reset();
    signals.reset();
    ::sigprocmask(SIG_SETMASK, &saved, nullptr);
    const int code = finish(launch(plan));
    std::fflush(nullptr);
    ::_exit(code);
  }
  channel->sandbox.reset();
  UniqueFd launcher_fd(sys::pidfd_open(launcher));
  if (!launcher_fd) {
    ::kill(launcher, SIGKILL);
    wait_exit_code(launcher);
    ::sigprocmask(SIG_SETMASK, &saved, nullptr);
    return Error{"learn", "pidfd_open", "", errno, ""};
  }
  Supervisor supervisor(recording, launcher, std::move(launcher_fd), std::move(channel->supervisor),
                        std::move(signals));
  Status st = supervisor.run();
  if (!st) ::kill(launcher, SIGKILL);
  const int code = wait_exit_code(launcher);
  ::sigprocmask(SIG_SETMASK, &saved, nullptr);
  if (!st) return st.take_error();
  return code;
}

}  // namespace cloister::learn
