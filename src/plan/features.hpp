// What this kernel and this caller can do, as planning needs to know it: probed read-only, in
// the parent, before anything is changed.
#pragma once

#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister {

namespace landlock {
// The kernel's Landlock ABI version; 0 when Landlock is unavailable.
int abi();
// What the policy asks for that `abi` cannot enforce: one line per right, naming the ABI
// needed ("TCP connect rules (--allow-connect): needs Landlock ABI 4, the kernel has 3").
std::vector<std::string> unenforceable(const LandlockPolicy& policy, int abi);
}  // namespace landlock

namespace rlimits {
// A hard limit above the caller's own needs CAP_SYS_RESOURCE; without it the kernel would
// refuse later, in the sandbox, so say so now, naming the limit.
Status check_against_caller(const RlimitSetting& setting, const std::string& origin);
}  // namespace rlimits

}  // namespace cloister
