#include "learn/observer.hpp"

#include <arpa/inet.h>
#include <elf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "kernel/fd.hpp"
#include "kernel/syscalls.hpp"
#include "learn/sandbox_view.hpp"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

namespace cloister::learn {
namespace {

using Args = const std::uint64_t*;

int fd_arg(std::uint64_t v) { return static_cast<int>(static_cast<std::int32_t>(v)); }

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}
std::string base_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// What one call did, kept only once the caller is known to still wait on it.
struct Seen {
  Recording r;
  void use(const std::string& path, const PathUse& how) { r.paths[path].merge(how); }
};

class Decoder {
 public:
  Decoder(const SandboxView& view, const Recording& so_far, Seen& seen)
      : view_(view), so_far_(so_far), seen_(seen) {}

  void dispatch(std::string_view name, Args a) {
    if (name == "open") return open(AT_FDCWD, a[0], a[1]);
    if (name == "openat") return open(fd_arg(a[0]), a[1], a[2]);
    if (name == "openat2") return openat2(a);
    if (name == "creat") return open(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC);
    if (name == "execve") return exec(AT_FDCWD, a[0]);
    if (name == "execveat") return exec(fd_arg(a[0]), a[1]);
    if (name == "mkdir" || name == "mknod") return create(AT_FDCWD, a[0]);
    if (name == "mkdirat" || name == "mknodat") return create(fd_arg(a[0]), a[1]);
    if (name == "symlink" || name == "link") return create(AT_FDCWD, a[1]);
    if (name == "symlinkat") return create(fd_arg(a[1]), a[2]);
    if (name == "linkat") return create(fd_arg(a[2]), a[3]);
    if (name == "rename") return remove(AT_FDCWD, a[0]), create(AT_FDCWD, a[1]);
    if (name == "renameat" || name == "renameat2")
      return remove(fd_arg(a[0]), a[1]), create(fd_arg(a[2]), a[3]);
    if (name == "unlink" || name == "rmdir") return remove(AT_FDCWD, a[0]);
    if (name == "unlinkat") return remove(fd_arg(a[0]), a[1]);
    if (name == "truncate") return existing(AT_FDCWD, a[0], PathUse{.write = true});
    if (name == "socket") return socket(a[0], a[1]);
    if (name == "bind" || name == "connect")
      return address(name == "bind", fd_arg(a[0]), a[1], a[2]);
    if (name == "sendto" && a[4] != 0) return address(false, fd_arg(a[0]), a[4], a[5]);
    if (name == "ioctl") return ioctl(fd_arg(a[0]));
  }

 private:
  std::optional<std::string> path_arg(int dirfd, std::uint64_t address) {
    auto text = view_.string_at(address);
    if (!text || text->empty()) return std::nullopt;
    auto abs = view_.absolute(dirfd, *text);
    if (!abs) return std::nullopt;
    // /dev/stdout and /dev/fd/N lead through /proc/self, which names the opener: follow the
    // caller's own descriptor instead.
    int fd = -1;
    if (*abs == "/dev/stdin") fd = 0;
    if (*abs == "/dev/stdout") fd = 1;
    if (*abs == "/dev/stderr") fd = 2;
    if (abs->rfind("/dev/fd/", 0) == 0) fd = std::atoi(abs->c_str() + 8);
    if (fd >= 0) {
      auto target = view_.descriptor(fd);
      if (!target || target->empty() || (*target)[0] != '/') return std::nullopt;
      return target;
    }
    return abs;
  }

  // procfs's per-process entries are new for every process (and /proc/self names the
  // reader, not the caller): /proc as a whole.
  static bool per_process(const std::string& abs) {
    if (abs.rfind("/proc/", 0) != 0) return false;
    const std::string first = abs.substr(6, abs.find('/', 6) - 6);
    return first == "self" || first == "thread-self" ||
           (!first.empty() && first.find_first_not_of("0123456789") == std::string::npos);
  }
  bool proc(const std::string& abs, const PathUse& how) {
    if (!per_process(abs)) return false;
    PathUse use = how;
    use.list = false;
    use.read = true;
    seen_.use("/proc", use);
    return true;
  }

