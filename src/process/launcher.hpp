// Runs a Plan: clone3 into the namespaces, the child applies the steps in the fixed
// hardening order and execs COMMAND, the parent forwards signals and reports status.
#pragma once

#include <optional>

#include "cloister/error.hpp"
#include "plan/plan.hpp"

namespace cloister {

// Exit codes of cloister itself, distinct from the usual ones of COMMAND.
inline constexpr int kExitUsage = 2;          // bad options
inline constexpr int kExitSetupFailed = 125;  // the sandbox could not be set up
inline constexpr int kExitCannotExec = 126;   // COMMAND exists but cannot be executed
inline constexpr int kExitNotFound = 127;     // COMMAND not found

struct Outcome {
  int exit_code = 0;                 // COMMAND's (128+N for a signal) or one of kExit*
  std::optional<Error> error;        // why cloister failed, to print
  std::vector<std::string> notices;  // one-line notes for stderr (lost protections)
};

Outcome launch(const Plan& plan);

}  // namespace cloister
