#include "process/signals.hpp"

#include <array>

namespace cloister::signals {
namespace {

constexpr std::array<int, 7> kForwarded = {SIGTERM, SIGINT,  SIGHUP,  SIGQUIT,
                                           SIGUSR1, SIGUSR2, SIGWINCH};

void noop(int) {}

}  // namespace

sigset_t forwarded() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kForwarded) sigaddset(&set, sig);
  return set;
}

sigset_t watched() {
  sigset_t set = forwarded();
  sigaddset(&set, SIGCHLD);
  return set;
}

void install_noop_handlers() {
  struct sigaction action {};
  action.sa_handler = noop;
  sigemptyset(&action.sa_mask);
  for (int sig : kForwarded) sigaction(sig, &action, nullptr);
  sigaction(SIGCHLD, &action, nullptr);
}

void reset_for_exec() {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  for (int sig : kForwarded) sigaction(sig, &action, nullptr);
  sigaction(SIGCHLD, &action, nullptr);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
}

}  // namespace cloister::signals
