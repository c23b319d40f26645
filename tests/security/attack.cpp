// cloister-attack: the escape attempts of tests/security, run inside a sandbox.
//
//   attack NAME [ARGS...]
//
// Each attempt tries everything its name covers and prints one line per try:
//   escaped: WHAT        the try worked (the driver also looks for the host's secret tokens in
//                        everything printed, whatever the line says)
//   blocked: WHAT: ERRNO the try failed, with the errno's name
// Exit code 0 whatever happened (the driver judges from the output), 2 on bad usage. A try
// the seccomp filter kills ends the process with SIGSYS, which the driver counts as blocked.
// Static, so it needs nothing from the sandbox's filesystem.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace {

using Args = std::vector<std::string>;

std::string errno_name(int err) {
  const char* name = strerrordesc_np(err) ? strerrorname_np(err) : nullptr;
  return name ? name : "errno " + std::to_string(err);
}

void escaped(const std::string& what) { std::printf("escaped: %s\n", what.c_str()); }
void blocked(const std::string& what, int err) {
  std::printf("blocked: %s: %s\n", what.c_str(), errno_name(err).c_str());
}
// A syscall's result as a verdict: 0 or more is an escape.
void verdict(const std::string& what, long result) {
  if (result >= 0)
    escaped(what + " returned " + std::to_string(result));
  else
    blocked(what, errno);
}

// Reads a file and prints what it holds (the driver looks for its tokens there).
void try_read(const std::string& what, int dirfd, const std::string& path) {
  const int fd = ::openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return blocked(what + " open " + path, errno);
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n < 0) return blocked(what + " read " + path, errno);
  buf[n] = '\0';
  for (ssize_t i = 0; i < n; ++i)
    if (buf[i] == '\n' || buf[i] == '\0') buf[i] = ' ';
  std::printf("read: %s %s: %s\n", what.c_str(), path.c_str(), buf);
}

std::vector<int> numbers_in(const char* dir) {
  std::vector<int> out;
  DIR* d = ::opendir(dir);
  if (!d) return out;
  while (auto* e = ::readdir(d))
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') out.push_back(std::atoi(e->d_name));
  ::closedir(d);
  return out;
}

// ---- the filesystem view ----

// dotdot SECRET_HOST_PATH REL_FROM_DATA: "..", symlinks and absolute paths from the writable
// bind at /data towards the host's secret.
void dotdot(const Args& a) {
  const std::string& host = a.at(0);
  const std::string& rel = a.at(1);
  try_read("absolute", AT_FDCWD, host);
  try_read("dotdot", AT_FDCWD, "/data/" + rel);
  std::string up = "/data";
  for (int i = 0; i < 16; ++i) up += "/..";
  try_read("dotdot-many", AT_FDCWD, up + host);
  const int data = ::open("/data", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (data >= 0) {
    try_read("openat-dotdot", data, rel);
    if (::symlinkat(rel.c_str(), data, "rel-link") == 0) try_read("symlink-rel", data, "rel-link");
    if (::symlinkat(host.c_str(), data, "abs-link") == 0) try_read("symlink-abs", data, "abs-link");
    if (::fchdir(data) == 0) try_read("cwd-dotdot", AT_FDCWD, rel);
  }
}

// proc-root SECRET_HOST_PATH: through every /proc/PID/root and /proc/PID/cwd visible.
void proc_root(const Args& a) {
  const std::string& host = a.at(0);
  try_read("proc-self-root", AT_FDCWD, "/proc/self/root" + host);
  try_read("proc-1-root", AT_FDCWD, "/proc/1/root" + host);
  try_read("proc-thread-self-root", AT_FDCWD, "/proc/thread-self/root" + host);
  for (int pid : numbers_in("/proc")) {
    try_read("proc-pid-root", AT_FDCWD, "/proc/" + std::to_string(pid) + "/root" + host);
    std::string up = "/proc/" + std::to_string(pid) + "/cwd";
    for (int i = 0; i < 16; ++i) up += "/..";
    try_read("proc-pid-cwd", AT_FDCWD, up + host);
  }
}

// fd-scan NAME...: every open descriptor above 2, as a directory and through /proc/self/fd.
void fd_scan(const Args& names) {
  int found = 0;
  for (int fd = 3; fd < 1024; ++fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) continue;
    ++found;
    const std::string n = std::to_string(fd);
    std::printf("fd: %d mode %o\n", fd, st.st_mode & S_IFMT);
    for (const auto& name : names) {
      try_read("fd-" + n, fd, name);
      try_read("proc-self-fd-" + n, AT_FDCWD, "/proc/self/fd/" + n + "/" + name);
    }
  }
  if (found == 0) blocked("no descriptor above 2 is open", EBADF);
}

