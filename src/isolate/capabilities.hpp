// Capabilities: the bounding, permitted, effective, inheritable and ambient sets.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"
#include "kernel/capability_names.hpp"

namespace cloister::caps {

// Child side, after mounts: leave exactly `keep` in every set (bounding included), ambient
// raised for them so they survive exec as a non-root uid.
// With `only_if_permitted` (bwrap's "root keeps its capabilities"), capabilities this process
// does not hold are left out instead of failing, and the ambient set gets only those the
// inheritable set allows. With `sets_as_caller` as well (no --cap-add/--cap-drop), the
// effective, permitted and inheritable sets are left as the caller had them.
Status apply_keep_only(std::uint64_t keep, bool only_if_permitted = false,
                       bool sets_as_caller = false);
// Child side, after mounts: the five sets exactly as given (an OCI process.capabilities), in
// runc's order: bounding first, then effective, permitted and inheritable, then ambient.
// Ambient capabilities must also be permitted and inheritable, inheritable ones in the
// bounding set (or already inheritable), permitted ones held now: the kernel refuses others.
Status apply_sets(const CapabilitySets& sets);
// cloister's init, once COMMAND is started: nothing effective, inheritable or ambient, and
// one harmless capability (CAP_WAKE_ALARM) left permitted. The kernel lets a process read
// another's /proc/PID/mem, environ or maps, or ptrace it, only when it holds every
// capability the other has permitted (or CAP_SYS_PTRACE over it): COMMAND, without this one,
// cannot look into init, a copy of cloister. The caller, which owns the sandbox's user
// namespace, still can (to join its namespaces through /proc/PID/ns).
// Where the capability is not held, every set is emptied instead.
Status keep_only_a_guard();
Status set_no_new_privs();
// Changes to real host ids (setgroups cleared, setresgid, setresuid) keeping the permitted
// capabilities and raising them effective again, so the capability step that follows can
// still clear the bounding set: root's chroot-mode sandbox running as nobody.
Status switch_ids_keeping_caps(uid_t uid, gid_t gid, const std::vector<gid_t>& groups = {});

}  // namespace cloister::caps
