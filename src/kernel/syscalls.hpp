// Thin typed wrappers for syscalls without (usable) libc wrappers. Each returns what the
// kernel returns and leaves errno set; callers wrap context around it.
#pragma once

#include <sys/types.h>

#include <csignal>

#include "kernel/uapi.hpp"

namespace cloister::sys {

pid_t clone3(uapi::CloneArgs& args);
int pidfd_open(pid_t pid);
int pidfd_send_signal(int pidfd, int sig);
int openat2(int dirfd, const char* path, const uapi::OpenHow& how);
int open_tree(int dirfd, const char* path, unsigned flags);
int move_mount(int from_dirfd, const char* from_path, int to_dirfd, const char* to_path,
               unsigned flags);
int mount_setattr(int dirfd, const char* path, unsigned flags, const uapi::MountAttr& attr);
int fsopen(const char* fsname, unsigned flags);
int fsconfig(int fd, unsigned cmd, const char* key, const void* value, int aux);
int fsmount(int fd, unsigned flags, unsigned attr_flags);
int pivot_root(const char* new_root, const char* put_old);

}  // namespace cloister::sys
