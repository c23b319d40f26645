// The built-in seccomp bases compiled at build time (tools/precompile_filters.cpp): what
// `cloister run` installs when a policy adds nothing to its base.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "seccomp/filter.hpp"

namespace cloister::seccomp {

// The programs of `base` ("default", "strict-daemon") in installation order; nullopt for
// others. `exec_command`: cloister run's variant, with exec allowed implicitly; without, a
// daemon's (libcloister). Defined in the generated source linked into the cloister
// executable, libcloister and the tests.
std::optional<std::vector<Program>> precompiled(const std::string& base, bool exec_command = true);

}  // namespace cloister::seccomp
