#include "isolate/filesystem.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "isolate/mounts.hpp"
#include "isolate/refusal.hpp"
#include "kernel/syscalls.hpp"

namespace cloister::fs {
namespace {

constexpr const char* kBase = "/tmp";         // scratch tmpfs, pivoted into first
constexpr const char* kOldRoot = "/oldroot";  // the host's root while building
constexpr const char* kNewRoot = "/newroot";
constexpr std::uint64_t kSpecialFsAttrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

Error fs_error(const std::string& op, const std::string& object, int err, std::string hint = "") {
  return Error{"", op, object, err, std::move(hint)};
}

Error with_step(Error e, const FsStep& s) {
  e.step = describe(s);
  // Host paths are reached under /oldroot while building; users know them without it.
  const std::string prefix = "/oldroot/";
  if (e.object.compare(0, prefix.size(), prefix) == 0) e.object.erase(0, prefix.size() - 1);
  return e;
}

std::string relative(const std::string& path) {
  std::size_t start = path.find_first_not_of('/');
  return start == std::string::npos ? "." : path.substr(start);
}

std::string parent_of(const std::string& path) {
  auto rel = relative(path);
  auto slash = rel.find_last_of('/');
  return slash == std::string::npos ? "." : rel.substr(0, slash);
}

std::string leaf_of(const std::string& path) {
  auto rel = relative(path);
  while (rel.size() > 1 && rel.back() == '/') rel.pop_back();
  auto slash = rel.find_last_of('/');
  return slash == std::string::npos ? rel : rel.substr(slash + 1);
}

// Opens `path` inside the tree rooted at `rootfd`: ".." and symlinks (absolute ones too)
// resolve as if rootfd were "/", so nothing planted in the new root can lead out of it.
Result<UniqueFd> open_in_root(int rootfd, const std::string& path, int flags) {
  uapi::OpenHow how{static_cast<std::uint64_t>(flags | O_CLOEXEC), 0,
                    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  const auto rel = relative(path);
  // EAGAIN: a rename or mount elsewhere on the system raced with a ".." in the path, and the
  // kernel could not tell that it stayed inside; openat2(2) says to try again.
  for (int attempt = 0;; ++attempt) {
    UniqueFd fd(sys::openat2(rootfd, rel.c_str(), how));
    if (fd) return fd;
    if (errno != EAGAIN || attempt == 63) return fs_error("openat2", path, errno);
  }
}

// The mode of parent directories created for an object of mode `perms` (bwrap's rule): 0755,
// without group access when the object grants its group none, the same for others.
mode_t parents_for(mode_t perms) {
  mode_t mode = 0755;
  if ((perms & 0070) == 0) mode &= ~mode_t{0050};
  if ((perms & 0007) == 0) mode &= ~mode_t{0005};
  return mode;
}

// mkdir -p inside the new root, each component resolved in the root; missing parents get
// `parents`, the last component `mode`.
Result<UniqueFd> make_dirs(int rootfd, const std::string& path, mode_t mode,
                           mode_t parents = 0755) {
  const auto rel = relative(path);
  UniqueFd dir(::fcntl(rootfd, F_DUPFD_CLOEXEC, 3));
  if (!dir) return fs_error("dup", path, errno);
  if (rel == ".") return dir;
  std::size_t pos = 0;
  while (pos <= rel.size()) {
    auto slash = rel.find('/', pos);
    if (slash == std::string::npos) slash = rel.size();
    const auto component = rel.substr(pos, slash - pos);
    const auto prefix = rel.substr(0, slash);
    pos = slash + 1;
    if (component.empty() || component == ".") continue;
    const bool last = slash >= rel.size();
    if (::mkdirat(dir.get(), component.c_str(), last ? mode : parents) == 0) {
      if (last && ::fchmodat(dir.get(), component.c_str(), mode, 0) != 0)
        return fs_error("chmod", path, errno);
    } else if (errno != EEXIST) {
      return fs_error("mkdir", "/" + prefix, errno);
    }
    auto next = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
    if (!next) return next.take_error();
    dir = std::move(*next);
  }
  return dir;
}

// The object a mount goes onto: an existing one (resolved in the root) or a new empty
// directory or file of the source's type.
Result<UniqueFd> make_mountpoint(int rootfd, const std::string& dest, bool directory,
                                 mode_t parents = 0755) {
  auto existing = open_in_root(rootfd, dest, O_PATH);
  if (existing) return existing;
  if (existing.error().err != ENOENT) return existing.take_error();
  if (directory) return make_dirs(rootfd, dest, 0755, parents);
  auto parent = make_dirs(rootfd, parent_of(dest), parents, parents);
  if (!parent) return parent.take_error();
  UniqueFd file(::openat(parent->get(), leaf_of(dest).c_str(),
                         O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0444));
  if (!file && errno != EEXIST) return fs_error("create", dest, errno);
  return open_in_root(rootfd, dest, O_PATH);
}

Status write_all(int fd, const std::string& data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fs_error("write", path, errno);
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

std::string proc_fd_path(int fd) {
  return std::string(kOldRoot) + "/proc/self/fd/" + std::to_string(fd);
}

class StepApplier {
 public:
  StepApplier(int rootfd, std::vector<UniqueFd>& held, unsigned& data_files)
      : root_(rootfd), held_(held), data_files_(data_files) {}

  Status operator()(const step::Bind& s) {
    std::uint64_t attrs = MOUNT_ATTR_NOSUID;
    if (!s.devices) attrs |= MOUNT_ATTR_NODEV;
    if (s.read_only) attrs |= MOUNT_ATTR_RDONLY;
    if (s.noexec) attrs |= MOUNT_ATTR_NOEXEC;
    auto target = make_mountpoint(root_, s.dest, s.source_is_dir);
    if (!target) return target.take_error();
    const mnt::Identity identity{s.dev, s.ino};
    return mnt::bind(AT_FDCWD, std::string(kOldRoot) + s.source, target->get(), attrs, true,
                     &identity);
  }

  Status operator()(const step::RemountRo& s) {
    auto target = open_in_root(root_, s.dest, O_PATH);
    if (!target) return target.take_error();
    if (s.bind_first) {
      // A path inside a mount (/proc/asound): bound onto itself, it becomes a mount point.
      CLOISTER_TRY(mnt::bind(target->get(), "", target->get(), MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true));
      target = open_in_root(root_, s.dest, O_PATH);
      if (!target) return target.take_error();
    }
    auto st = mnt::add_attrs(target->get(), MOUNT_ATTR_RDONLY, true);
    if (!st.ok() && st.error().err == EINVAL) {
      auto e = st.take_error();
      e.hint = "DEST must be a mount point";
      return e;
    }
    return st;
  }

  Status operator()(const step::Tmpfs& s) {
    mnt::FsOptions options{{"mode", octal(s.mode)}};
    if (s.size) options.emplace_back("size", std::to_string(*s.size));
    const std::uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                (s.read_only ? MOUNT_ATTR_RDONLY : 0) |
                                (s.noexec ? MOUNT_ATTR_NOEXEC : 0);
    return mount_new(s.dest, "tmpfs", options, attrs, parents_for(s.mode));
  }

  // sysfs shows the network devices of the mounting process's network namespace.
  Status operator()(const step::Sysfs& s) {
    return mount_new(s.dest, "sysfs", {}, kSpecialFsAttrs | (s.read_only ? MOUNT_ATTR_RDONLY : 0));
  }

  // In a cgroup namespace of its own, the sandbox sees its own cgroup as the root.
  Status operator()(const step::CgroupFs& s) {
    const std::uint64_t ro = s.read_only ? MOUNT_ATTR_RDONLY : 0;
    if (s.v1.empty()) return mount_new(s.dest, "cgroup2", {}, kSpecialFsAttrs | ro);
    CLOISTER_TRY(mount_new(s.dest, "tmpfs", {{"mode", "0755"}}, kSpecialFsAttrs));
    for (const auto& [name, controllers] : s.v1) {
      auto dir = make_dirs(root_, s.dest + "/" + name, 0755);
      if (!dir) return dir.take_error();
      mnt::FsOptions options;
      std::size_t start = 0;
      while (start <= controllers.size()) {
        auto end = controllers.find(',', start);
        if (end == std::string::npos) end = controllers.size();
        if (end > start) options.emplace_back(controllers.substr(start, end - start), "");
        start = end + 1;
      }
      CLOISTER_TRY(mnt::mount_fs("cgroup", options, dir->get(), kSpecialFsAttrs | ro));
    }
    if (!s.read_only) return ok_status();
    auto top = open_in_root(root_, s.dest, O_PATH | O_DIRECTORY);
    if (!top) return top.take_error();
    return mnt::add_attrs(top->get(), MOUNT_ATTR_RDONLY, false);
  }

  Status operator()(const step::Proc& s) {
    constexpr std::uint64_t kAttrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    auto mounted = mount_new(s.dest, "proc", {}, kAttrs);
    if (!mounted.ok() && mounted.error().err == EPERM && s.host_pid_namespace) {
      // A user namespace that does not own the host's PID namespace may not mount a procfs
      // for it; that procfs is the host's /proc, so bind it (with its submounts).
      auto target = make_dirs(root_, s.dest, 0755);
      if (!target) return target.take_error();
      mounted = mnt::bind(AT_FDCWD, std::string(kOldRoot) + "/proc", target->get(), kAttrs, true);
    }
    CLOISTER_TRY(mounted);
    if (!s.knobs_read_only) return ok_status();
    auto proc = open_in_root(root_, s.dest, O_PATH | O_DIRECTORY);
    if (!proc) return proc.take_error();
    // Parts of /proc that reach beyond the sandbox's namespaces stay read-only.
    for (const char* sub : {"sys", "sysrq-trigger", "irq", "bus"}) {
      UniqueFd onto(::openat(proc->get(), sub, O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!onto && errno == ENOENT) continue;
      if (!onto) return fs_error("open", s.dest + "/" + sub, errno);
      CLOISTER_TRY(mnt::bind(
          proc->get(), sub, onto.get(),
          MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, true));
    }
    return ok_status();
  }

  Status operator()(const step::Dev& s) {
    // nodev: the device nodes below are bind mounts of their own, usable; a node made here
    // (mknod with CAP_MKNOD) is not, so the nodes bound are the only devices reachable.
    mnt::FsOptions options{{"mode", "0755"}};
    if (s.size) options.emplace_back("size", std::to_string(*s.size));
    CLOISTER_TRY(
        mount_new(s.dest, "tmpfs", options, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV));
    auto dev = open_in_root(root_, s.dest, O_PATH | O_DIRECTORY);
    if (!dev) return dev.take_error();
    for (const char* node : {"null", "zero", "full", "random", "urandom", "tty"})
      CLOISTER_TRY(bind_device(dev->get(), std::string("/dev/") + node, node));
    for (const auto& [name, mode] : {std::pair{"shm", 01777}, std::pair{"pts", 0755}}) {
      if (::mkdirat(dev->get(), name, 0) != 0 ||
          ::fchmodat(dev->get(), name, static_cast<mode_t>(mode), 0) != 0)
        return fs_error("mkdir", s.dest + "/" + name, errno);
    }
    UniqueFd pts_dir(::openat(dev->get(), "pts", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!pts_dir) return fs_error("open", s.dest + "/pts", errno);
    CLOISTER_TRY(mnt::mount_fs("devpts",
                               {{"newinstance", ""}, {"ptmxmode", "0666"}, {"mode", "620"}},
                               pts_dir.get(), MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC));
    const std::array<std::pair<const char*, const char*>, 6> links = {
        {{"ptmx", "pts/ptmx"},
         {"fd", "/proc/self/fd"},
         {"stdin", "/proc/self/fd/0"},
         {"stdout", "/proc/self/fd/1"},
         {"stderr", "/proc/self/fd/2"},
         {"core", "/proc/kcore"}}};
    for (const auto& [name, target] : links)
      if (::symlinkat(target, dev->get(), name) != 0)
        return fs_error("symlink", s.dest + "/" + name, errno);
    if (!s.console.empty()) CLOISTER_TRY(bind_device(dev->get(), s.console, "console"));
    return ok_status();
  }

  Status operator()(const step::Mqueue& s) {
    return mount_new(s.dest, "mqueue", {},
                     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  }

  Status operator()(const step::Dir& s) {
    auto dir = make_dirs(root_, s.dest, s.mode, parents_for(s.mode));
    if (!dir) return dir.take_error();
    return ok_status();
  }

  Status operator()(const step::Symlink& s) {
    auto parent = make_dirs(root_, parent_of(s.dest), 0755);
    if (!parent) return parent.take_error();
    const auto name = leaf_of(s.dest);
    if (::symlinkat(s.target.c_str(), parent->get(), name.c_str()) == 0) return ok_status();
    const int err = errno;
    char existing[4096];
    ssize_t n = ::readlinkat(parent->get(), name.c_str(), existing, sizeof existing);
    if (err == EEXIST && n >= 0 && std::string(existing, static_cast<std::size_t>(n)) == s.target)
      return ok_status();  // bwrap accepts an identical existing link
    return fs_error("symlink", s.dest, err);
  }

  Status operator()(const step::File& s) {
    const mode_t parents = parents_for(s.mode);
    auto parent = make_dirs(root_, parent_of(s.dest), parents, parents);
    if (!parent) return parent.take_error();
    UniqueFd file(::openat(parent->get(), leaf_of(s.dest).c_str(),
                           O_CREAT | O_TRUNC | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, s.mode));
    if (!file) return fs_error("create", s.dest, errno);
    CLOISTER_TRY(write_all(file.get(), s.data, s.dest));
    if (::fchmod(file.get(), s.mode) != 0) return fs_error("chmod", s.dest, errno);
    return ok_status();
  }

  Status operator()(const step::BindData& s) {
    // The data lives on the scratch tmpfs, outside the new root, bound onto DEST.
    const std::string scratch = "/data-" + std::to_string(data_files_++);
    UniqueFd file(::open(scratch.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, s.mode));
    if (!file) return fs_error("create", scratch, errno);
    CLOISTER_TRY(write_all(file.get(), s.data, s.dest));
    if (::fchmod(file.get(), s.mode) != 0) return fs_error("chmod", scratch, errno);
    std::uint64_t attrs =
        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (s.read_only ? MOUNT_ATTR_RDONLY : 0);
    auto target = make_mountpoint(root_, s.dest, false, parents_for(s.mode));
    if (!target) return target.take_error();
    return mnt::bind(AT_FDCWD, scratch, target->get(), attrs, false);
  }

  Status operator()(const step::Chmod& s) {
    auto target = open_in_root(root_, s.path, O_PATH);
    if (!target) return target.take_error();
    if (::chmod(proc_fd_path(target->get()).c_str(), s.mode) != 0)
      return fs_error("chmod", s.path, errno);
    return ok_status();
  }

  Status operator()(const step::LockFile& s) {
    auto file = open_in_root(root_, s.dest, O_RDONLY);
    if (!file) return file.take_error();
    struct flock lock {};
    lock.l_type = F_RDLCK;
    lock.l_whence = SEEK_SET;
    if (::fcntl(file->get(), F_SETLK, &lock) != 0) return fs_error("fcntl(F_SETLK)", s.dest, errno);
    held_.push_back(std::move(*file));
    return ok_status();
  }

  Status operator()(const step::SealRoot&) {
    return mnt::add_attrs(root_, MOUNT_ATTR_RDONLY, false);
  }

 private:
  static std::string octal(mode_t mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode));
    return buf;
  }

  Status mount_new(const std::string& dest, const char* fstype, const mnt::FsOptions& options,
                   std::uint64_t attrs, mode_t parents = 0755) {
    auto target = make_dirs(root_, dest, 0755, parents);
    if (!target) return target.take_error();
    return mnt::mount_fs(fstype, options, target->get(), attrs);
  }

  // Device nodes cannot be executed and carry no set-id bits, so no mount attributes.
  Status bind_device(int devfd, const std::string& host_path, const char* name) {
    UniqueFd node(
        ::openat(devfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0444));
    if (!node) return fs_error("create", std::string("dev/") + name, errno);
    return mnt::bind(AT_FDCWD, std::string(kOldRoot) + host_path, node.get(), 0, false);
  }

  int root_;
  std::vector<UniqueFd>& held_;
  unsigned& data_files_;
};

bool mounts_on_root(const FsStep& s) {
  const std::string* dest = nullptr;
  if (auto* b = std::get_if<step::Bind>(&s))
    dest = &b->dest;
  else if (auto* t = std::get_if<step::Tmpfs>(&s))
    dest = &t->dest;
  return dest && relative(*dest) == ".";
}

}  // namespace

Result<RootBuilder> RootBuilder::begin() {
  // Nothing is mounted before this succeeds, so no mount can propagate to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    const int err = errno;
    // In a chroot whose root is not a mount point there is no way to name the mount to make
    // private (and the kernel refuses user namespaces to chrooted processes).
    return Error{"private mounts", "mount(MS_REC|MS_PRIVATE)", "/", err,
                 err == EPERM    ? "needs a user namespace or CAP_SYS_ADMIN: " + refusal::cause(err)
                 : err == EINVAL ? "cloister runs in a chroot whose root is not a mount point: "
                                   "bind-mount that directory onto itself before chrooting "
                                   "into it, or use --sandbox=chroot"
                                 : ""};
  }
  if (::mount("tmpfs", kBase, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0)
    return Error{"scratch root", "mount tmpfs", kBase, errno, ""};
  if (::chdir(kBase) != 0) return Error{"scratch root", "chdir", kBase, errno, ""};
  for (const char* dir : {"oldroot", "newroot"})
    if (::mkdir(dir, 0755) != 0) return Error{"scratch root", "mkdir", dir, errno, ""};
  if (sys::pivot_root(".", "oldroot") != 0)
    return Error{"scratch root", "pivot_root", kBase, errno, ""};
  if (::chdir("/") != 0) return Error{"scratch root", "chdir", "/", errno, ""};
  mnt::set_proc_fd_dir(std::string(kOldRoot) + "/proc/self/fd");
  if (::mount("tmpfs", kNewRoot, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0)
    return Error{"new root", "mount tmpfs", kNewRoot, errno, ""};
  RootBuilder builder;
  builder.root_.reset(::open(kNewRoot, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!builder.root_) return Error{"new root", "open", kNewRoot, errno, ""};
  return builder;
}

Status RootBuilder::apply(const FsStep& s) {
  auto st = std::visit(StepApplier{root_.get(), held_, data_files_}, s);
  if (!st.ok()) return with_step(st.take_error(), s);
  if (mounts_on_root(s)) {
    // Something now covers the new root: later steps and the final pivot_root must see it,
    // not the tmpfs underneath that root_ still refers to.
    root_.reset(::open(kNewRoot, O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_) return with_step(fs_error("open", kNewRoot, errno), s);
  }
  return ok_status();
}

Status RootBuilder::finish(const std::string& cwd, bool cwd_required, const std::string& fallback) {
  if (::umount2(kOldRoot, MNT_DETACH) != 0)
    return Error{"detach host root", "umount2", kOldRoot, errno, ""};
  if (::fchdir(root_.get()) != 0) return Error{"pivot_root", "fchdir", kNewRoot, errno, ""};
  // pivot_root(".", ".") stacks the old root on top; detaching it leaves only the new one.
  if (sys::pivot_root(".", ".") != 0) return Error{"pivot_root", "pivot_root", kNewRoot, errno, ""};
  if (::umount2(".", MNT_DETACH) != 0) return Error{"pivot_root", "umount2", "old root", errno, ""};
  root_.reset();
  if (::chdir("/") != 0) return Error{"pivot_root", "chdir", "/", errno, ""};
  if (::chdir(cwd.c_str()) != 0) {
    if (cwd_required) return Error{"--chdir", "chdir", cwd, errno, ""};
    if ((fallback.empty() || ::chdir(fallback.c_str()) != 0) && ::chdir("/") != 0)
      return Error{"chdir", "chdir", "/", errno, ""};
  }
  return ok_status();
}

Status enter_chroot(const std::string& dir, const std::string& cwd) {
  if (::chroot(dir.c_str()) != 0)
    return Error{"chroot", "chroot", dir, errno,
                 errno == EPERM ? "chroot mode needs CAP_SYS_CHROOT" : ""};
  if (::chdir("/") != 0) return Error{"chroot", "chdir", "/", errno, ""};
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0 && ::chdir("/") != 0)
    return Error{"chroot", "chdir", "/", errno, ""};
  return ok_status();
}

}  // namespace cloister::fs
