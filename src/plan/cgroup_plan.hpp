// The sandbox's own cgroup as planned steps: which cgroup version and which hierarchy holds
// each controller, where the sandbox's directory goes, which control files get which values,
// how the child enters it, and what best effort leaves out. Decided while resolving, from
// what the host shows (/proc/self/mountinfo, /proc/self/cgroup, the cgroup files); the
// launcher only makes the directory (named after its own pid), writes, attaches and removes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister {

enum class CgroupVersion { V2, V1 };

// How the sandbox's first process comes to be in its cgroup.
enum class CgroupEntry {
  CloneInto,         // clone3 with CLONE_INTO_CGROUP (v2): born inside, no instant outside
  AttachAfterClone,  // the parent writes its pid to cgroup.procs before it runs anything (v1)
};

// One cgroup filesystem the sandbox gets a directory in (v2: exactly one).
struct CgroupHierarchy {
  std::string mount;        // where it is mounted: /sys/fs/cgroup, /sys/fs/cgroup/memory
  std::string controllers;  // v1: the mount's controllers ("cpu,cpuacct"); v2: empty
  std::string parent;       // the existing directory the sandbox's directory is made in
  // v1: no limit is written there: it is for the figures of the exit record (cpu time, peak
  // memory), or joined for a container engine (CgroupPolicy::every_v1_hierarchy: freezer for
  // pause). A refused mkdir there skips it instead of failing.
  bool stats_only = false;
};

// One value for one control file of the sandbox's directory in `hierarchy`.
struct CgroupWrite {
  std::size_t hierarchy = 0;  // index into CgroupPlan::hierarchies
  std::string controller;     // memory, pids, cpu, io, blkio
  struct File {
    std::string name;  // memory.max
    std::string value;
  };
  // The first of these the new cgroup has is written (io.weight, else io.bfq.weight). When
  // planning could see which one that is, only it is left and `seen` is true.
  std::vector<File> files;
  bool seen = false;
  std::string missing;  // what it means when the new cgroup has none of them
};

struct CgroupPlan {
  CgroupVersion version = CgroupVersion::V2;
  std::string why_version;  // "the v2 mount at ... offers no memory, pids": explain says it
  std::vector<CgroupHierarchy> hierarchies;
  // v2: controllers turned on in cgroup.subtree_control of the parent (and of the holder),
  // where not on yet: cgroup v2 passes a controller down only that way.
  std::vector<std::string> enable;
  // v2 without --cgroup-parent: the directory "cloister" in the caller's own cgroup, shared
  // by every sandbox there, made when missing and removed with its last sandbox.
  std::string holder;
  // The sandbox's directory: <holder or parent>/<prefix><launcher pid>-<8 random hex digits>.
  std::string leaf_prefix;
  std::string leaf_name;  // CgroupPolicy::leaf: exactly this name, taken or not (no retry)
  std::vector<CgroupWrite> writes;  // in order: the kernel checks memsw >= limit and the like
  CgroupEntry entry = CgroupEntry::CloneInto;
  // v1 with a cgroup namespace: the child creates it after the attach, so that the
  // namespace's root is the sandbox's cgroup.
  bool late_namespace = false;
  bool best_effort = false;
  std::string parent_option;  // --cgroup-parent as given; empty: the caller's own cgroup
  // Best effort: each limit the host cannot apply, and why; said on stderr when run.
  std::vector<std::string> dropped;
  // Best effort: the host has no cgroup to give (no hierarchy, parent missing): the sandbox
  // runs without one, and `dropped` says why.
  bool creates() const { return !hierarchies.empty(); }
};

// What planning reads of the host's cgroups. The real one reads /proc and the cgroup
// filesystems; unit tests give made-up texts and files.
struct CgroupHost {
  std::string mountinfo;       // /proc/self/mountinfo
  std::string own_cgroups;     // /proc/self/cgroup
  std::string kernel_release;  // uname -r: CLONE_INTO_CGROUP came with 5.7
  std::function<std::optional<std::string>(const std::string& path)> read;
  std::function<bool(const std::string& path)> exists;
  // 0 when `path` is a directory, else the errno saying why not (ENOTDIR for a file).
  std::function<int(const std::string& path)> directory_error;
};

CgroupHost real_cgroup_host();

// A v1 controller whose hierarchy a container may join as it is: a new directory there works
// without being set up (not cpuset: a new cpuset has no CPU and no memory node until given
// some). CgroupPolicy::every_v1_hierarchy joins these.
bool joinable_v1_controller(std::string_view controller);
// Whether a container joins the v1 hierarchy mounted with these super options
// ("rw,cpu,cpuacct"): it has controllers, each of them joinable.
bool joinable_v1_mount(const std::string& super_options);

// The cgroup steps for `policy` (without limits: a cgroup for the figures only). `clone_flags`
// are the plan's namespaces (for the late cgroup namespace). Strict: a controller or a
// control file the host lacks is an error naming it; best effort: a line in `dropped`.
Result<CgroupPlan> plan_cgroup(const CgroupPolicy& policy, std::uint64_t clone_flags,
                               const CgroupHost& host);

// One line per step, for `cloister explain`.
std::vector<std::string> describe(const CgroupPlan& plan);
// The sandbox's directory in `h`, with placeholders for what only the launch knows.
std::string leaf_pattern(const CgroupPlan& plan, const CgroupHierarchy& h);

}  // namespace cloister
