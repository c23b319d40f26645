// Landlock (child side, after the root is built, before capabilities and seccomp): filesystem
// rights per path, TCP ports, and scopes that keep the sandbox off abstract AF_UNIX sockets
// and signals outside it. The kernel's ABI (1..7) is negotiated at run time.
#pragma once

#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister::landlock {

// Applies the policy (paths resolved in the current root). Rights the ABI lacks are left
// out; the caller decides, via unenforceable(), whether that is an error.
Status apply(const LandlockPolicy& policy, int abi);

}  // namespace cloister::landlock
