// Capability names and what this kernel and process hold: read-only, for the front ends and
// planning as much as for the capability step itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cloister::caps {

// "CAP_NET_ADMIN", "net_admin" or "NET_ADMIN" -> 12.
std::optional<int> from_name(std::string_view name);
std::string_view name_of(int cap);
// The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap, or probed).
int last_cap();
// The permitted set of the calling process.
std::uint64_t permitted_now();

}  // namespace cloister::caps
