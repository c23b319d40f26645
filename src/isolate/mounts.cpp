#include "isolate/mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "kernel/io.hpp"
#include "kernel/syscalls.hpp"

namespace cloister::mnt {
namespace {

std::string& proc_fd_dir() {
  static std::string dir = "/proc/self/fd";
  return dir;
}

Error mount_error(const char* op, const std::string& object, int err) {
  std::string hint;
  if (err == EPERM) hint = "the kernel refused: mounts need a user namespace or CAP_SYS_ADMIN";
  return Error{"", op, object, err, hint};
}

std::string fd_path(int fd) { return proc_fd_dir() + "/" + std::to_string(fd); }

std::string fd_path(int dirfd, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  return dirfd == AT_FDCWD ? path : fd_path(dirfd) + (path.empty() ? "" : "/" + path);
}

Status check_identity(int fd, const std::string& path, const Identity* expect) {
  if (!expect) return ok_status();
  struct stat st {};
  if (::fstat(fd, &st) != 0) return mount_error("fstat", path, errno);
  if (st.st_dev != expect->dev || st.st_ino != expect->ino)
    return Error{"", "open_tree", path, ESTALE,
                 "the source was replaced after cloister resolved it; refusing to mount it"};
  return ok_status();
}

// ---- new mount API ----

Status attach(int treefd, int targetfd) {
  if (sys::move_mount(treefd, "", targetfd, "",
                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    return mount_error("move_mount", "", errno);
  return ok_status();
}

Status setattr(int mountfd, std::uint64_t attrs, bool recursive) {
  if (attrs == 0) return ok_status();
  uapi::MountAttr attr{attrs, 0, 0, 0};
  const unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  if (sys::mount_setattr(mountfd, "", flags, attr) != 0)
    return mount_error("mount_setattr", "", errno);
  return ok_status();
}

// ---- mount(2) ----

unsigned long legacy_flags(std::uint64_t attrs) {
  unsigned long flags = 0;
  if (attrs & MOUNT_ATTR_RDONLY) flags |= MS_RDONLY;
  if (attrs & MOUNT_ATTR_NOSUID) flags |= MS_NOSUID;
  if (attrs & MOUNT_ATTR_NODEV) flags |= MS_NODEV;
  if (attrs & MOUNT_ATTR_NOEXEC) flags |= MS_NOEXEC;
  return flags;
}

// A remount must repeat the flags a less privileged namespace may not clear (locked).
unsigned long current_flags(const std::string& path) {
  struct statvfs sv {};
  if (::statvfs(path.c_str(), &sv) != 0) return 0;
  unsigned long flags = 0;
  const std::pair<unsigned long, unsigned long> map[] = {
      {ST_RDONLY, MS_RDONLY},    {ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},
      {ST_NOEXEC, MS_NOEXEC},    {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME},
      {ST_RELATIME, MS_RELATIME}};
  for (const auto& [st, ms] : map)
    if (sv.f_flag & st) flags |= ms;
  return flags;
}

// Mount points at or below `top`, as seen from this process's root, top first.
std::vector<std::string> mounts_below(const std::string& top) {
  std::vector<std::string> found;
  std::ifstream info(proc_fd_dir() + "/../mountinfo");
  std::string line;
  while (std::getline(info, line)) {
    std::size_t pos = 0;
    for (int field = 0; field < 4 && pos != std::string::npos; ++field)
      pos = line.find(' ', pos + 1);
    if (pos == std::string::npos) continue;
    const auto end = line.find(' ', pos + 1);
    const auto point = io::unescape_mountinfo(line.substr(pos + 1, end - pos - 1));
    if (point == top || (point.size() > top.size() && point.compare(0, top.size(), top) == 0 &&
                         (top == "/" || point[top.size()] == '/')))
      found.push_back(point);
  }
  return found;
}

Status legacy_add_attrs(const std::string& path, std::uint64_t attrs, bool recursive) {
  if (attrs == 0) return ok_status();
  char resolved[4096];
  ssize_t n = ::readlink(path.c_str(), resolved, sizeof resolved - 1);
  const std::string top = n > 0 ? std::string(resolved, static_cast<std::size_t>(n)) : path;
  std::vector<std::string> targets = recursive ? mounts_below(top) : std::vector<std::string>{};
  if (targets.empty()) targets.push_back(top);
  for (const auto& target : targets) {
    const unsigned long flags = MS_REMOUNT | MS_BIND | current_flags(target) | legacy_flags(attrs);
    if (::mount(nullptr, target.c_str(), nullptr, flags, nullptr) != 0)
      return mount_error("mount(MS_REMOUNT|MS_BIND)", target, errno);
  }
  return ok_status();
}

std::string legacy_options(const FsOptions& options) {
  std::string text;
  for (const auto& [key, value] : options)
    text += (text.empty() ? "" : ",") + key + (value.empty() ? "" : "=" + value);
  return text;
}

}  // namespace

void set_proc_fd_dir(std::string dir) { proc_fd_dir() = std::move(dir); }

bool have_new_api() {
  static const bool have = [] {
    const char* forced = std::getenv("CLOISTER_LEGACY_MOUNT_API");
    if (forced && std::strcmp(forced, "1") == 0) return false;
    UniqueFd fd(sys::open_tree(-1, "", 0));
    return !(fd.get() < 0 && errno == ENOSYS);
  }();
  return have;
}

Status bind(int dirfd, const std::string& path, int targetfd, std::uint64_t attrs, bool recursive,
            const Identity* expect) {
  if (have_new_api()) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
    if (path.empty()) flags |= AT_EMPTY_PATH;
    UniqueFd tree(sys::open_tree(dirfd, path.c_str(), flags));
    if (!tree) return mount_error("open_tree", path, errno);
    CLOISTER_TRY(check_identity(tree.get(), path, expect));
    CLOISTER_TRY(setattr(tree.get(), attrs, recursive));
    return attach(tree.get(), targetfd);
  }
  const std::string source = fd_path(dirfd, path);
  if (expect) {
    UniqueFd src(::open(source.c_str(), O_PATH | O_CLOEXEC));
    if (!src) return mount_error("open", path, errno);
    CLOISTER_TRY(check_identity(src.get(), path, expect));
  }
  const std::string target = fd_path(targetfd);
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | (recursive ? MS_REC : 0),
              nullptr) != 0)
    return mount_error("mount(MS_BIND)", path, errno);
  return legacy_add_attrs(target, attrs, recursive);
}

