// Resource limits (setrlimit): per-process ceilings applied in the sandbox before exec.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister::rlimits {

// "nofile" / "NOFILE" / "RLIMIT_NOFILE" -> RLIMIT_NOFILE
std::optional<int> resource_from_name(std::string_view name);
std::string_view name_of(int resource);

// "nofile=1024", "nofile=1024:4096", "core=0", "as=unlimited", "fsize=1G"
Result<RlimitSetting> parse(std::string_view text, const std::string& option);

// Parent side: a hard limit above the caller's own needs CAP_SYS_RESOURCE; without it the
// kernel would refuse later, so say so now, naming the limit.
Status check_against_caller(const RlimitSetting& setting, const std::string& origin);

// Child side.
Status apply(const RlimitSetting& setting);

}  // namespace cloister::rlimits
