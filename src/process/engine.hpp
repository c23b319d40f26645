// The step engine: applies a Plan to the calling process, phase by phase, in the fixed
// hardening order. `cloister run`'s child and a daemon confining itself through the library
// call the same functions; nothing here starts, waits for or supervises a process.
//
//   namespaces  -> ids (maps, or the switch to the ids the parent mapped), hostname, lo
//   filesystem  -> private mounts, the constructed root, pivot_root (or chroot)
//   privileges  -> session, descriptors, rlimits, Landlock, host ids, capabilities,
//                  no_new_privs
//   seccomp     -> last: from then on every syscall goes through the filters
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "cloister/error.hpp"
#include "kernel/fd.hpp"
#include "plan/plan.hpp"
#include "process/trace.hpp"

namespace cloister::engine {

// ---- namespaces ----
// In-process (the library): unshare() the plan's namespaces but PID (a process cannot enter
// a new PID namespace itself; daemonize does that for its child), then settle them.
Status unshare_namespaces(const Plan& plan);
// --userns FD: join that user namespace and take ids mapped there.
Status join_user_namespace(const Plan& plan);
// Once inside the namespaces `created`: the process maps its own ids, or switches to the
// inside ids its parent mapped.
Status take_ids(const Plan& plan, std::uint64_t created);

// The plan's existing namespaces to enter (Namespaces::joins), after the user namespace.
Status join_namespaces(const Plan& plan);

// Namespaced sysctls, before the root is built: /proc/sys/net and the IPC keys show the
// writer's own namespaces, whichever procfs they are reached through (the front end lets
// through only keys of namespaces the sandbox has of its own).
Status write_sysctls(const Plan& plan);
// Then the hostname, and lo up in a new network namespace.
Status name_and_loopback(const Plan& plan, std::uint64_t created);

// ---- filesystem ----
// Namespace mode: private mounts, the plan's steps into a fresh root, the host's root
// detached, pivot_root, chdir. Returns the descriptors the sandbox holds (lock files).
Result<std::vector<UniqueFd>> build_root(const Plan& plan, SetupTrace& trace);
// Chroot mode: chroot into the plan's directory and chdir.
Status enter_chroot(const Plan& plan);

// ---- privileges ----
struct PrivilegeOptions {
  bool chroot_mode = false;  // also drops CAP_SYS_CHROOT; the chroot plan's host ids
  // Close inherited descriptors here (the library). The launcher closes them in the parent,
  // first thing, and its child holds descriptors of its own by then.
  bool close_inherited = false;
};
// Before exec or the daemon's main loop: a new session, the descriptor step, rlimits,
// Landlock, the switch to real host ids (root without a user namespace), capabilities,
// no_new_privs.
Status drop_privileges(const Plan& plan, const PrivilegeOptions& options);

// ---- seccomp ----
// The plan's programs, in order. `all_threads`: synchronised to every thread (the library).
Status install_seccomp(const Plan& plan, bool chroot_mode, bool all_threads);

// cloister's descriptor step: every inherited descriptor above 2 closed but those the plan
// keeps (the options' own, --keep-fd, the library's kept handles); kept ones made
// inheritable. The launcher runs it first thing, before anything else is opened.
Status close_inherited_descriptors(const Plan& plan);

// PR_SET_PDEATHSIG(SIGKILL), then a check of the parent's pidfd: a parent that died before
// the call is seen (the signal would never come). Changing credentials clears the death
// signal: call it again afterwards. 1 when the parent is already gone.
Result<bool> set_death_signal(int parent_pidfd);

}  // namespace cloister::engine