Status mount_fs(const std::string& fstype, const FsOptions& options, int targetfd,
                std::uint64_t attrs) {
  if (!have_new_api()) {
    const std::string target = fd_path(targetfd);
    if (::mount(fstype.c_str(), target.c_str(), fstype.c_str(), legacy_flags(attrs),
                legacy_options(options).c_str()) != 0)
      return mount_error("mount", fstype, errno);
    return ok_status();
  }
  UniqueFd fsfd(sys::fsopen(fstype.c_str(), FSOPEN_CLOEXEC));
  if (!fsfd) return mount_error("fsopen", fstype, errno);
  FsOptions all{{"source", fstype}};  // /proc/mounts then names it, as mount(2) would
  all.insert(all.end(), options.begin(), options.end());
  for (const auto& [key, value] : all) {
    int rc = value.empty()
                 ? sys::fsconfig(fsfd.get(), FSCONFIG_SET_FLAG, key.c_str(), nullptr, 0)
                 : sys::fsconfig(fsfd.get(), FSCONFIG_SET_STRING, key.c_str(), value.c_str(), 0);
    if (rc != 0) return mount_error("fsconfig", fstype + " " + key + "=" + value, errno);
  }
  if (sys::fsconfig(fsfd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    return mount_error("fsconfig(create)", fstype, errno);
  UniqueFd mnt(sys::fsmount(fsfd.get(), FSMOUNT_CLOEXEC, static_cast<unsigned>(attrs)));
  if (!mnt) return mount_error("fsmount", fstype, errno);
  return attach(mnt.get(), targetfd);
}

Status add_attrs(int mountfd, std::uint64_t attrs, bool recursive) {
  if (have_new_api()) return setattr(mountfd, attrs, recursive);
  return legacy_add_attrs(fd_path(mountfd), attrs, recursive);
}

}  // namespace cloister::mnt
