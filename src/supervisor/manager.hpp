// The manager of a group: PID 1 of the group's PID namespace. Starts each service once those
// it names in `after` are ready, relays their output line by line, restarts them as their
// policy says, and on SIGTERM/SIGINT stops them in reverse start order. One event loop
// (epoll over a signalfd and each service's pipes); one small state machine per service.
#pragma once

#include <vector>

#include "policy/group_file.hpp"
#include "process/keeper.hpp"
#include "supervisor/service_plan.hpp"

namespace cloister::supervisor {

struct ManagerOptions {
  int status_fd = -1;  // --status-fd: one JSON object a line per event
  int log_fd = 2;      // the services' lines and the manager's own
  // The outer process's keeper: told of each service's cgroup before it exists, so that
  // nothing stays behind even when every cloister process is SIGKILLed.
  keeper::Keeper* guard = nullptr;
};

// Runs the group until every service has ended or the group was stopped; returns the exit
// status: 0 when every service ended cleanly (status 0, or its stop signal), 1 otherwise.
// Expects signals::watched() blocked.
// Each service is planned right before each of its starts (service_plan.hpp).
int manage(const group::Group& group, const GroupIdentity& identity, const ManagerOptions& options);

}  // namespace cloister::supervisor
