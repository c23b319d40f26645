// cgroups: a sandbox's own cgroup with memory, pids, cpu and io limits; cgroup v2 first, the
// v1 memory/pids/cpu hierarchies where the controllers live there (hybrid hosts). Created by
// the parent before the sandbox starts, emptied (everything in it killed) and removed after.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "kernel/fd.hpp"

namespace cloister::cgroups {

struct Limits {
  std::optional<std::uint64_t> memory_max;       // bytes: memory.max / memory.limit_in_bytes
  std::optional<std::uint64_t> memory_swap_max;  // bytes: memory.swap.max / memsw (memory+swap)
  std::optional<std::uint64_t> pids_max;         // pids.max
  std::optional<std::uint64_t> cpu_quota_us;     // cpu.max "QUOTA PERIOD" / cfs_quota_us
  std::uint64_t cpu_period_us = 100000;
  std::optional<std::uint64_t> cpu_weight;  // 1..10000: cpu.weight / cpu.shares (scaled)
  std::optional<std::uint64_t> io_weight;   // 1..10000: io.weight (v2 only; blkio.weight v1)
  bool any() const {
    return memory_max || memory_swap_max || pids_max || cpu_quota_us || cpu_weight || io_weight;
  }
};

struct Stats {
  std::optional<std::uint64_t> memory_peak_bytes;
  std::optional<std::uint64_t> cpu_usec;
  std::optional<std::uint64_t> oom_kills;
};

enum class Version { V2, V1 };

// Called with each cgroup directory just before it is created; `shared` for the "cloister"
// directory several sandboxes use. An error stops the creation.
using BeforeMkdir = std::function<Status(const std::string& dir, bool shared)>;

class Sandbox {
 public:
  // Creates the cgroup(s) under `parent` (a path relative to the cgroup root, e.g.
  // "/user.slice/x"; empty: a "cloister" subtree under the caller's own cgroup) and writes
  // the limits. A controller that does not exist is an error naming it; with best_effort, a
  // warning in `warnings` instead. Errors say when the caller's cgroup is not delegated to it.
  static Result<Sandbox> create(const Limits& limits, const std::string& parent, bool best_effort,
                                std::vector<std::string>& warnings,
                                const BeforeMkdir& before_mkdir = {});

  // Moving leaves the source owning nothing; assigning over a live Sandbox removes its
  // cgroup first (a defaulted assignment would leak it, processes and all).
  Sandbox(Sandbox&& other) noexcept;
  Sandbox& operator=(Sandbox&& other) noexcept;
  ~Sandbox();  // kill_and_remove() if not done yet (errors ignored there)

  Version version() const { return version_; }
  // v2: an O_DIRECTORY fd of the cgroup for clone3's CLONE_INTO_CGROUP; -1 with v1.
  int clone_into_fd() const { return dir_.get(); }
  // Moves `pid` into the cgroup(s) (v1, or v2 when clone3 cannot place it).
  Status attach(pid_t pid);
  // Live counters; after kill_and_remove() the last values read before the removal.
  Stats stats() const;
  // Kills every process left (cgroup.kill on v2; SIGKILL of each listed pid until empty on
  // v1), waits until the cgroup is empty (bounded) and removes it.
  Status kill_and_remove();
  std::vector<std::string> paths() const;  // absolute cgroupfs paths, for messages and tests

 private:
  Sandbox() = default;
  Version version_ = Version::V2;
  UniqueFd dir_;                    // v2 cgroup directory
  std::vector<std::string> paths_;  // v2: one; v1: one per controller hierarchy used
  std::vector<std::string>
      hierarchies_;     // v1: the controllers of each paths_ entry ("cpu,cpuacct")
  std::string holder_;  // v2 default parent: the shared "cloister" dir, removed when empty
  std::optional<Stats> final_stats_;  // read just before removal, so stats() still answers after
  bool removed_ = false;
};

// Kills what is left in a cgroup directory this process owns (v2 or v1) and removes it; a
// directory that does not exist is fine. For the keeper, which knows only paths.
Status kill_and_remove_dir(const std::string& dir);

}  // namespace cloister::cgroups
