// After a sandbox failed to start COMMAND or to resolve a path: why, in the user's terms —
// what the sandbox's root holds, why the path is not there (not bound, a symlink leading out
// of the view, a read-only bind above it, Landlock) and the option that would fix it.
// Worked out in the parent from the plan and the host; changes nothing.
#pragma once

#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "plan/plan.hpp"

namespace cloister::diagnose {

struct Explanation {
  std::string hint;                // replaces the error's hint when not empty
  std::vector<std::string> notes;  // more lines, said after the error
};

// Empty when it has nothing to add to `error`.
Explanation explain(const Plan& plan, const Error& error);

}  // namespace cloister::diagnose