  void open(int dirfd, std::uint64_t address, std::uint64_t flags) {
    if (flags & O_PATH) return;
    auto abs = path_arg(dirfd, address);
    if (!abs) return;
    PathUse how;
    const auto mode = flags & O_ACCMODE;
    how.read = mode == O_RDONLY || mode == O_RDWR;
    how.write = mode == O_WRONLY || mode == O_RDWR || (flags & O_TRUNC);
    if (proc(*abs, how)) return;
    auto found = view_.resolve(*abs, flags & O_NOFOLLOW);
    if (!found) {
      if (flags & O_CREAT) create_entry(*abs);
      return;  // ENOENT: nothing to grant
    }
    if (S_ISDIR(found->mode)) how.list = how.read;
    seen_.use(found->path, how);
  }

  void openat2(Args a) {
    const std::string how = view_.bytes_at(a[2], sizeof(std::uint64_t));
    if (how.size() != sizeof(std::uint64_t)) return;
    std::uint64_t flags = 0;
    std::memcpy(&flags, how.data(), sizeof flags);
    open(fd_arg(a[0]), a[1], flags);
  }

  void existing(int dirfd, std::uint64_t address, PathUse how) {
    auto abs = path_arg(dirfd, address);
    if (!abs || proc(*abs, how)) return;
    if (auto found = view_.resolve(*abs)) seen_.use(found->path, how);
  }

  void create_entry(const std::string& abs) {
    auto dir = view_.resolve(parent_of(abs));
    if (!dir || !S_ISDIR(dir->mode)) return;
    seen_.use(dir->path == "/" ? "/" + base_of(abs) : dir->path + "/" + base_of(abs),
              PathUse{.create = true});
  }

  void create(int dirfd, std::uint64_t address) {
    auto abs = path_arg(dirfd, address);
    if (abs) create_entry(*abs);
  }

  void remove(int dirfd, std::uint64_t address) {
    auto abs = path_arg(dirfd, address);
    if (!abs) return;
    if (auto found = view_.resolve(*abs, true)) seen_.use(found->path, PathUse{.remove = true});
  }

  void exec(int dirfd, std::uint64_t address) {
    auto abs = path_arg(dirfd, address);
    if (!abs) return;
    auto found = view_.resolve(*abs);
    if (!found || !S_ISREG(found->mode)) return;
    executable(found->path, 0);
  }

  // The kernel opens an interpreter (a script's #!, an ELF's PT_INTERP) for execution
  // itself; Landlock checks that open too, and no syscall shows it.
  void executable(const std::string& path, int depth) {
    seen_.use(path, PathUse{.exec = true});
    if (depth > 2) return;
    const std::string head = view_.head(path, 256);
    std::string interpreter;
    if (head.rfind("#!", 0) == 0) {
      const auto start = head.find_first_not_of(" \t", 2);
      const auto end = head.find_first_of(" \t\n", start);
      if (start != std::string::npos) interpreter = head.substr(start, end - start);
    } else {
      interpreter = elf_interpreter(path, head);
    }
    if (interpreter.empty() || interpreter[0] != '/') return;
    if (auto found = view_.resolve(normalise(interpreter)); found && S_ISREG(found->mode))
      executable(found->path, depth + 1);
  }

  std::string elf_interpreter(const std::string& path, const std::string& head) {
    Elf64_Ehdr eh;
    if (head.size() < sizeof eh || head.compare(0, SELFMAG, ELFMAG) != 0 ||
        head[EI_CLASS] != ELFCLASS64)
      return "";
    std::memcpy(&eh, head.data(), sizeof eh);
    const std::size_t end = eh.e_phoff + std::size_t{eh.e_phnum} * eh.e_phentsize;
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || end > 65536) return "";
    const std::string table = view_.head(path, end);
    for (std::size_t i = 0; i < eh.e_phnum && table.size() >= end; ++i) {
      Elf64_Phdr ph;
      std::memcpy(&ph, table.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
      if (ph.p_type != PT_INTERP || ph.p_filesz > 4096) continue;
      const std::string all = view_.head(path, ph.p_offset + ph.p_filesz);
      if (all.size() < ph.p_offset + ph.p_filesz) return "";
      return std::string(all.c_str() + ph.p_offset);
    }
    return "";
  }

