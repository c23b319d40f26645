// Capabilities: the bounding, permitted, effective, inheritable and ambient sets.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "cloister/error.hpp"

namespace cloister::caps {

// "CAP_NET_ADMIN", "net_admin" or "NET_ADMIN" -> 12.
std::optional<int> from_name(std::string_view name);
std::string_view name_of(int cap);
int last_cap();
// The permitted set of the calling process.
std::uint64_t
permitted_now();  // highest capability this kernel knows (probed with PR_CAPBSET_READ)

// Child side, after mounts: leave exactly `keep` in every set (bounding included), ambient
// raised for them so they survive exec as a non-root uid.
// With `only_if_permitted`, capabilities this process does not hold are left out instead of
// failing (bwrap's "root keeps its capabilities" keeps what root has).
Status apply_keep_only(std::uint64_t keep, bool only_if_permitted = false);
Status set_no_new_privs();
// Changes to real host ids (setgroups cleared, setresgid, setresuid) keeping the permitted
// capabilities and raising them effective again, so the capability step that follows can
// still clear the bounding set: root's chroot-mode sandbox running as nobody.
Status switch_ids_keeping_caps(uid_t uid, gid_t gid);

}  // namespace cloister::caps
