#include "plan/explain.hpp"

#include <cstdio>

#include "cli/commands.hpp"
#include "manual/manual.hpp"
#include "plan/plan.hpp"
#include "policy/cli.hpp"
#include "policy/subcommands.hpp"
#include "process/launcher.hpp"

namespace cloister::cli {

// cloister explain [--json] [--groups] [RUN OPTIONS] [-- COMMAND...]: what `cloister run`
// would build with these options, without building it.
int explain_command(const std::vector<std::string>& args) {
  auto own = parse_explain(args);
  if (!own) {
    std::fprintf(stderr, "cloister: %s\n", own.error().message().c_str());
    return kExitUsage;
  }
  if (own->help) {
    std::fputs(manual::help_text(manual::page("cloister-explain")).c_str(), stdout);
    return 0;
  }
  if (own->groups) {
    std::fputs(explain::groups_text().c_str(), stdout);
    return 0;
  }
  auto parsed = parse(own->run_args, Dialect::Run);
  if (!parsed) {
    std::fprintf(stderr, "cloister: %s\n", parsed.error().message().c_str());
    return kExitUsage;
  }
  if (parsed->help) {
    std::fputs(manual::help_text(manual::page("cloister-explain")).c_str(), stdout);
    return 0;
  }
  if (parsed->policy.argv.empty()) parsed->policy.argv = {"COMMAND"};
  auto plan = resolve(parsed->policy, current_caller(), ResolveOptions{.summary = true});
  if (!plan) {
    std::fprintf(stderr, "cloister: %s\n", plan.error().message().c_str());
    return plan.error().err == 0 ? kExitUsage : kExitSetupFailed;
  }
  const std::string text = own->json ? explain::plan_json(*plan) : explain::plan_text(*plan);
  std::fputs(text.c_str(), stdout);
  return 0;
}

}  // namespace cloister::cli
