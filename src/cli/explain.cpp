#include "plan/explain.hpp"

#include <cstdio>

#include "cli/commands.hpp"
#include "plan/plan.hpp"
#include "policy/cli.hpp"
#include "process/launcher.hpp"

namespace cloister::cli {

// cloister explain [--json] [--groups] [RUN OPTIONS] [-- COMMAND...]: what `cloister run`
// would build with these options, without building it.
int explain_command(const std::vector<std::string>& raw) {
  std::vector<std::string> args;
  bool json = false;
  for (const auto& a : raw) {
    if (a == "--groups") {
      std::fputs(explain::groups_text().c_str(), stdout);
      return 0;
    }
    if (a == "--json")
      json = true;
    else
      args.push_back(a);
  }
  auto parsed = parse(args, Dialect::Run);
  if (!parsed) {
    std::fprintf(stderr, "cloister: %s\n", parsed.error().message().c_str());
    return kExitUsage;
  }
  if (parsed->help) {
    std::fputs("usage: cloister explain [--json] [--groups] [RUN OPTIONS] [-- COMMAND...]\n",
               stdout);
    return 0;
  }
  if (parsed->policy.argv.empty()) parsed->policy.argv = {"COMMAND"};
  auto plan = resolve(parsed->policy, current_caller(), ResolveOptions{.summary = true});
  if (!plan) {
    std::fprintf(stderr, "cloister: %s\n", plan.error().message().c_str());
    return plan.error().err == 0 ? kExitUsage : kExitSetupFailed;
  }
  const std::string text = json ? explain::plan_json(*plan) : explain::plan_text(*plan);
  std::fputs(text.c_str(), stdout);
  return 0;
}

}  // namespace cloister::cli
