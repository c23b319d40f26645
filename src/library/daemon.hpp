// daemonize(), passt's way: the daemon is the child, PID 1 of a PID namespace of its own
// when the policy has one; the calling process learns how its confinement went.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "cloister/error.hpp"
#include "kernel/fd.hpp"

namespace cloister::daemon {

// The daemon's end of the channel to the calling process: one message, once.
class Report {
 public:
  Report() = default;
  explicit Report(UniqueFd fd) : fd_(std::move(fd)) {}
  bool active() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  // Fully confined. The descriptor stays open: closing it may be what the daemon's seccomp
  // allowlist does not allow, and the caller no longer reads it.
  void confined();
  void failed(const Error& error);

 private:
  UniqueFd fd_;
};

struct Forked {
  pid_t pid = 0;  // 0 in the daemon
  Report report;  // the daemon's
};

// Opens the PID file and /dev/null, forks, the daemon born into `namespaces` (CLONE_NEWPID,
// CLONE_NEWNS: new ones of its own, or 0). Call it
// before the process starts threads: the daemon is a copy of the calling thread alone. In the
// calling process, writes the daemon's PID (as this process sees it) into the PID file,
// then waits for the daemon's report: returns its PID once it is confined, or its error
// (the daemon then killed and reaped, the PID file removed). In the daemon: a session of
// its own, stdio on /dev/null, SIGTERM, SIGQUIT and SIGINT ending it with status 0 (as PID
// 1 it would ignore them otherwise).
Result<Forked> fork_daemon(const std::string& pid_file, std::uint64_t namespaces);

}  // namespace cloister::daemon