// open-by-handle: a handle of /usr, opened again through open_by_handle_at (the way to any
// inode of the filesystem once handles can be forged).
void open_by_handle(const Args&) {
  struct {
    file_handle h;
    unsigned char bytes[MAX_HANDLE_SZ];
  } handle{};
  handle.h.handle_bytes = MAX_HANDLE_SZ;
  int mount_id = 0;
  if (::name_to_handle_at(AT_FDCWD, "/usr", &handle.h, &mount_id, 0) != 0)
    return blocked("name_to_handle_at /usr", errno);
  const int mount_fd = ::open("/usr", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  verdict("open_by_handle_at /usr", ::open_by_handle_at(mount_fd, &handle.h, O_RDONLY));
}

// chroot-escape SECRET_HOST_PATH: chroot into a subdirectory, climb out of it with "..", then
// chroot into where that leads (the classic breakout), and read the host's secret.
void chroot_escape(const Args& a) {
  ::mkdir("/tmp", 01777);
  ::mkdir("/tmp/jail", 0755);
  const int outside = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (::chroot("/tmp/jail") != 0) return blocked("chroot /tmp/jail", errno);
  escaped("chroot /tmp/jail returned 0");
  if (::fchdir(outside) != 0) return blocked("fchdir outside the jail", errno);
  for (int i = 0; i < 64; ++i)
    if (::chdir("..") != 0) return blocked("chdir ..", errno);
  if (::chroot(".") != 0) return blocked("chroot .", errno);
  try_read("after-breakout", AT_FDCWD, a.at(0));
}

// ---- privileged kernel interfaces ----

void mount_attempt(const Args&) {
  verdict("mount tmpfs /tmp", ::mount("none", "/tmp", "tmpfs", 0, nullptr));
  verdict("mount --bind / /tmp", ::mount("/", "/tmp", nullptr, MS_BIND | MS_REC, nullptr));
  verdict("mount remount / rw", ::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND, nullptr));
}
void umount_attempt(const Args&) {
  verdict("umount2 /usr", ::umount2("/usr", MNT_DETACH));
  verdict("umount2 /", ::umount2("/", MNT_DETACH));
}
// pivot_root(".", "."): /usr (a mount of its own) becomes the root, the old one stacked on it.
void pivot_root_attempt(const Args&) {
  if (::chdir("/usr") != 0) return blocked("chdir /usr", errno);
  verdict("pivot_root . . in /usr", ::syscall(SYS_pivot_root, ".", "."));
}
void unshare_attempt(const Args&) {
  verdict("unshare CLONE_NEWNS", ::unshare(CLONE_NEWNS));
  verdict("unshare CLONE_NEWNET", ::unshare(CLONE_NEWNET));
}
void userns_attempt(const Args&) {
  verdict("unshare CLONE_NEWUSER", ::unshare(CLONE_NEWUSER));
  const long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) ::_exit(0);
  verdict("clone CLONE_NEWUSER", pid);
  if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
}
void setns_attempt(const Args&) {
  for (const char* ns : {"mnt", "net", "pid", "user", "uts"}) {
    const std::string path = std::string("/proc/self/ns/") + ns;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      blocked("open " + path, errno);
      continue;
    }
    verdict("setns " + path, ::setns(fd, 0));
  }
}

// ---- other processes, by host PID ----

