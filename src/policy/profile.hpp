// TOML profiles: a front end that fills a Policy. A profile may `include` others (paths
// relative to it, loaded first); each file adds one seccomp layer on top of those before it.
//
//   include = ["common.toml"]
//   [seccomp]
//   base = "default"            # or "strict-daemon", "none"
//   default = "kill-process"    # or "errno:EPERM", "errno:ENOSYS", "trap", "log", "allow"
//   allow = ["@basic-io", "read", { name = "socket", args = [{ index = 0, op = "==", value =
//   "AF_UNIX" }] }] deny  = [{ name = "ioctl", args = [{ index = 1, op = "==", value = "TIOCSTI"
//   }], action = "errno:EPERM" }] allow-x32 = false allow-i386 = false
//
// Argument conditions: op is ==, !=, <, <=, >, >= or "masked==" (with `mask`); values are
// numbers or symbolic constants ("AF_UNIX", "CLONE_NEWUSER|CLONE_NEWNET"). Every problem is
// reported as FILE:LINE:COLUMN: message, all of them at once.
#pragma once

#include <string>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister::profile {

Status load_file(const std::string& path, Policy& policy);

// For tests and the API: `name` is used in locations.
Status load_text(const std::string& text, const std::string& name, Policy& policy);

}  // namespace cloister::profile