  void socket(std::uint64_t family, std::uint64_t type) {
    if (family == AF_INET || family == AF_INET6) {
      seen_.r.inet = true;
      if ((type & 0xf) != SOCK_STREAM) seen_.r.not_tcp = true;
    }
    if (family == AF_PACKET) seen_.r.not_tcp = true;
  }

  // SO_TYPE of the caller's descriptor, through a copy of it (pidfd_getfd).
  std::optional<int> socket_type(int fd) {
    auto process = view_.process();
    if (!process) return std::nullopt;
    UniqueFd pidfd(sys::pidfd_open(*process));
    if (!pidfd) return std::nullopt;
    UniqueFd copy(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0)));
    int type = 0;
    socklen_t len = sizeof type;
    if (!copy || ::getsockopt(copy.get(), SOL_SOCKET, SO_TYPE, &type, &len) != 0)
      return std::nullopt;
    return type;
  }

  void address(bool bind, int fd, std::uint64_t address, std::uint64_t length) {
    const std::string raw = view_.bytes_at(address, std::min<std::uint64_t>(length, 128));
    if (raw.size() < sizeof(sa_family_t)) return;
    sa_family_t family = 0;
    std::memcpy(&family, raw.data(), sizeof family);
    if (family == AF_UNIX) return unix_address(bind, raw);
    if ((family != AF_INET && family != AF_INET6) || raw.size() < 4) return;
    std::uint16_t port = 0;
    std::memcpy(&port, raw.data() + 2, sizeof port);  // sin_port and sin6_port sit here
    port = ntohs(port);
    auto type = socket_type(fd);
    if (type && *type != SOCK_STREAM) {
      seen_.r.not_tcp = true;
      return;
    }
    (bind ? seen_.r.tcp_bind : seen_.r.tcp_connect).insert(port);
  }

  void unix_address(bool bind, const std::string& raw) {
    const std::size_t offset = offsetof(sockaddr_un, sun_path);
    if (raw.size() <= offset) return;  // unnamed (autobind)
    if (raw[offset] == '\0') {
      seen_.r.abstract_unix = true;
      return;
    }
    if (!bind) return;
    const std::string path(raw.c_str() + offset);
    auto abs = view_.absolute(AT_FDCWD, path);
    if (abs) create_entry(*abs);
  }

  void ioctl(int fd) {
    auto target = view_.descriptor(fd);
    if (!target || target->rfind("/dev/", 0) != 0) return;
    auto it = so_far_.paths.find(*target);
    if (it != so_far_.paths.end() && (it->second.read || it->second.write))
      seen_.use(*target, PathUse{.ioctl_dev = true});
  }

  const SandboxView& view_;
  const Recording& so_far_;
  Seen& seen_;
};

std::string syscall_name(const seccomp::notify::Notification& n) {
  char* name = seccomp_syscall_resolve_num_arch(n.arch, n.nr);
  if (!name) return "";
  std::string out(name);
  std::free(name);
  return out;
}

}  // namespace

void Observer::observe(const seccomp::notify::Notification& n,
                       const std::function<bool()>& still_waiting) {
  ++recording_.notifications;
  // Only the native architecture reaches here: the sandbox's own filter kills the others
  // unless a profile allows them, and their numbers mean other calls.
  if (n.arch != seccomp_arch_native()) return;
  const std::string name = syscall_name(n);
  if (name.empty()) return;
  Seen seen;
  if (const int index = conditioned_argument(name); index >= 0)
    seen.r.values[name].insert(n.args[index]);
  else
    seen.r.syscalls.insert(name);
  SandboxView view(n.pid);
  Decoder(view, recording_, seen).dispatch(name, n.args);
  if (!still_waiting()) return;
  seen.r.notifications = 0;
  recording_.merge(seen.r);
}

}  // namespace cloister::learn
