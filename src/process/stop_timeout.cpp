#include "process/stop_timeout.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

namespace cloister {

bool is_stop_signal(int signo) { return signo == SIGTERM || signo == SIGINT || signo == SIGHUP; }

Result<StopTimeout> StopTimeout::create(std::optional<std::uint32_t> timeout_ms,
                                        std::string command) {
  StopTimeout t;
  t.command_ = std::move(command);
  if (!timeout_ms) return t;
  // CLOCK_MONOTONIC: a change of the wall clock neither shortens nor stretches the deadline.
  t.timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!t.timer_) return Error{"--stop-timeout", "timerfd_create", "", errno, ""};
  t.timeout_ms_ = *timeout_ms;
  return t;
}

Status StopTimeout::signalled(int signo) {
  if (!timer_ || signal_ != 0 || !is_stop_signal(signo)) return ok_status();
  signal_ = signo;
  itimerspec when{};
  when.it_value.tv_sec = timeout_ms_ / 1000;
  when.it_value.tv_nsec = static_cast<long>(timeout_ms_ % 1000) * 1000000L;
  // A zero it_value would disarm the timer: 0 seconds means at once, 1 ns from now.
  if (timeout_ms_ == 0) when.it_value.tv_nsec = 1;
  if (::timerfd_settime(timer_.get(), 0, &when, nullptr) != 0)
    return Error{"--stop-timeout", "timerfd_settime", "", errno, ""};
  return ok_status();
}

bool StopTimeout::expire() {
  std::uint64_t ticks = 0;
  if (::read(timer_.get(), &ticks, sizeof ticks) != static_cast<ssize_t>(sizeof ticks))
    return false;  // not yet (EAGAIN)
  expired_ = true;
  return true;
}

std::string StopTimeout::notice() const {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", timeout_ms_ / 1000.0);
  const char* name = sigabbrev_np(signal_);
  return command_ + " did not stop within " + seconds + "s of SIG" + (name ? name : "?") +
         "; killed";
}

}  // namespace cloister
