#include <cstdio>

#include "check/report.hpp"
#include "cli/commands.hpp"
#include "process/launcher.hpp"

namespace cloister::cli {

// cloister check [--json]: what this kernel and this caller can use, and why not. Exits
// non-zero only when not even chroot mode can run.
int check_command(const std::vector<std::string>& args) {
  bool json = false;
  for (const auto& a : args) {
    if (a == "--json") {
      json = true;
    } else if (a == "--help" || a == "-h") {
      std::fputs("usage: cloister check [--json]\n", stdout);
      return 0;
    } else {
      std::fprintf(stderr, "cloister: check: unknown option '%s'\nusage: cloister check [--json]\n",
                   a.c_str());
      return kExitUsage;
    }
  }
  const check::Report report = check::run_checks();
  const std::string out = json ? check::report_json(report) : check::report_text(report);
  std::fputs(out.c_str(), stdout);
  return report.exit_code();
}

}  // namespace cloister::cli
