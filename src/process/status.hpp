// --info-fd and --json-status-fd, in bubblewrap's format: the child's pid and namespace ids
// when it starts, {"exit-code": N} on the status fd when it ends.
#pragma once

#include <sys/types.h>

#include <string>

#include "isolate/cgroups.hpp"
#include "plan/plan.hpp"

namespace cloister::status {

// {"child-pid": N, "cgroup-namespace": ..., "ipc-namespace": ..., ...} (one line)
std::string start_record(pid_t child, bool pretty);
void write_start(const Plan& plan, pid_t child);
// {"exit-code": N}, with the cgroup's figures when the sandbox had one:
// "memory-peak", "cpu-usec", "oom-kills".
std::string exit_record(int exit_code, const std::optional<cgroups::Stats>& stats);
void write_exit(const Plan& plan, int exit_code, const std::optional<cgroups::Stats>& stats = {});

}  // namespace cloister::status
