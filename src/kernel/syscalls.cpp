#include "kernel/syscalls.hpp"

#include <sys/syscall.h>
#include <unistd.h>

namespace cloister::sys {

pid_t clone3(uapi::CloneArgs& args) {
  return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof(args)));
}
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_send_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}
int openat2(int dirfd, const char* path, const uapi::OpenHow& how) {
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
}
int open_tree(int dirfd, const char* path, unsigned flags) {
  return static_cast<int>(::syscall(SYS_open_tree, dirfd, path, flags));
}
int move_mount(int from_dirfd, const char* from_path, int to_dirfd, const char* to_path,
               unsigned flags) {
  return static_cast<int>(
      ::syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags));
}
int mount_setattr(int dirfd, const char* path, unsigned flags, const uapi::MountAttr& attr) {
  return static_cast<int>(::syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof(attr)));
}
int fsopen(const char* fsname, unsigned flags) {
  return static_cast<int>(::syscall(SYS_fsopen, fsname, flags));
}
int fsconfig(int fd, unsigned cmd, const char* key, const void* value, int aux) {
  return static_cast<int>(::syscall(SYS_fsconfig, fd, cmd, key, value, aux));
}
int fsmount(int fd, unsigned flags, unsigned attr_flags) {
  return static_cast<int>(::syscall(SYS_fsmount, fd, flags, attr_flags));
}
int pivot_root(const char* new_root, const char* put_old) {
  return static_cast<int>(::syscall(SYS_pivot_root, new_root, put_old));
}

}  // namespace cloister::sys
