// --info-fd and --json-status-fd, in bubblewrap's format: the child's pid and namespace ids
// when it starts, {"exit-code": N} on the status fd when it ends.
#pragma once

#include <sys/types.h>

#include <string>

#include "plan/plan.hpp"

namespace cloister::status {

// {"child-pid": N, "cgroup-namespace": ..., "ipc-namespace": ..., ...} (one line)
std::string start_record(pid_t child, bool pretty);
void write_start(const Plan& plan, pid_t child);
void write_exit(const Plan& plan, int exit_code);

}  // namespace cloister::status
