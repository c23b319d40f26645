#include <unistd.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "plan/plan.hpp"
#include "policy/cli.hpp"
#include "process/launcher.hpp"

#ifndef CLOISTER_VERSION
#define CLOISTER_VERSION "0.1.0"
#endif

namespace cloister::cli {
namespace {

void print_error(const Error& e) { std::fprintf(stderr, "cloister: %s\n", e.message().c_str()); }

int launch(const std::vector<std::string>& args, Dialect dialect) {
  auto parsed = parse(args, dialect);
  if (!parsed) {
    print_error(parsed.error());
    std::fprintf(stderr, "Try '%s --help'.\n",
                 dialect == Dialect::Bwrap ? "bwrap" : "cloister run");
    return kExitUsage;
  }
  if (parsed->help) {
    std::fputs(usage(dialect).c_str(), stdout);
    return 0;
  }
  if (parsed->version) {
    std::printf(dialect == Dialect::Bwrap ? "bubblewrap 0.8.0 (cloister %s)\n" : "cloister %s\n",
                CLOISTER_VERSION);
    return 0;
  }
  auto plan = resolve(parsed->policy, current_caller());
  if (!plan) {
    print_error(plan.error());
    return plan.error().err == 0 ? kExitUsage : kExitSetupFailed;
  }
  for (const auto& notice : plan->notices) std::fprintf(stderr, "cloister: %s\n", notice.c_str());
  Outcome outcome = launch(*plan);
  for (const auto& notice : outcome.notices) std::fprintf(stderr, "cloister: %s\n", notice.c_str());
  if (outcome.error) print_error(*outcome.error);
  // bubblewrap exits 1 for every failure of its own; scripts written for it rely on that.
  if (outcome.error && dialect == Dialect::Bwrap) return 1;
  return outcome.exit_code;
}

int launch_dialect(const std::vector<std::string>& args, Dialect dialect) {
  const int code = launch(args, dialect);
  if (dialect != Dialect::Bwrap) return code;
  return code == kExitUsage || code == kExitSetupFailed ? 1 : code;
}

}  // namespace

int run_command(const std::vector<std::string>& args) { return launch_dialect(args, Dialect::Run); }
int bwrap_command(const std::vector<std::string>& args) {
  return launch_dialect(args, Dialect::Bwrap);
}

}  // namespace cloister::cli
