#include "isolate/mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>

#include <cerrno>

#include "kernel/syscalls.hpp"

namespace cloister::mnt {
namespace {

Error mount_error(const char* op, const std::string& object, int err) {
  std::string hint;
  if (err == EPERM)
    hint = "the kernel refused: mounts need a user namespace or CAP_SYS_ADMIN";
  else if (err == ENOSYS)
    hint = "this kernel lacks the new mount API";
  return Error{"", op, object, err, hint};
}

}  // namespace

bool have_new_api() {
  static const bool have = [] {
    UniqueFd fd(sys::open_tree(-1, "", 0));
    return !(fd.get() < 0 && errno == ENOSYS);
  }();
  return have;
}

Result<UniqueFd> clone_tree(int dirfd, const std::string& path, bool recursive) {
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  if (path.empty()) flags |= AT_EMPTY_PATH;
  UniqueFd tree(sys::open_tree(dirfd, path.c_str(), flags));
  if (!tree) return mount_error("open_tree", path, errno);
  return tree;
}

Result<UniqueFd> new_fs(const std::string& fstype, const FsOptions& options, std::uint64_t attrs) {
  UniqueFd fsfd(sys::fsopen(fstype.c_str(), FSOPEN_CLOEXEC));
  if (!fsfd) return mount_error("fsopen", fstype, errno);
  for (const auto& [key, value] : options) {
    int rc = value.empty()
                 ? sys::fsconfig(fsfd.get(), FSCONFIG_SET_FLAG, key.c_str(), nullptr, 0)
                 : sys::fsconfig(fsfd.get(), FSCONFIG_SET_STRING, key.c_str(), value.c_str(), 0);
    if (rc != 0) return mount_error("fsconfig", fstype + " " + key + "=" + value, errno);
  }
  if (sys::fsconfig(fsfd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    return mount_error("fsconfig(create)", fstype, errno);
  UniqueFd mnt(sys::fsmount(fsfd.get(), FSMOUNT_CLOEXEC, static_cast<unsigned>(attrs)));
  if (!mnt) return mount_error("fsmount", fstype, errno);
  return mnt;
}

Status set_attrs(int mountfd, std::uint64_t attrs, bool recursive) {
  if (attrs == 0) return ok_status();
  uapi::MountAttr attr{attrs, 0, 0, 0};
  const unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  if (sys::mount_setattr(mountfd, "", flags, attr) != 0)
    return mount_error("mount_setattr", "", errno);
  return ok_status();
}

Status attach(int treefd, int targetfd) {
  if (sys::move_mount(treefd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    return mount_error("move_mount", "", errno);
  return ok_status();
}

}  // namespace cloister::mnt
