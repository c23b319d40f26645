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
// The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap, or probed).
int last_cap();
// The permitted set of the calling process.
std::uint64_t permitted_now();

// Child side, after mounts: leave exactly `keep` in every set (bounding included), ambient
// raised for them so they survive exec as a non-root uid.
// With `only_if_permitted` (bwrap's "root keeps its capabilities"), capabilities this process
// does not hold are left out instead of failing, and the ambient set gets only those the
// inheritable set allows. With `sets_as_caller` as well (no --cap-add/--cap-drop), the
// effective, permitted and inheritable sets are left as the caller had them.
Status apply_keep_only(std::uint64_t keep, bool only_if_permitted = false,
                       bool sets_as_caller = false);
Status set_no_new_privs();
// Changes to real host ids (setgroups cleared, setresgid, setresuid) keeping the permitted
// capabilities and raising them effective again, so the capability step that follows can
// still clear the bounding set: root's chroot-mode sandbox running as nobody.
Status switch_ids_keeping_caps(uid_t uid, gid_t gid);

}  // namespace cloister::caps
