// Capabilities: the bounding, permitted, effective, inheritable and ambient sets.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "cloister/error.hpp"

namespace cloister::caps {

// "CAP_NET_ADMIN", "net_admin" or "NET_ADMIN" -> 12.
std::optional<int> from_name(std::string_view name);
std::string_view name_of(int cap);
int last_cap();  // highest capability this kernel knows (probed with PR_CAPBSET_READ)

// Child side, after mounts: leave exactly `keep` in every set (bounding included), ambient
// raised for them so they survive exec as a non-root uid.
Status apply_keep_only(std::uint64_t keep);
Status set_no_new_privs();

}  // namespace cloister::caps
