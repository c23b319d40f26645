// Namespaces: user-namespace id maps (from the child itself or from the parent), joining
// namespaces by fd, the UTS hostname, and refusing nested user namespaces.
#pragma once

#include <sys/types.h>

#include <string>

#include "cloister/error.hpp"
#include "kernel/fd.hpp"
#include "plan/plan.hpp"

namespace cloister::ns {

// Child side: the child maps its own (single) uid and gid; the kernel allows that without
// privilege once setgroups is denied.
Status write_own_id_maps(const IdMaps& maps);
// Parent side: maps with ranges need CAP_SETUID/CAP_SETGID in the parent namespace.
Status write_id_maps_for(pid_t child, const IdMaps& maps);

// Child side, after the parent wrote range maps: become the plan's inside uid/gid with no
// supplementary groups (the caller's host groups are not mapped).
Status switch_ids(const IdMaps& maps);

Status join(int fd, int nstype, const char* option);
// After joining a user namespace (--userns): when the caller's host ids `uid`/`gid` are not
// mapped there (root's sandbox maps its ids onto nobody), become the namespace's first mapped
// ids, so files made inside have an owner. Needs nothing: setns gave full capabilities there.
Status adopt_joined_ids(uid_t uid, gid_t gid);
Status set_hostname(const std::string& name);

// --disable-userns, in two steps. A process with CAP_SYS_RESOURCE in a user namespace may
// raise that namespace's user.max_user_namespaces again, and the payload may keep its
// capabilities (--cap-add), so the limit is set one level above it:
// 1. before the host's root is detached: the sandbox's user namespace may hold one nested
//    user namespace (written through the procfs at `proc`); returns this process's /proc
//    directory, for step 2.
Result<UniqueFd> limit_nested_user_namespaces(const std::string& proc);
// 2. once the root is built: move into that one nested namespace, mapping the current ids
//    onto themselves; from inside, creating another is refused (checked), whatever the
//    payload's capabilities.
Status enter_last_user_namespace(int proc_self_dir);
// Fails unless creating a user namespace is refused here (--assert-userns-disabled).
Status assert_user_namespaces_refused();

// Inode number of /proc/PID/ns/NAME, 0 when unreadable.
unsigned long namespace_id(pid_t pid, const char* name);

}  // namespace cloister::ns
