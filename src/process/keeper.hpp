// The keeper: a small process that owns what a sandbox leaves outside its namespaces (its
// cgroup directories and pasta) and removes them when the sandbox is over, also when cloister
// itself was SIGKILLed. cloister starts it before creating any of them and tells it each one
// before it exists; the keeper notices cloister's end by EOF on their socket, waits for the
// sandbox to end (the sandbox may outlive cloister without --die-with-parent), then kills
// pasta, kills what is left in the cgroups, removes them, and exits. Only sandboxes with a
// cgroup or pasta have one: everything else lives in namespaces the kernel removes.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "isolate/pasta.hpp"
#include "kernel/fd.hpp"

namespace cloister::keeper {

// What the keeper needs to start pasta itself (it becomes pasta's parent and reaper).
struct PastaSpec {
  std::string binary;
  std::vector<pasta::Forward> forwards;
};

class Keeper {
 public:
  // Forks the keeper. It leaves cloister's session and process group (so a signal sent to
  // the group does not end it before it has cleaned up), keeps no other descriptor, and
  // ignores every catchable signal.
  static Result<Keeper> start(const PastaSpec& pasta);

  Keeper(Keeper&& other) noexcept;
  Keeper& operator=(Keeper&&) = delete;
  ~Keeper();  // finish()

  // Announced before the directory is created: if cloister dies right after mkdir, the
  // keeper still knows it. A path that never came to exist is skipped. An owned cgroup is
  // emptied (SIGKILL) and removed; a shared one (the "cloister" holder other sandboxes may
  // use) is only removed when empty.
  Status guard_cgroup(const std::string& path, bool shared);
  // The sandbox's first process (a pidfd): the keeper cleans up only once it has ended.
  Status guard_sandbox(int pidfd);
  // Starts pasta for the network namespace of `pid`; returns once it is configured. pasta
  // is the keeper's child, stopped (SIGKILL: as PID 1 of its own PID namespace it ignores
  // SIGTERM) and reaped by the keeper.
  Status start_pasta(pid_t pid);
  // The sandbox is over: the keeper stops pasta, removes what is left of the cgroups, and
  // exits; returns once it has been reaped.
  void finish();

  // In the sandbox's process after clone: closes its copy of the socket, so that cloister's
  // death is seen as EOF even while the sandbox runs on.
  void disown_in_child();

  pid_t pid() const { return pid_; }

 private:
  Keeper(pid_t pid, UniqueFd socket) : pid_(pid), socket_(std::move(socket)) {}
  pid_t pid_ = -1;
  UniqueFd socket_;
};

}  // namespace cloister::keeper
