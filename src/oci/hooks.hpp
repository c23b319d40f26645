// Running config.json's hooks: each program with its args and env, the container's state
// JSON on its stdin, killed at its timeout. Hooks run in the runtime's namespaces.
#pragma once

#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "oci/spec.hpp"

namespace cloister::oci {

// Runs `hooks` in order; the first that fails (exit status not 0, killed, timed out, not
// executable) is the error, naming it by its key ("hooks.createRuntime[0]").
Status run_hooks(const std::vector<Hook>& hooks, const std::string& state_json);

}  // namespace cloister::oci