void ptrace_attempt(const Args& a) {
  for (const auto& p : a) {
    const long pid = std::atol(p.c_str());
    const long r = ::syscall(SYS_ptrace, 16 /*PTRACE_ATTACH*/, pid, 0, 0);
    verdict("ptrace attach " + p, r);
    if (r == 0) ::syscall(SYS_ptrace, 17 /*PTRACE_DETACH*/, pid, 0, 0);
  }
}
void process_vm_attempt(const Args& a) {
  for (const auto& p : a) {
    char local[16];
    iovec mine{local, sizeof local};
    iovec theirs{reinterpret_cast<void*>(0x400000), sizeof local};
    const long r = ::syscall(SYS_process_vm_readv, std::atol(p.c_str()), &mine, 1, &theirs, 1, 0);
    // EFAULT means the process was reached and only the address was wrong.
    if (r < 0 && errno == EFAULT)
      escaped("process_vm_readv " + p + " reached the process (EFAULT at the guessed address)");
    else
      verdict("process_vm_readv " + p, r);
  }
}
void kill_attempt(const Args& a) {
  // Never kill(-1): in a weaker sandbox without a PID namespace that would reach the host.
  for (const auto& p : a) verdict("kill -KILL " + p, ::kill(std::atoi(p.c_str()), SIGKILL));
}

// ---- the terminal ----

void tiocsti_attempt(const Args&) {
  const char c = '#';
  verdict("ioctl TIOCSTI on stdin", ::ioctl(0, TIOCSTI, &c));
  const long upper = static_cast<long>(0x100000000UL | TIOCSTI);
  verdict("ioctl TIOCSTI|1<<32 on stdin", ::syscall(SYS_ioctl, 0, upper, &c));
}
void tioclinux_attempt(const Args&) {
  char subcode = 6;  // TIOCL_GETSHIFTSTATE: harmless, but the door to selection pasting
  verdict("ioctl TIOCLINUX on stdin", ::ioctl(0, TIOCLINUX, &subcode));
}

// ---- kernel attack surface ----

void keyctl_attempt(const Args&) {
  verdict("add_key user to the session keyring",
          ::syscall(SYS_add_key, "user", "cloister-escape", "x", 1, -3 /*SESSION*/));
  verdict("keyctl join a new session keyring",
          ::syscall(SYS_keyctl, 1 /*KEYCTL_JOIN_SESSION_KEYRING*/, 0));
}
void bpf_attempt(const Args&) {
  // BPF_MAP_CREATE, an array map of one 4-byte element.
  unsigned attr[32] = {2 /*BPF_MAP_TYPE_ARRAY*/, 4, 4, 1};
  verdict("bpf BPF_MAP_CREATE", ::syscall(SYS_bpf, 0, attr, sizeof attr));
}
void perf_attempt(const Args&) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.exclude_kernel = 1;  // what perf_event_paranoid 2 still lets anyone measure
  attr.exclude_hv = 1;
  verdict("perf_event_open cpu-clock of itself",
          ::syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
}
void userfaultfd_attempt(const Args&) {
  verdict("userfaultfd user-mode-only",
          ::syscall(SYS_userfaultfd, O_CLOEXEC | 1 /*UFFD_USER_MODE_ONLY*/));
}
void io_uring_attempt(const Args&) {
  unsigned char params[120] = {};
  verdict("io_uring_setup 8 entries", ::syscall(SYS_io_uring_setup, 8, params));
}

// ---- other syscall entries ----

constexpr long kX32 = 0x40000000L;

void x32_attempt(const Args&) {
  // x32 shares x86-64's numbers with bit 30 set: unshare is 272 there too.
  verdict("x32 unshare(CLONE_NEWUSER)", ::syscall(kX32 | SYS_unshare, CLONE_NEWUSER));
  verdict("x32 getpid", ::syscall(kX32 | SYS_getpid));
}
long int80(long nr, long a1) {
  long ret = nr;
  asm volatile("int $0x80" : "+a"(ret) : "b"(a1) : "memory", "rcx", "r11", "r8", "r9", "r10");
  return ret;
}
// In a child: a kernel without the i386 entry answers int 0x80 with SIGSEGV, the filter with
// SIGSYS; the parent says which.
void int80_attempt(const Args&) {
  // i386 numbers: unshare is 310, getpid 20 (x86-64's 310 is process_vm_readv).
  for (auto [what, nr, arg] :
       {std::tuple{"int 0x80 unshare(CLONE_NEWUSER)", 310L, long{CLONE_NEWUSER}},
        std::tuple{"int 0x80 getpid", 20L, 0L}}) {
    std::fflush(stdout);
    const pid_t child = ::fork();
    if (child == 0) {
      const long r = int80(nr, arg);
      if (r < 0 && r > -4096) {
        errno = static_cast<int>(-r);
        verdict(what, -1);
      } else {
        verdict(what, r);
      }
      std::fflush(stdout);
      ::_exit(0);
    }
    int status = 0;
    if (child < 0 || ::waitpid(child, &status, 0) != child) return blocked("fork", errno);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
      std::printf("blocked: %s: killed by the seccomp filter (SIGSYS)\n", what);
    else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
      std::printf("blocked: %s: SIGSEGV (this kernel has no i386 entry)\n", what);
    else if (WIFSIGNALED(status))
      std::printf("blocked: %s: killed by signal %d\n", what, WTERMSIG(status));
  }
}

