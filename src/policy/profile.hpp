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
#include <vector>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister::profile {

Status load_file(const std::string& path, Policy& policy);

// A top-level key a profile wrote ("seccomp", "network", "sandbox"), in the profile itself or
// in a file it includes (`include` itself is not one), and where: "FILE:LINE:COLUMN".
struct TopLevelKey {
  std::string name;
  std::string origin;
};

// load_file, also listing the top-level keys the profile and its includes wrote, in the order
// read: what a front end that takes only some sections (cloister oci) says it leaves out. The
// keys as written, not a comparison of `policy` with a default one: a key that sets a value
// equal to the default (new-session = false) was still asked for.
Status load_file(const std::string& path, Policy& policy, std::vector<TopLevelKey>& keys);

// For tests and the API: `name` is used in locations.
Status load_text(const std::string& text, const std::string& name, Policy& policy);

}  // namespace cloister::profile
