// Resource limits (setrlimit): per-process ceilings applied in the sandbox before exec.
#pragma once

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister::rlimits {

// Child side.
Status apply(const RlimitSetting& setting);

}  // namespace cloister::rlimits
