#include <unistd.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "manual/manual.hpp"
#include "plan/diagnose.hpp"
#include "plan/plan.hpp"
#include "plan/terminal.hpp"
#include "policy/bwrap_words.hpp"
#include "policy/cli.hpp"
#include "process/launcher.hpp"
#include "process/postmortem.hpp"

#ifndef CLOISTER_VERSION
#define CLOISTER_VERSION "0.1.0"
#endif

namespace cloister::cli {
namespace {

struct FrontEnd {
  Dialect dialect;
  std::string program;  // as usage messages name it: "cloister run", argv[0] for bwrap
};

// --help from the manual; bubblewrap's names the program as it was invoked.
std::string usage(const FrontEnd& front) {
  if (front.dialect == Dialect::Bwrap)
    return manual::help_text(manual::page("cloister-bwrap"), front.program);
  return manual::help_text(manual::page("cloister-run"));
}

// bubblewrap's prefix and, where its users look for them, its words ("bwrap: Can't find
// source path ...") in the bwrap dialect.
void print_error(const FrontEnd& front, const Error& e) {
  if (front.dialect == Dialect::Bwrap)
    std::fprintf(stderr, "bwrap: %s\n", bwrap_message(e).c_str());
  else
    std::fprintf(stderr, "cloister: %s\n", e.message().c_str());
}

// cloister run's error with what the plan tells about it: why a path is missing, what the
// root holds.
void print_explained(const FrontEnd& front, const Plan& plan, Error e) {
  if (front.dialect != Dialect::Run) return print_error(front, e);
  auto why = diagnose::explain(plan, e);
  if (!why.hint.empty()) e.hint = std::move(why.hint);
  print_error(front, e);
  for (const auto& note : why.notes) std::fprintf(stderr, "cloister: %s\n", note.c_str());
}

int launch(const std::vector<std::string>& args, const FrontEnd& front) {
  const Dialect dialect = front.dialect;
  auto parsed = parse(args, dialect);
  if (!parsed) {
    print_error(front, parsed.error());
    std::fprintf(stderr, "Try '%s --help'.\n", front.program.c_str());
    return kExitUsage;
  }
  if (parsed->help) {
    std::fputs(usage(front).c_str(), stdout);
    return 0;
  }
  if (parsed->version) {
    std::printf(dialect == Dialect::Bwrap ? "bubblewrap 0.8.0 (cloister %s)\n" : "cloister %s\n",
                CLOISTER_VERSION);
    return 0;
  }
  if (dialect == Dialect::Bwrap && parsed->policy.argv.empty()) {
    // bwrap without COMMAND: its usage, on stderr.
    std::fputs(usage(front).c_str(), stderr);
    return kExitUsage;
  }
  auto plan = resolve(parsed->policy, current_caller());
  if (!plan) {
    print_error(front, plan.error());
    return plan.error().err == 0 ? kExitUsage : kExitSetupFailed;
  }
  if (auto warning = terminal::injection_warning(*plan, terminal::current_facts()))
    std::fprintf(stderr, "cloister: %s\n", warning->c_str());
  for (const auto& notice : plan->notices) std::fprintf(stderr, "cloister: %s\n", notice.c_str());
  const auto started = postmortem::now_usec();
  Outcome outcome = launch(*plan);
  for (const auto& notice : outcome.notices) std::fprintf(stderr, "cloister: %s\n", notice.c_str());
  if (outcome.error) print_explained(front, *plan, *outcome.error);
  // How a protection ended COMMAND; the bwrap dialect keeps to bubblewrap's messages.
  if (dialect == Dialect::Run)
    for (const auto& line : postmortem::report(*plan, outcome, started))
      std::fprintf(stderr, "cloister: %s\n", line.c_str());
  // bubblewrap exits 1 for every failure of its own; scripts written for it rely on that.
  if (outcome.error && dialect == Dialect::Bwrap) return 1;
  return outcome.exit_code;
}

int launch_dialect(const std::vector<std::string>& args, const FrontEnd& front) {
  const int code = launch(args, front);
  if (front.dialect != Dialect::Bwrap) return code;
  return code == kExitUsage || code == kExitSetupFailed ? 1 : code;
}

}  // namespace

int run_command(const std::vector<std::string>& args) {
  return launch_dialect(args, {Dialect::Run, "cloister run"});
}

int bwrap_command(const std::vector<std::string>& args, const std::string& program) {
  return launch_dialect(args, {Dialect::Bwrap, program});
}

}  // namespace cloister::cli
