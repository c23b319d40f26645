// `cloister explain`: the plan a command line or profile resolves to, as text or JSON, and
// the table of seccomp groups. Reads the Plan only; changes nothing.
#pragma once

#include <string>

#include "plan/plan.hpp"

namespace cloister::explain {

std::string plan_text(const Plan& plan);
std::string plan_json(const Plan& plan);
std::string groups_text();

// "arg1 & 0xffffffff == 0x5412", "arg0 != 0"
std::string condition_text(const SeccompCondition& c);

}  // namespace cloister::explain
