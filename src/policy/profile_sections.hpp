// The profile sections that describe the sandbox itself rather than its filters: what its root
// holds ([filesystem]), how COMMAND is started ([process]), the sandbox mode (`sandbox`) and
// the network mode ([network]).
// Keys are named after the command-line options they stand for, with the same meanings:
//
//   sandbox = "auto"                    # --sandbox=namespace|chroot|auto
//   [filesystem]
//   root = "default"                    # the default system view (cloister run without
//                                       # filesystem options), or "empty"
//   ops = [                             # applied in order, before the command line's later ones
//     { ro-bind = ["${HOME}", "${HOME}"] },
//     { bind-try = ["${PWD}", "/work"] },
//     { tmpfs = "/scratch", size = "64M", perms = "0700" },
//     { dir = "/run/user" }, { symlink = ["usr/bin", "/bin"] }, { chmod = ["0700", "/x"] },
//   ]
//   [process]
//   new-session = true                  # and die-with-parent, host-ids, clearenv (booleans)
//   stop-timeout = 5                    # --stop-timeout SECONDS (fractions allowed)
//   setenv = { LANG = "C.UTF-8" }       # unsetenv = ["SSH_AUTH_SOCK"], chdir = "/work"
//   uid = 65534                         # and gid: --uid/--gid (the library: host ids for root)
//   capabilities = ["CAP_NET_BIND_SERVICE"]   # kept, as --cap-add
//   [namespaces]
//   pid = true                          # user, pid, net, ipc, uts, cgroup: true, false, "try"
//
// "${NAME}" in a path is the caller's environment variable NAME. Unset or empty, it is an
// error naming FILE:LINE:COLUMN, except in a -try operation, which is then skipped (as one
// whose source is missing).
#pragma once

#include <functional>
#include <string>

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "cloister/policy.hpp"

namespace cloister::profile {

// How a section reports a problem at a node ("FILE:LINE:COLUMN: what") and names where a
// node was written.
struct Reporter {
  std::function<void(const toml::node&, const std::string&)> problem;
};

// The caller's environment, looked up by name (nullptr when unset); injected for tests.
using Environment = std::function<const char*(const std::string&)>;
const char* process_environment(const std::string& name);

void network(const toml::node& node, Policy& policy, const Reporter& report);
void sandbox_mode(const toml::node& node, Policy& policy, const Reporter& report);
void namespaces(const toml::node& node, Policy& policy, const Reporter& report);
void filesystem(const toml::node& node, Policy& policy, const Reporter& report,
                const Environment& env);
void process(const toml::node& node, Policy& policy, const Reporter& report,
             const Environment& env);

}  // namespace cloister::profile
