#include <cstdio>

#include "check/report.hpp"
#include "cli/commands.hpp"
#include "manual/manual.hpp"
#include "policy/subcommands.hpp"
#include "process/launcher.hpp"

namespace cloister::cli {

// cloister check [--json]: what this kernel and this caller can use, and why not. Exits
// non-zero only when not even chroot mode can run.
int check_command(const std::vector<std::string>& args) {
  auto options = parse_check(args);
  if (!options) {
    std::fprintf(stderr, "cloister: check: %s\nTry 'cloister check --help'.\n",
                 options.error().message().c_str());
    return kExitUsage;
  }
  if (options->help) {
    std::fputs(manual::help_text(manual::page("cloister-check")).c_str(), stdout);
    return 0;
  }
  const check::Report report = check::run_checks();
  const std::string out = options->json ? check::report_json(report) : check::report_text(report);
  std::fputs(out.c_str(), stdout);
  return report.exit_code();
}

}  // namespace cloister::cli
