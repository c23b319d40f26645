// Why the kernel refuses this process a namespace sandbox, told from what the process can
// see of itself and the system: a chroot, a sysctl, AppArmor, a seccomp filter (a
// container's). Reads /proc only; for error hints.
#pragma once

#include <string>

namespace cloister::refusal {

// The likeliest cause of a refused namespace operation (`err` as the kernel returned it),
// with what to do about it; a general sentence when nothing specific is found.
std::string cause(int err);

// True when this process's root is not a mount point: it runs in a chroot (the kernel then
// refuses user namespaces, and the mount tree cannot be made private from its root).
bool root_is_not_a_mount_point();

}  // namespace cloister::refusal