// ---- the kernel's tunables and devices ----

// Writes back the value read, so that a write that goes through changes nothing.
void write_same(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return blocked("open for writing " + path, errno);
  char buf[256];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0) {
    ::close(fd);
    return blocked("read " + path, errno);
  }
  verdict("write " + path, ::pwrite(fd, buf, static_cast<std::size_t>(n), 0));
  ::close(fd);
}
void proc_sys_attempt(const Args&) {
  for (const char* path :
       {"/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe",
        "/proc/sys/vm/overcommit_memory", "/proc/sys/kernel/hostname", "/proc/sysrq-trigger"})
    write_same(path);
}
void sys_attempt(const Args&) {
  for (const char* path :
       {"/sys/kernel/uevent_helper", "/sys/kernel/mm/transparent_hugepage/enabled",
        "/sys/fs/cgroup/cgroup.procs"})
    write_same(path);
}
void mknod_attempt(const Args&) {
  for (auto [name, dev] :
       {std::pair{"/tmp/mem", makedev(1, 1)}, std::pair{"/tmp/sda", makedev(8, 0)}}) {
    const mode_t type = dev == makedev(1, 1) ? S_IFCHR : S_IFBLK;
    if (::mknod(name, type | 0600, dev) != 0) {
      blocked(std::string("mknod ") + name, errno);
      continue;
    }
    const int fd = ::open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      blocked(std::string("open the new node ") + name, errno);
    else
      escaped(std::string("mknod and open ") + name);
    if (fd >= 0) ::close(fd);
  }
}

// ---- the environment ----

extern "C" char** environ;

// Another process's writable memory, through /proc/PID/maps and /proc/PID/mem: init is a
// copy of cloister, so its heap may still hold what the caller's environment held.
void read_memory_of(int pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  FILE* maps = std::fopen((proc + "/maps").c_str(), "re");
  if (!maps) return blocked("open " + proc + "/maps", errno);
  const int mem = ::open((proc + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  if (mem < 0) {
    std::fclose(maps);
    return blocked("open " + proc + "/mem", errno);
  }
  unsigned long begin = 0, end = 0;
  char perms[8] = {};
  int err = 0;
  bool read_any = false;
  char line[512];
  while (!read_any && std::fgets(line, sizeof line, maps)) {
    if (std::sscanf(line, "%lx-%lx %7s", &begin, &end, perms) != 3 || perms[1] != 'w') continue;
    char buf[256];
    if (::pread(mem, buf, sizeof buf, static_cast<off_t>(begin)) > 0)
      read_any = true;
    else
      err = errno;
  }
  ::close(mem);
  std::fclose(maps);
  if (read_any)
    escaped("read the writable memory of " + proc);
  else
    blocked("read " + proc + "/mem", err);
}

void env_attempt(const Args&) {
  for (char** e = environ; e && *e; ++e) std::printf("env: %s\n", *e);
  for (int pid : numbers_in("/proc")) {
    const std::string path = "/proc/" + std::to_string(pid) + "/environ";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      blocked("open " + path, errno);
      continue;
    }
    std::string all;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) all.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    for (auto& ch : all)
      if (ch == '\0') ch = ' ';
    std::printf("read: %s: %s\n", path.c_str(), all.c_str());
  }
  for (int pid : numbers_in("/proc"))
    if (pid != ::getpid()) read_memory_of(pid);
}

// ---- the network ----

