// Resource limit names (setrlimit's RLIMIT_*), shared by the front ends and the rlimit step.
#pragma once

#include <optional>
#include <string_view>

namespace cloister::rlimits {

// "nofile" / "NOFILE" / "RLIMIT_NOFILE" -> RLIMIT_NOFILE
std::optional<int> resource_from_name(std::string_view name);
std::string_view name_of(int resource);

}  // namespace cloister::rlimits
