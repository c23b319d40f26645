// Terminal injection: a sandbox in the caller's session can push input into the caller's
// terminal with ioctl TIOCSTI (or paste on a virtual console with TIOCLINUX), which then runs
// as the caller once the sandbox exits. cloister's seccomp bases refuse both; a sandbox
// without them, or with a filter of its own that lets them through, is told so on stderr
// before it starts. --new-session closes the hole (no controlling terminal in the sandbox).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plan/plan.hpp"

namespace cloister::terminal {

// What the host says about cloister's standard descriptors, read when it starts.
struct Facts {
  std::vector<int> controlling;  // of fds 0-2, those that are the caller's controlling terminal
  std::vector<int> consoles;     // of those, the ones that are a virtual console (TIOCLINUX)
  // /proc/sys/dev/tty/legacy_tiocsti (Linux 6.2+): 0 refuses TIOCSTI to processes without
  // CAP_SYS_ADMIN in the initial user namespace; absent (older kernels) counts as 1.
  int legacy_tiocsti = 1;
};

Facts current_facts();

// One line, or nothing when the sandbox cannot inject into any terminal it shares.
std::optional<std::string> injection_warning(const Plan& plan, const Facts& facts);

}  // namespace cloister::terminal
