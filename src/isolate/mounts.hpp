// Mount operations on fds. The new mount API (open_tree, fsopen/fsmount, move_mount,
// mount_setattr) where the kernel has it: attributes are set on a detached tree before it
// becomes visible, submounts included. mount(2) otherwise, with the attributes applied by
// remounting every mount of the tree after it is attached.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cloister/error.hpp"
#include "kernel/fd.hpp"

namespace cloister::mnt {

// Options for a new filesystem instance: ("mode", "0755"); ("newinstance", "") is a flag.
using FsOptions = std::vector<std::pair<std::string, std::string>>;

// Where mount(2) can reach a descriptor by path while the tree is built (a procfs of the
// host's, under the old root).
void set_proc_fd_dir(std::string dir);

struct Identity {
  dev_t dev = 0;
  ino_t ino = 0;
};

// Bind `path` (relative to `dirfd`) onto the object `targetfd` refers to, with MOUNT_ATTR_*
// `attrs`. With `expect`, refuses (ESTALE) unless the source is that inode.
Status bind(int dirfd, const std::string& path, int targetfd, std::uint64_t attrs, bool recursive,
            const Identity* expect = nullptr);

// A new instance of `fstype` mounted onto `targetfd`.
Status mount_fs(const std::string& fstype, const FsOptions& options, int targetfd,
                std::uint64_t attrs);

// Add MOUNT_ATTR_* to the mount whose root `mountfd` is (and, when recursive, below it).
Status add_attrs(int mountfd, std::uint64_t attrs, bool recursive);

// Whether the kernel has the new mount API (probed once). CLOISTER_LEGACY_MOUNT_API=1 in the
// environment forces mount(2), to test that path on new kernels.
bool have_new_api();

}  // namespace cloister::mnt
