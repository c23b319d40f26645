// Starting one sandbox from its Plan: the keeper, the cgroup, clone3 into the namespaces (or
// chroot mode), id maps, pasta, and the child's walk through the step engine up to COMMAND.
// The launcher waits on one such sandbox; the supervisor on many, from one event loop.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "isolate/cgroups.hpp"
#include "kernel/fd.hpp"
#include "plan/plan.hpp"
#include "process/child.hpp"
#include "process/keeper.hpp"
#include "process/launcher.hpp"

namespace cloister::spawn {

struct Options {
  // Descriptors the sandbox gets at fixed numbers (a service's stdin, stdout, stderr, its
  // readiness fd). The caller keeps its own copies.
  std::vector<child::FdPlacement> placements;
  // The child closes every other descriptor above 2 (a starter holding many of its own). The
  // launcher instead closes the inherited ones in the parent, first thing (the plan's step).
  bool close_others_in_child = false;
  // A keeper guards the cgroup and pasta against a SIGKILL of this process. A supervisor
  // whose own cgroup subtree is guarded from outside does without.
  bool keeper = true;
  // Without a keeper of its own: an outer one (the supervisor's), told of each cgroup
  // directory before it exists.
  keeper::Keeper* guard = nullptr;
  // Written one byte and closed by the child once every step but the last (privileges,
  // seccomp, exec) is done, right before it waits on the plan's block_fd: an OCI `create`
  // returns then, its container set up and waiting for `start`.
  int created_fd = -1;
};

// How a started sandbox ended.
struct Ended {
  Outcome outcome;
  std::optional<cgroups::Stats> stats;  // the sandbox's cgroup figures, when it had one
};

// A started sandbox. Owns its first process (pidfd), its report pipe, cgroup and keeper: the
// destructor of one never finished kills and reaps the process and removes the cgroup.
class Running {
 public:
  Running(Running&&) noexcept = default;
  Running& operator=(Running&&) = delete;
  ~Running();

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  // Readable when the child reported a failed step (or closed it: COMMAND was executed).
  int report_fd() const { return report_.get(); }
  void read_report();
  // The failed step the child reported, if any (read_report() saw it).
  const std::optional<Error>& reported() const { return error_; }
  // The cgroup's live figures, when the sandbox has one.
  std::optional<cgroups::Stats> stats() const;
  // Kills the whole sandbox: its cgroup when it has one (everything in it), else the first
  // process (with a PID namespace of its own, that ends everything).
  void kill_all();
  // Once pidfd() is readable: reaps, then removes the cgroup and ends the keeper.
  Ended finish();
  // Leaves the sandbox running on its own (an OCI container between `create` and `delete`):
  // nothing is killed or removed by this object any more. Returns its cgroup directories.
  std::vector<std::string> release();
  // The sandbox's cgroup directories (none without a cgroup).
  std::vector<std::string> cgroup_paths() const;

 private:
  friend Result<Running> start(const Plan&, const Options&, std::vector<std::string>&);
  Running() = default;
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd report_;
  std::optional<keeper::Keeper> keeper_;  // declared first: destroyed after the cgroup
  std::optional<cgroups::Sandbox> cgroup_;
  std::optional<Error> error_;
  bool finished_ = false;
};

// Starts the plan's sandbox. The caller has blocked signals::watched() (the child inherits
// the mask; an init reads them from a signalfd). `notices` gets what was lost on the way
// (best-effort drops, chroot fallback), also when the start fails.
Result<Running> start(const Plan& plan, const Options& options, std::vector<std::string>& notices);

}  // namespace cloister::spawn
