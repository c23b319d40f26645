// --rlimit NAME=SOFT[:HARD] and [rlimits] values -> RlimitSetting.
#pragma once

#include <string>
#include <string_view>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister::rlimits {

// "nofile=1024", "nofile=1024:4096", "core=0", "as=unlimited", "fsize=1G"
Result<RlimitSetting> parse(std::string_view text, const std::string& option);

}  // namespace cloister::rlimits
