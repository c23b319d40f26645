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

// --net=tcp refuses UDP: when the sandbox's /etc/resolv.conf names a resolver it cannot ask
// (over UDP, or over TCP without --allow-connect 53), a notice saying so and what would
// work; empty otherwise.
std::string tcp_mode_dns(const Plan& plan);

}  // namespace cloister::diagnose
