// cgroups: carries out the cgroup steps of a plan (plan/cgroup_plan.hpp, where the version,
// the hierarchies, the parent directories and the values were decided): makes the sandbox's
// directories, named after this process's pid, writes the planned values, attaches. Created by
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
#include "plan/cgroup_plan.hpp"

namespace cloister::cgroups {

struct Stats {
  std::optional<std::uint64_t> memory_peak_bytes;
  std::optional<std::uint64_t> cpu_usec;
  std::optional<std::uint64_t> oom_kills;
};

// Called with each cgroup directory just before it is created; `shared` for the "cloister"
// directory several sandboxes use. An error stops the creation.
using BeforeMkdir = std::function<Status(const std::string& dir, bool shared)>;

class Sandbox {
 public:
  // Makes the plan's directories and writes its values. Each write goes to the first of its
  // files the new cgroup has; none is an error or, with best effort, a line in `warnings`.
  // Any failure removes what this call made; errors say when the parent is not delegated.
  static Result<Sandbox> create(const CgroupPlan& plan, std::vector<std::string>& warnings,
                                const BeforeMkdir& before_mkdir = {});

  // Moving leaves the source owning nothing; assigning over a live Sandbox removes its
  // cgroup first (a defaulted assignment would leak it, processes and all).
  Sandbox(Sandbox&& other) noexcept;
  Sandbox& operator=(Sandbox&& other) noexcept;
  ~Sandbox();  // kill_and_remove() if not done yet (errors ignored there)

  CgroupVersion version() const { return version_; }
  // An O_DIRECTORY fd of the cgroup for clone3's CLONE_INTO_CGROUP when the plan says so
  // (v2); -1 otherwise.
  int clone_into_fd() const { return dir_.get(); }
  // Moves `pid` into the cgroup(s) (v1, or v2 when clone3 cannot place it).
  Status attach(pid_t pid);
  // Live counters; after kill_and_remove() the last values read before the removal.
  Stats stats() const;
  // Kills every process left (cgroup.kill on v2; SIGKILL of each listed pid until empty on
  // v1), waits until the cgroup is empty (bounded) and removes it.
  Status kill_and_remove();
  std::vector<std::string> paths() const;  // absolute cgroupfs paths, for messages and tests
  // Gives the directories up without removing them (an OCI container's cgroup outlives the
  // `create` that made it; `delete` removes it by path with kill_and_remove_dir).
  std::vector<std::string> release();

 private:
  Sandbox() = default;
  CgroupVersion version_ = CgroupVersion::V2;
  UniqueFd dir_;                    // v2 cgroup directory
  std::vector<std::string> paths_;  // v2: one; v1: one per controller hierarchy used
  std::vector<std::string>
      hierarchies_;     // v1: the controllers of each paths_ entry ("cpu,cpuacct")
  std::string holder_;  // v2 default parent: the shared "cloister" dir, removed when empty
  std::optional<Stats> final_stats_;  // read just before removal, so stats() still answers after
  bool removed_ = false;
};

// Kills what is left in a cgroup directory this process owns (v2 or v1) and removes it; a
// directory that does not exist is fine. For the keeper, which knows only paths. A frozen v1
// freezer directory is thawed after the SIGKILL (v1 delivers it only to thawed processes).
Status kill_and_remove_dir(const std::string& dir);

// ---- the freezer: an OCI container's pause and resume ------------------------------------

// Of a sandbox's cgroup directories, the one that freezes them all: the v2 directory
// (cgroup.freeze, Linux 5.2) or the one in the v1 freezer hierarchy (freezer.state). Empty
// when none of them has a freezer.
std::string freezer_of(const std::vector<std::string>& dirs);
// Freezes (or thaws) every process of `freezer` (a freezer_of directory) and waits, bounded,
// until the kernel says they all are (v2: cgroup.events "frozen 1"; v1: freezer.state reads
// FROZEN). A freeze that does not complete is undone and is an error naming the directory.
Status set_frozen(const std::string& freezer, bool frozen);
// Whether `freezer` is frozen, or asked to be (v2 cgroup.freeze 1; v1 FROZEN or FREEZING).
bool is_frozen(const std::string& freezer);

}  // namespace cloister::cgroups
