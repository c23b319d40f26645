// --stop-timeout: the first SIGTERM, SIGINT or SIGHUP passed on to the sandbox starts a
// deadline (a timerfd, polled with the sandbox's pidfd); when it passes before COMMAND
// exited, the caller SIGKILLs the whole sandbox (spawn::Running::kill_all: its cgroup when it
// has one, else its first process, whose death ends a PID namespace of its own).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cloister/error.hpp"
#include "kernel/fd.hpp"

namespace cloister {

class StopTimeout {
 public:
  StopTimeout() = default;  // no deadline: fd() is -1
  // A disarmed timer for `timeout_ms`, or none when it is unset; `command` names COMMAND (or
  // a service) in the notice.
  static Result<StopTimeout> create(std::optional<std::uint32_t> timeout_ms, std::string command);

  int fd() const { return timer_.get(); }  // to poll for POLLIN; -1 without a deadline
  bool expired() const { return expired_; }

  // A signal was passed on to the sandbox: the first stopping one arms the deadline.
  Status signalled(int signo);
  // fd() was readable: true when the deadline passed (the sandbox is to be killed now).
  bool expire();
  // "sh did not stop within 2.5s of SIGTERM; killed"
  std::string notice() const;

 private:
  UniqueFd timer_;
  std::string command_;
  std::uint32_t timeout_ms_ = 0;
  int signal_ = 0;  // the signal that armed the deadline
  bool expired_ = false;
};

// SIGTERM, SIGINT and SIGHUP: the signals that ask a program to stop.
bool is_stop_signal(int signo);

}  // namespace cloister
