// The processes of a running group: `cloister supervise` itself stays outside, in the
// caller's namespaces, and starts the manager as PID 1 of a new PID namespace, in a mount
// namespace of its own (and, for an unprivileged caller, one user namespace). It passes
// SIGTERM/SIGINT/SIGHUP/SIGQUIT on to the manager, dies with its own parent, and through a
// keeper removes every cgroup the services had, whichever of them is killed.
#pragma once

#include <sys/types.h>

#include <vector>

#include "policy/group_file.hpp"
#include "supervisor/service_plan.hpp"

namespace cloister::supervisor {

struct GroupOptions {
  int status_fd = -1;
  // --parent-pid / --parent-pidfd: die with exactly this process (0 / -1: not asked).
  pid_t parent_pid = 0;
  int parent_pidfd = -1;
  // Some service gets a cgroup: a keeper guards them (the plans say so).
  bool cgroups = false;
};

// Runs the group to its end; returns cloister supervise's exit status (the manager's, 128+N
// when it was killed by signal N, 125 when it could not be started).
// The services' plans were made and checked by the caller, and dropped: the manager makes
// each again right before it starts the service.
int run_group(const group::Group& group, const GroupIdentity& identity,
              const GroupOptions& options);

// Whether any of the plans creates a cgroup (GroupOptions::cgroups).
bool any_cgroup(const std::vector<ServicePlan>& plans);

}  // namespace cloister::supervisor
