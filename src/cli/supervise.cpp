// cloister supervise [--explain] [--parent-pid PID | --parent-pidfd FD] [--status-fd FD]
// GROUP.toml: the sandbox manager of a group of services.
#include <fcntl.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "manual/manual.hpp"
#include "policy/group_file.hpp"
#include "policy/subcommands.hpp"
#include "process/launcher.hpp"
#include "supervisor/group_process.hpp"
#include "supervisor/service_plan.hpp"

namespace cloister::cli {

int supervise_command(const std::vector<std::string>& args) {
  auto options = parse_supervise(args);
  if (!options) {
    std::fprintf(stderr, "cloister: supervise: %s\nTry 'cloister supervise --help'.\n",
                 options.error().message().c_str());
    return kExitUsage;
  }
  if (options->help) {
    std::fputs(manual::help_text(manual::page("cloister-supervise")).c_str(), stdout);
    return 0;
  }
  for (int fd : {options->status_fd, options->parent_pidfd}) {
    if (fd >= 0 && ::fcntl(fd, F_GETFD) < 0) {
      std::fprintf(stderr, "cloister: supervise: fd %d is not open\n", fd);
      return kExitUsage;
    }
  }
  auto group = group::load_file(options->group_file);
  if (!group) {
    std::fprintf(stderr, "cloister: %s\n", group.error().message().c_str());
    return kExitUsage;
  }
  const auto identity = supervisor::identity_for(current_caller(), *group);
  auto plans = supervisor::plan_services(*group, identity);
  if (!plans) {
    std::fprintf(stderr, "cloister: %s\n", plans.error().message().c_str());
    return plans.error().err == 0 ? kExitUsage : kExitSetupFailed;
  }
  if (options->explain) {
    std::fputs(supervisor::explain_text(*group, identity, *plans).c_str(), stdout);
    return 0;
  }
  supervisor::GroupOptions run;
  run.status_fd = options->status_fd;
  run.parent_pid = options->parent_pid;
  run.parent_pidfd = options->parent_pidfd;
  run.cgroups = supervisor::any_cgroup(*plans);
  plans = std::vector<supervisor::ServicePlan>{};  // checked; the manager plans each start anew
  return supervisor::run_group(*group, identity, run);
}

}  // namespace cloister::cli
