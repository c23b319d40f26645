// Mount primitives on fds: the new mount API (open_tree, fsopen/fsmount, move_mount,
// mount_setattr), falling back to mount(2) on kernels without it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cloister/error.hpp"
#include "kernel/fd.hpp"

namespace cloister::mnt {

// Options for a new filesystem instance: ("mode", "0755"), ("newinstance", "") for a flag.
using FsOptions = std::vector<std::pair<std::string, std::string>>;

// Detached copy of the tree at `path` (recursive), not yet attached anywhere.
Result<UniqueFd> clone_tree(int dirfd, const std::string& path, bool recursive);
// A new instance of `fstype`, detached.
Result<UniqueFd> new_fs(const std::string& fstype, const FsOptions& options, std::uint64_t attrs);
// Set MOUNT_ATTR_* on a mount (and, when recursive, everything below it).
Status set_attrs(int mountfd, std::uint64_t attrs, bool recursive);
// Attach a detached tree onto the object `targetfd` refers to.
Status attach(int treefd, int targetfd);

// Whether the kernel has the new mount API (probed once, on first use).
bool have_new_api();

}  // namespace cloister::mnt