// tcp-connect PORT [ADDRESS...]: connect to a TCP listener (default 127.0.0.1).
void tcp_connect(const Args& a) {
  Args addresses(a.begin() + 1, a.end());
  if (addresses.empty()) addresses.push_back("127.0.0.1");
  for (const auto& address : addresses) {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
      blocked("socket AF_INET", errno);
      continue;
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(std::atoi(a.at(0).c_str())));
    ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
    verdict("connect " + address + ":" + a.at(0),
            ::connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa));
    ::close(s);
  }
}

// abstract-connect NAME: connect to the abstract AF_UNIX socket "\0NAME".
void abstract_connect(const Args& a) {
  const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return blocked("socket AF_UNIX", errno);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path + 1, a.at(0).data(), a.at(0).size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + a.at(0).size());
  verdict("connect @" + a.at(0), ::connect(s, reinterpret_cast<sockaddr*>(&sa), len));
  ::close(s);
}

// ---- exhaustion ----

// fork-bomb CAP: children that pause, until fork fails or CAP is reached.
void fork_bomb(const Args& a) {
  const int cap = std::atoi(a.at(0).c_str());
  int made = 0;
  for (; made < cap; ++made) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      blocked("fork after " + std::to_string(made) + " children", errno);
      break;
    }
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  if (made >= cap) escaped("forked " + std::to_string(made) + " children, the cap of this test");
  // The children go with the sandbox's PID namespace when its init ends.
}

// tmpfs-fill DIR CAP_MIB: write 1 MiB chunks into DIR until a write fails or CAP_MIB.
void tmpfs_fill(const Args& a) {
  const int cap = std::atoi(a.at(1).c_str());
  const std::string path = a.at(0) + "/fill";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return blocked("open " + path, errno);
  static char chunk[1 << 20];
  std::memset(chunk, 'x', sizeof chunk);
  int written = 0;
  for (; written < cap; ++written) {
    if (::write(fd, chunk, sizeof chunk) != static_cast<ssize_t>(sizeof chunk)) {
      blocked("write after " + std::to_string(written) + " MiB", errno);
      break;
    }
    if (written % 8 == 0) std::fflush(stdout);
  }
  if (written >= cap) escaped("wrote " + std::to_string(written) + " MiB, the cap of this test");
}

void noop(const Args&) { std::printf("blocked: nothing tried here: the host side is checked\n"); }

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  static const std::map<std::string, std::function<void(const Args&)>> attempts = {
      {"dotdot", dotdot},
      {"proc-root", proc_root},
      {"fd-scan", fd_scan},
      {"open-by-handle", open_by_handle},
      {"chroot-escape", chroot_escape},
      {"mount", mount_attempt},
      {"umount", umount_attempt},
      {"pivot-root", pivot_root_attempt},
      {"unshare", unshare_attempt},
      {"userns", userns_attempt},
      {"setns", setns_attempt},
      {"ptrace", ptrace_attempt},
      {"process-vm", process_vm_attempt},
      {"kill", kill_attempt},
      {"tiocsti", tiocsti_attempt},
      {"tioclinux", tioclinux_attempt},
      {"keyctl", keyctl_attempt},
      {"bpf", bpf_attempt},
      {"perf", perf_attempt},
      {"userfaultfd", userfaultfd_attempt},
      {"io-uring", io_uring_attempt},
      {"x32", x32_attempt},
      {"int80", int80_attempt},
      {"proc-sys", proc_sys_attempt},
      {"sys", sys_attempt},
      {"mknod", mknod_attempt},
      {"env", env_attempt},
      {"tcp-connect", tcp_connect},
      {"abstract-connect", abstract_connect},
      {"fork-bomb", fork_bomb},
      {"tmpfs-fill", tmpfs_fill},
      {"noop", noop},
  };
  if (argc < 2 || !attempts.count(argv[1])) {
    std::fprintf(stderr, "usage: attack NAME [ARGS...]\n");
    return 2;
  }
  try {
    attempts.at(argv[1])(Args(argv + 2, argv + argc));
  } catch (const std::out_of_range&) {
    std::fprintf(stderr, "attack %s: missing argument\n", argv[1]);
    return 2;
  }
  return 0;
}
