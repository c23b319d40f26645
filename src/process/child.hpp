// The sandbox's side of a start: what the process clone3 made does before COMMAND runs. It
// walks the plan through the step engine in the fixed hardening order and execs COMMAND (or
// becomes its init); a failing step is reported to the parent over the report pipe.
#pragma once

#include <cstdint>

#include "plan/plan.hpp"

namespace cloister::child {

// A descriptor the starter wants at a fixed number in the sandbox (a service's stdio pipes,
// its readiness fd): placed before any step runs.
struct FdPlacement {
  int from = -1;
  int to = -1;
};

// Descriptors the child needs; the parent keeps its own ends.
struct Context {
  int report_fd = -1;           // write end of the close-on-exec report pipe
  int parent_ready_fd = -1;     // read end: one byte once the parent wrote id maps / set the cgroup
  bool late_cgroup_ns = false;  // cgroup v1: unshare the cgroup namespace once attached
  int parent_pidfd = -1;        // for a race-free --die-with-parent
  std::uint64_t flags = 0;      // namespaces actually created
  bool chroot_mode = false;
  // Placed first; then, when `close_others`, every descriptor above 2 but these and the
  // context's own is closed (a starter such as the supervisor holds many of its own).
  const FdPlacement* placements = nullptr;
  std::size_t placement_count = 0;
  bool close_others = false;
  int created_fd = -1;  // one byte once set up, before the wait on block_fd (spawn::Options)
};

[[noreturn]] void run_in_namespaces(const Plan& plan, Context ctx);
[[noreturn]] void run_in_chroot(const Plan& plan, Context ctx);

}  // namespace cloister::child
