// cloister-probe: a small static program run inside sandboxes by the integration tests.
//
//   probe SUBCOMMAND [ARGS...] [+ SUBCOMMAND [ARGS...]]...
//
// Each subcommand prints `key=value` lines on stdout; keys of path operations name the path
// ("write:/t/x=EROFS"), values that are errors are errno names (EROFS, ENOENT, ...). Several
// subcommands joined by "+" run in order in one process; the exit code is the last one's.
// Exit codes: 0 success, 1 the operation failed (its errno name was printed), 2 bad usage.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

using Args = std::vector<std::string>;

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

void put(const std::string& key, const std::string& value) {
  std::printf("%s=%s\n", key.c_str(), value.c_str());
}

std::string errno_name(int err) {
  const char* name = ::strerrorname_np(err);
  return name ? name : "E" + std::to_string(err);
}

// Prints key=ok or key=ERRNAME; returns the matching exit code.
int outcome(const std::string& key, int err) {
  put(key, err == 0 ? "ok" : errno_name(err));
  return err == 0 ? kOk : kFailed;
}

std::string join(const std::vector<std::string>& items, const char* sep = ",") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

bool parse_long(const std::string& text, long& value) {
  char* end = nullptr;
  errno = 0;
  value = std::strtol(text.c_str(), &end, 10);
  return !text.empty() && errno == 0 && end && *end == '\0';
}

// "TERM", "SIGTERM" or "15".
int signal_number(const std::string& text) {
  long n = 0;
  if (parse_long(text, n)) return static_cast<int>(n);
  const std::string bare = text.rfind("SIG", 0) == 0 ? text.substr(3) : text;
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = ::sigabbrev_np(sig);
    if (abbrev && bare == abbrev) return sig;
  }
  return -1;
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : std::to_string(sig);
}

// Escapes newlines and backslashes so any content fits on one line.
std::string one_line(const std::string& data) {
  std::string out;
  for (char c : data) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\\')
      out += "\\\\";
    else
      out += c;
  }
  return out;
}

std::string read_file(const std::string& path, int& err) {
  err = 0;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return {};
  }
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return data;
}

// Directory entries without "." and "..", sorted; err set when the directory cannot be read.
std::vector<std::string> list_dir(const std::string& path, int& err) {
  err = 0;
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (!dir) {
    err = errno;
    return names;
  }
  while (dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

bool is_number(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), ::isdigit);
}

std::vector<long> numeric_entries(const std::string& path) {
  int err = 0;
  std::vector<long> out;
  for (const auto& name : list_dir(path, err))
    if (is_number(name)) out.push_back(std::atol(name.c_str()));
  std::sort(out.begin(), out.end());
  return out;
}

std::string join_numbers(const std::vector<long>& numbers) {
  std::vector<std::string> text;
  for (long n : numbers) text.push_back(std::to_string(n));
  return join(text);
}

// /proc/self/uid_map "  0  1000  1\n" -> "0 1000 1"; several lines joined by ';'.
std::string normalized_map(const std::string& path) {
  int err = 0;
  std::istringstream in(read_file(path, err));
  if (err) return errno_name(err);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> parts;
    std::string part;
    while (fields >> part) parts.push_back(part);
    if (!parts.empty()) lines.push_back(join(parts, " "));
  }
  return join(lines, ";");
}

// The state letter of /proc/PID/stat (after the parenthesised command name).
char process_state(long pid) {
  int err = 0;
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat", err);
  const auto close = stat.rfind(')');
  if (err || close == std::string::npos || close + 2 >= stat.size()) return '?';
  return stat[close + 2];
}

std::vector<long> zombie_pids() {
  std::vector<long> zombies;
  for (long pid : numeric_entries("/proc"))
    if (process_state(pid) == 'Z') zombies.push_back(pid);
  return zombies;
}

void sleep_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// ---- subcommands -------------------------------------------------------------------------

int cmd_ids(const Args&) {
  put("uid", std::to_string(::getuid()));
  put("gid", std::to_string(::getgid()));
  put("euid", std::to_string(::geteuid()));
  put("egid", std::to_string(::getegid()));
  gid_t groups[256];
  int n = ::getgroups(256, groups);
  std::vector<long> list;
  for (int i = 0; i < n; ++i) list.push_back(static_cast<long>(groups[i]));
  put("groups", join_numbers(list));
  put("uid_map", normalized_map("/proc/self/uid_map"));
  put("gid_map", normalized_map("/proc/self/gid_map"));
  int err = 0;
  std::string setgroups = read_file("/proc/self/setgroups", err);
  if (!setgroups.empty() && setgroups.back() == '\n') setgroups.pop_back();
  put("setgroups", err ? errno_name(err) : setgroups);
  return kOk;
}

int cmd_hostname(const Args&) {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return outcome("hostname", errno);
  put("hostname", name);
  return kOk;
}

int cmd_pids(const Args&) {
  put("pid", std::to_string(::getpid()));
  put("ppid", std::to_string(::getppid()));
  put("sid", std::to_string(::getsid(0)));
  put("pgid", std::to_string(::getpgid(0)));
  put("pids", join_numbers(numeric_entries("/proc")));
  return kOk;
}

// Every process visible in /proc as pid:state.
int cmd_procs(const Args&) {
  std::vector<std::string> items;
  for (long pid : numeric_entries("/proc"))
    items.push_back(std::to_string(pid) + ":" + std::string(1, process_state(pid)));
  put("procs", join(items));
  return kOk;
}

// zombies [WAIT_MS]: waits up to WAIT_MS for zombies to be reaped, then reports those left.
int cmd_zombies(const Args& args) {
  long wait_ms = 0;
  if (args.size() > 1 && !parse_long(args[1], wait_ms)) return kUsage;
  std::vector<long> zombies = zombie_pids();
  for (long waited = 0; !zombies.empty() && waited < wait_ms; waited += 20) {
    sleep_ms(20);
    zombies = zombie_pids();
  }
  put("zombies", std::to_string(zombies.size()));
  put("zombie_pids", join_numbers(zombies));
  return kOk;
}

int cmd_netifs(const Args&) {
  struct if_nameindex* ifs = ::if_nameindex();
  if (!ifs) return outcome("netifs", errno);
  std::vector<std::string> names, up;
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  for (struct if_nameindex* i = ifs; i->if_index != 0; ++i) {
    names.push_back(i->if_name);
    ifreq req{};
    std::strncpy(req.ifr_name, i->if_name, IFNAMSIZ - 1);
    if (sock >= 0 && ::ioctl(sock, SIOCGIFFLAGS, &req) == 0 && (req.ifr_flags & IFF_UP))
      up.push_back(i->if_name);
  }
  ::if_freenameindex(ifs);
  if (sock >= 0) ::close(sock);
  std::sort(names.begin(), names.end());
  std::sort(up.begin(), up.end());
  put("ifs", join(names));
  put("up", join(up));
  return kOk;
}

int cmd_caps(const Args&) {
  std::ifstream status("/proc/self/status");
  if (!status) return outcome("caps", errno ? errno : ENOENT);
  std::string line;
  while (std::getline(status, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    if (key.rfind("Cap", 0) != 0 && key != "NoNewPrivs" && key != "Seccomp") continue;
    const auto start = line.find_first_not_of(" \t", colon + 1);
    put(key, start == std::string::npos ? "" : line.substr(start));
  }
  return kOk;
}

int cmd_rawsock(const Args&) {
  int fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
  const int err = fd < 0 ? errno : 0;
  if (fd >= 0) ::close(fd);
  return outcome("rawsock", err);
}

// A TCP connection over 127.0.0.1: works only when `lo` is up.
int loopback_error() {
  int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server < 0) return errno;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  int err = 0;
  if (::bind(server, sa, sizeof addr) != 0 || ::listen(server, 1) != 0 ||
      ::getsockname(server, sa, &len) != 0)
    err = errno;
  int client = err ? -1 : ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (!err && (client < 0 || ::connect(client, sa, sizeof addr) != 0)) err = errno;
  char byte = 0;
  int peer = err ? -1 : ::accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
  if (!err && (peer < 0 || ::write(client, "p", 1) != 1 || ::read(peer, &byte, 1) != 1))
    err = errno ? errno : EIO;
  for (int fd : {peer, client, server})
    if (fd >= 0) ::close(fd);
  return err;
}

int cmd_loopback(const Args&) { return outcome("loopback", loopback_error()); }

// Creates a user namespace in a child (the probe itself stays where it is).
int cmd_unshare_user(const Args&) {
  pid_t child = ::fork();
  if (child < 0) return outcome("unshare-user", errno);
  if (child == 0) ::_exit(::unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return outcome("unshare-user", WIFEXITED(status) ? WEXITSTATUS(status) : EINTR);
}

// ---- syscalls a seccomp filter decides on ------------------------------------------------
// Each is called so that the kernel itself would answer something other than EPERM (or
// succeed) for an unprivileged caller, so a filter's errno is told apart from the kernel's.

long raw(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  return ::syscall(nr, a, b, c, d, e, f);
}

int try_call(long (*call)()) {
  errno = 0;
  long rc = call();
  return rc < 0 ? errno : 0;
}

// A pty whose slave is this process's controlling terminal, for TIOCSTI.
int tiocsti_on_own_terminal() {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return errno ? errno : EIO;
  const char* name = ::ptsname(master);
  if (!name) return errno;
  std::string slave_path = name;
  pid_t child = ::fork();
  if (child < 0) return errno;
  if (child == 0) {
    ::setsid();
    int slave = ::open(slave_path.c_str(), O_RDWR);
    if (slave < 0) ::_exit(errno);
    ::ioctl(slave, TIOCSCTTY, 0);
    char c = 'x';
    ::_exit(::ioctl(slave, TIOCSTI, &c) == 0 ? 0 : errno);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ::close(master);
  if (WIFSIGNALED(status)) return 1000 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

const std::map<std::string, long (*)()>& seccomp_calls() {
  static const std::map<std::string, long (*)()> calls = {
    {"ptrace-peek", [] { return raw(SYS_ptrace, 2 /*PTRACE_PEEKDATA*/, ::getpid(), 0, 0); }},
    {"process-vm-readv", [] { return raw(SYS_process_vm_readv, ::getpid(), 0, 0, 0, 0, 0); }},
    {"io-uring-setup", [] { return raw(SYS_io_uring_setup, 0, 0); }},
    {"perf-event-open", [] { return raw(SYS_perf_event_open, 0, 0, -1, -1, 0); }},
    {"keyctl", [] { return raw(SYS_keyctl, 0 /*GET_KEYRING_ID*/, -3 /*SESSION*/, 0); }},
    {"add-key", [] { return raw(SYS_add_key, 0, 0, 0, 0, 0); }},
    {"personality32", [] { return raw(SYS_personality, 0x0008 /*PER_LINUX32*/); }},
    {"personality-linux", [] { return raw(SYS_personality, 0); }},
    {"clone3", [] { return raw(SYS_clone3, 0, 0); }},
    // Types '#' into the terminal on stdin (the tests' own pty).
    {"tiocsti-stdin",
     [] {
       char c = '#';
       return static_cast<long>(::ioctl(0, TIOCSTI, &c));
     }},
    {"mount-tmpfs", [] { return static_cast<long>(::mount("none", "/dev", "tmpfs", 0, nullptr)); }},
    // A target that does not exist: harmless on any host, ENOENT unless a filter says no.
    {"mount-nowhere",
     [] {
       return static_cast<long>(
           ::mount("none", "/nonexistent-cloister-probe", "tmpfs", 0, nullptr));
     }},
    {"chroot", [] { return raw(SYS_chroot, reinterpret_cast<long>("/")); }},
    {"umount2", [] { return raw(SYS_umount2, reinterpret_cast<long>("/nonexistent"), 0); }},
    {"getppid", [] { return raw(SYS_getppid); }},
    // Same name again: harmless; EPERM without CAP_SYS_ADMIN.
    {"sethostname",
     [] {
       char name[256] = {};
       ::gethostname(name, sizeof name - 1);
       return raw(SYS_sethostname, reinterpret_cast<long>(name),
                  static_cast<long>(std::strlen(name)));
     }},
    {"socket-unix",
     [] {
       long fd = raw(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
       if (fd >= 0) ::close(static_cast<int>(fd));
       return fd < 0 ? fd : 0L;
     }},
#if defined(__x86_64__)
    // x32 entry: the same number with bit 30 set.
    {"x32-getppid", [] { return raw(0x40000000L | SYS_getppid); }},
    // i386 entry: int 0x80 with eax=20 (getpid there).
    {"int80-getpid",
     [] {
       long ret = 20;
       asm volatile("int $0x80" : "+a"(ret) : : "memory");
       if (ret < 0 && ret > -4096) {
         errno = static_cast<int>(-ret);
         return -1L;
       }
       return 0L;
     }},
#endif
  };
  return calls;
}

// Capabilities without /proc (chroot mode has none): capget, PR_CAPBSET_READ, no_new_privs.
int cmd_capsys(const Args&) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return outcome("capsys", errno);
  auto hex = [](std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  auto both = [](std::uint32_t lo, std::uint32_t hi) { return (std::uint64_t{hi} << 32) | lo; };
  std::uint64_t bounding = 0;
  for (int cap = 0; cap < 64 && ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; ++cap)
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) bounding |= 1ULL << cap;
  put("cap-effective", hex(both(data[0].effective, data[1].effective)));
  put("cap-permitted", hex(both(data[0].permitted, data[1].permitted)));
  put("cap-bounding", hex(bounding));
  put("no-new-privs", std::to_string(::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
  return kOk;
}

// fork-until-fail N: forks up to N sleeping children, reports how many and the errno that
// stopped it, then kills and reaps them.
int cmd_fork_until_fail(const Args& args) {
  long limit = 0;
  if (args.size() != 2 || !parse_long(args[1], limit)) return kUsage;
  std::vector<pid_t> children;
  int err = 0;
  for (long i = 0; i < limit; ++i) {
    pid_t pid = ::fork();
    if (pid < 0) {
      err = errno;
      break;
    }
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
    children.push_back(pid);
  }
  put("forks", std::to_string(children.size()));
  put("fork-error", err ? errno_name(err) : "none");
  for (pid_t pid : children) ::kill(pid, SIGKILL);
  for (pid_t pid : children) ::waitpid(pid, nullptr, 0);
  return kOk;
}

// alloc MB: allocates and touches MB mebibytes, 4 MiB at a time, then reports.
int cmd_alloc(const Args& args) {
  long mb = 0;
  if (args.size() != 2 || !parse_long(args[1], mb)) return kUsage;
  std::vector<char*> blocks;
  for (long done = 0; done < mb; done += 4) {
    char* block = static_cast<char*>(std::malloc(4 << 20));
    if (!block) return outcome("alloc", ENOMEM);
    std::memset(block, 1, 4 << 20);
    blocks.push_back(block);
  }
  put("alloc", std::to_string(mb));
  for (char* b : blocks) std::free(b);
  return kOk;
}

// spin MS: busy for MS ms of wall time; reports the CPU time it got.
int cmd_spin(const Args& args) {
  long ms = 0;
  if (args.size() != 2 || !parse_long(args[1], ms)) return kUsage;
  timespec start{}, now{};
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  volatile unsigned long sink = 0;
  do {
    for (int i = 0; i < 100000; ++i) sink = sink + static_cast<unsigned long>(i);
    ::clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
  timespec cpu{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  put("cpu-ms", std::to_string(cpu.tv_sec * 1000 + cpu.tv_nsec / 1000000));
  return kOk;
}

// exec PATH: tries to execute PATH (with "exit 0" as its arguments, for the probe itself).
int cmd_exec(const Args& args) {
  if (args.size() != 2) return kUsage;
  const char* argv[] = {args[1].c_str(), "exit", "0", nullptr};
  ::execv(args[1].c_str(), const_cast<char* const*>(argv));
  return outcome("exec:" + args[1], errno);
}

// signal PID: kill(PID, 0), the permission check without a signal.
int cmd_signal(const Args& args) {
  long pid = 0;
  if (args.size() != 2 || !parse_long(args[1], pid)) return kUsage;
  return outcome("signal:" + args[1], ::kill(static_cast<pid_t>(pid), 0) == 0 ? 0 : errno);
}

// connect [ADDR:]PORT: TCP connect to ADDR (default 127.0.0.1), 3 s at most.
int cmd_connect(const Args& args) {
  if (args.size() != 2) return kUsage;
  std::string host = "127.0.0.1", port_text = args[1];
  if (auto colon = args[1].rfind(':'); colon != std::string::npos) {
    host = args[1].substr(0, colon);
    port_text = args[1].substr(colon + 1);
  }
  long port = 0;
  if (!parse_long(port_text, port)) return kUsage;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return outcome("connect:" + args[1], errno);
  timeval limit{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return kUsage;
  const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  const int err = rc == 0 ? 0 : errno;
  ::close(fd);
  return outcome("connect:" + args[1], err);
}

// ioctl-tcgets PATH: TCGETS on PATH (ENOTTY on a device that is not a terminal).
int cmd_ioctl_tcgets(const Args& args) {
  if (args.size() != 2) return kUsage;
  int fd = ::open(args[1].c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return outcome("ioctl:" + args[1], errno);
  termios t{};
  const int err = ::ioctl(fd, TCGETS, &t) == 0 ? 0 : errno;
  ::close(fd);
  return outcome("ioctl:" + args[1], err);
}

// gateway: the IPv4 default gateway from /proc/net/route.
int cmd_gateway(const Args&) {
  std::ifstream routes("/proc/net/route");
  std::string line;
  std::getline(routes, line);
  while (std::getline(routes, line)) {
    std::istringstream fields(line);
    std::string iface, dest, gw;
    fields >> iface >> dest >> gw;
    if (dest != "00000000") continue;
    in_addr a{};
    a.s_addr = static_cast<in_addr_t>(std::stoul(gw, nullptr, 16));
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &a, text, sizeof text);
    put("gateway", text);
    return kOk;
  }
  put("gateway", "none");
  return kFailed;
}

// serve PORT: accepts one TCP connection on 0.0.0.0:PORT (5 s at most).
int cmd_serve(const Args& args) {
  long port = 0;
  if (args.size() != 2 || !parse_long(args[1], port)) return kUsage;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 4) != 0)
    return outcome("serve", errno);
  put("listening", args[1]);
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  int conn = ::accept(fd, nullptr, nullptr);
  const int err = conn < 0 ? errno : 0;
  if (conn >= 0) ::close(conn);
  ::close(fd);
  return outcome("serve", err);
}

// socket FAMILY TYPE: families unix inet inet6 packet netlink; types stream dgram raw.
int cmd_socket(const Args& args) {
  if (args.size() != 3) return kUsage;
  const std::map<std::string, int> families = {{"unix", AF_UNIX},
                                               {"inet", AF_INET},
                                               {"inet6", AF_INET6},
                                               {"packet", AF_PACKET},
                                               {"netlink", AF_NETLINK}};
  const std::map<std::string, int> types = {
      {"stream", SOCK_STREAM}, {"dgram", SOCK_DGRAM}, {"raw", SOCK_RAW}};
  auto f = families.find(args[1]);
  auto t = types.find(args[2]);
  if (f == families.end() || t == types.end()) return kUsage;
  int fd = ::socket(f->second, t->second | SOCK_CLOEXEC, 0);
  const int err = fd < 0 ? errno : 0;
  if (fd >= 0) ::close(fd);
  return outcome("socket:" + args[1] + "-" + args[2], err);
}

// unix-connect PATH / abstract-connect NAME: connect a stream AF_UNIX socket.
int unix_connect(const std::string& key, const std::string& name, bool abstract) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return outcome(key, errno);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::size_t offset = abstract ? 1 : 0;
  std::memcpy(addr.sun_path + offset, name.data(),
              std::min(name.size(), sizeof addr.sun_path - 1 - offset));
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset +
                                               name.size() + (abstract ? 0 : 1));
  const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), len);
  const int err = rc == 0 ? 0 : errno;
  ::close(fd);
  return outcome(key, err);
}

int cmd_unix_connect(const Args& args) {
  if (args.size() != 2) return kUsage;
  return unix_connect("unix-connect:" + args[1], args[1], false);
}

int cmd_abstract_connect(const Args& args) {
  if (args.size() != 2) return kUsage;
  return unix_connect("abstract-connect:" + args[1], args[1], true);
}

int cmd_rlimits(const Args&) {
  const std::pair<const char*, int> limits[] = {
      {"nofile", RLIMIT_NOFILE}, {"core", RLIMIT_CORE}, {"nproc", RLIMIT_NPROC}, {"as", RLIMIT_AS}};
  for (const auto& [name, resource] : limits) {
    rlimit l{};
    if (::getrlimit(resource, &l) != 0) return outcome(std::string("rlimit:") + name, errno);
    auto text = [](rlim_t v) {
      return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v);
    };
    put(std::string("rlimit:") + name, text(l.rlim_cur) + ":" + text(l.rlim_max));
  }
  return kOk;
}

// sys NAME...: sys:NAME=ok or the errno name; a call killed by the filter kills the probe.
int cmd_sys(const Args& args) {
  if (args.size() < 2) return kUsage;
  int code = kOk;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "tiocsti") {
      const int err = tiocsti_on_own_terminal();
      put("sys:tiocsti", err == 0      ? "ok"
                         : err >= 1000 ? "signal" + std::to_string(err - 1000)
                                       : errno_name(err));
      if (err) code = kFailed;
      continue;
    }
    auto it = seccomp_calls().find(args[i]);
    if (it == seccomp_calls().end()) return kUsage;
    const int err = try_call(it->second);
    put("sys:" + args[i], err == 0 ? "ok" : errno_name(err));
    if (err) code = kFailed;
  }
  return code;
}

int write_fd_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

// Opens PATH for writing (created if missing, truncated) and writes `bytes` bytes.
int write_bytes(const std::string& path, std::size_t bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  const std::string chunk(65536, 'x');
  int err = 0;
  while (bytes > 0 && err == 0) {
    const std::size_t n = std::min(bytes, chunk.size());
    err = write_fd_all(fd, chunk.data(), n);
    bytes -= n;
  }
  if (::close(fd) != 0 && err == 0) err = errno;
  return err;
}

int cmd_write(const Args& args) {
  if (args.size() != 2) return kUsage;
  int fd = ::open(args[1].c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return outcome("write:" + args[1], errno);
  int err = write_fd_all(fd, "probe\n", 6);
  if (::close(fd) != 0 && err == 0) err = errno;
  return outcome("write:" + args[1], err);
}

int cmd_fill(const Args& args) {
  long bytes = 0;
  if (args.size() != 3 || !parse_long(args[2], bytes) || bytes < 0) return kUsage;
  return outcome("fill:" + args[1], write_bytes(args[1], static_cast<std::size_t>(bytes)));
}

int cmd_mkdir(const Args& args) {
  if (args.size() != 2) return kUsage;
  return outcome("mkdir:" + args[1], ::mkdir(args[1].c_str(), 0755) == 0 ? 0 : errno);
}

int cmd_read(const Args& args) {
  if (args.size() != 2) return kUsage;
  int err = 0;
  const std::string data = read_file(args[1], err);
  if (err == 0) put("data:" + args[1], one_line(data));
  return outcome("read:" + args[1], err);
}

std::string file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "dir";
  if (S_ISREG(mode)) return "file";
  if (S_ISLNK(mode)) return "symlink";
  if (S_ISCHR(mode)) return "chr";
  if (S_ISBLK(mode)) return "blk";
  if (S_ISFIFO(mode)) return "fifo";
  return "sock";
}

// stat PATH (lstat: a symlink is reported as one, with its target).
int cmd_stat(const Args& args) {
  if (args.size() != 2) return kUsage;
  const std::string& path = args[1];
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return outcome("stat:" + path, errno);
  char mode[16];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  put("stat:" + path, file_type(st.st_mode));
  put("mode:" + path, mode);
  put("owner:" + path, std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid));
  put("size:" + path, std::to_string(st.st_size));
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    put("link:" + path,
        n < 0 ? errno_name(errno) : std::string(target, static_cast<std::size_t>(n)));
  }
  return kOk;
}

int cmd_statfs(const Args& args) {
  if (args.size() != 2) return kUsage;
  const std::string& path = args[1];
  struct statfs fs {};
  struct statvfs vfs {};
  if (::statfs(path.c_str(), &fs) != 0 || ::statvfs(path.c_str(), &vfs) != 0)
    return outcome("statfs:" + path, errno);
  char type[32];
  std::snprintf(type, sizeof type, "0x%lx", static_cast<unsigned long>(fs.f_type));
  put("fstype:" + path, type);
  put("fssize:" + path, std::to_string(static_cast<unsigned long long>(fs.f_blocks) *
                                       static_cast<unsigned long long>(fs.f_bsize)));
  put("rdonly:" + path, (vfs.f_flag & ST_RDONLY) ? "1" : "0");
  put("nosuid:" + path, (vfs.f_flag & ST_NOSUID) ? "1" : "0");
  put("nodev:" + path, (vfs.f_flag & ST_NODEV) ? "1" : "0");
  return outcome("statfs:" + path, 0);
}

int cmd_ls(const Args& args) {
  if (args.size() != 2) return kUsage;
  int err = 0;
  auto names = list_dir(args[1], err);
  if (err == 0) put("entries:" + args[1], join(names));
  return outcome("ls:" + args[1], err);
}

int cmd_env(const Args&) {
  int count = 0;
  for (char** e = environ; e && *e; ++e, ++count) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    put("env:" + entry.substr(0, eq), eq == std::string::npos ? "" : entry.substr(eq + 1));
  }
  put("envcount", std::to_string(count));
  return kOk;
}

int cmd_cwd(const Args&) {
  char buf[4096];
  if (!::getcwd(buf, sizeof buf)) return outcome("cwd", errno);
  put("cwd", buf);
  return kOk;
}

// Open descriptors, without the one used to list them.
int cmd_fds(const Args&) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return outcome("fds", errno);
  std::vector<long> fds;
  while (dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (is_number(name) && std::atol(name.c_str()) != ::dirfd(dir))
      fds.push_back(std::atol(name.c_str()));
  }
  ::closedir(dir);
  std::sort(fds.begin(), fds.end());
  put("fds", join_numbers(fds));
  return kOk;
}

int cmd_mountinfo(const Args&) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, point, options;
    fields >> id >> parent >> devno >> root >> point >> options;
    put("mount", point + " " + options);
  }
  return kOk;
}

int cmd_sleep(const Args& args) {
  if (args.size() != 2) return kUsage;
  const double seconds = std::atof(args[1].c_str());
  sleep_ms(static_cast<long>(seconds * 1000));
  return kOk;
}

int cmd_exit(const Args& args) {
  long code = 0;
  if (args.size() != 2 || !parse_long(args[1], code)) return kUsage;
  std::fflush(stdout);
  ::_exit(static_cast<int>(code));
}

int cmd_kill_self(const Args& args) {
  const int sig = args.size() == 2 ? signal_number(args[1]) : -1;
  if (sig <= 0) return kUsage;
  std::fflush(stdout);
  ::kill(::getpid(), sig);
  sleep_ms(1000);
  put("survived", signal_name(sig));  // e.g. PID 1 without a handler ignores the signal
  return kFailed;
}

// Waits (up to 2 s) until the process has exited but is not reaped yet.
void wait_until_zombie(pid_t pid) {
  for (int i = 0; i < 200 && process_state(pid) != 'Z'; ++i) sleep_ms(10);
}

// spawn-zombies N: a child forks N grandchildren that exit at once and, once they are all
// zombies, exits itself without waiting for them: they become orphaned zombies that PID 1
// (or a subreaper) must reap.
int cmd_spawn_zombies(const Args& args) {
  long count = 0;
  if (args.size() != 2 || !parse_long(args[1], count)) return kUsage;
  std::fflush(stdout);
  pid_t middle = ::fork();
  if (middle < 0) return outcome("spawn-zombies", errno);
  if (middle == 0) {
    std::vector<pid_t> children;
    for (long i = 0; i < count; ++i) {
      pid_t child = ::fork();
      if (child == 0) ::_exit(0);
      if (child > 0) children.push_back(child);
    }
    for (pid_t child : children) wait_until_zombie(child);
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  put("spawned", std::to_string(count));
  return kOk;
}

// spawn-sleepers N SECONDS: N background children that sleep and outlive the probe.
int cmd_spawn_sleepers(const Args& args) {
  long count = 0, seconds = 0;
  if (args.size() != 3 || !parse_long(args[1], count) || !parse_long(args[2], seconds))
    return kUsage;
  std::fflush(stdout);
  std::vector<long> pids;
  for (long i = 0; i < count; ++i) {
    pid_t pid = ::fork();
    if (pid < 0) return outcome("spawn-sleepers", errno);
    if (pid == 0) {
      int null = ::open("/dev/null", O_RDWR);
      for (int fd = 0; fd <= 2; ++fd) null >= 0 ? ::dup2(null, fd) : ::close(fd);
      sleep_ms(seconds * 1000);
      ::_exit(0);
    }
    pids.push_back(pid);
  }
  put("sleepers", join_numbers(pids));
  return kOk;
}

volatile sig_atomic_t g_received = 0;

void on_signal(int sig) {
  if (g_received == 0) g_received = sig;
}

// wait-signal [TIMEOUT_S]: prints "ready", then the first signal received ("signal=SIGTERM").
int cmd_wait_signal(const Args& args) {
  long timeout = 20;
  if (args.size() > 1 && !parse_long(args[1], timeout)) return kUsage;
  const int watched[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  sigset_t block, old;
  sigemptyset(&block);
  for (int sig : watched) sigaddset(&block, sig);
  sigprocmask(SIG_BLOCK, &block, &old);
  struct sigaction action {};
  action.sa_handler = on_signal;
  for (int sig : watched) sigaction(sig, &action, nullptr);
  std::printf("ready\n");
  std::fflush(stdout);
  const std::time_t deadline = std::time(nullptr) + timeout;
  sigset_t during = old;
  for (int sig : watched) sigdelset(&during, sig);
  while (g_received == 0 && std::time(nullptr) < deadline) {
    timespec tick{0, 50000000L};
    ::pselect(0, nullptr, nullptr, nullptr, &tick, &during);
  }
  if (g_received == 0) return outcome("signal", ETIMEDOUT);
  put("signal", signal_name(g_received));
  return kOk;
}

int cmd_argv(const Args&);

const std::map<std::string, std::function<int(const Args&)>>& commands() {
  static const std::map<std::string, std::function<int(const Args&)>> table = {
      {"ids", cmd_ids},
      {"hostname", cmd_hostname},
      {"pids", cmd_pids},
      {"procs", cmd_procs},
      {"zombies", cmd_zombies},
      {"netifs", cmd_netifs},
      {"caps", cmd_caps},
      {"rawsock", cmd_rawsock},
      {"loopback", cmd_loopback},
      {"unshare-user", cmd_unshare_user},
      {"write", cmd_write},
      {"fill", cmd_fill},
      {"mkdir", cmd_mkdir},
      {"read", cmd_read},
      {"stat", cmd_stat},
      {"exists", cmd_stat},
      {"statfs", cmd_statfs},
      {"ls", cmd_ls},
      {"env", cmd_env},
      {"argv", cmd_argv},
      {"cwd", cmd_cwd},
      {"fds", cmd_fds},
      {"mountinfo", cmd_mountinfo},
      {"sleep", cmd_sleep},
      {"exit", cmd_exit},
      {"kill-self", cmd_kill_self},
      {"spawn-zombies", cmd_spawn_zombies},
      {"spawn-sleepers", cmd_spawn_sleepers},
      {"wait-signal", cmd_wait_signal},
      {"sys", cmd_sys},
      {"rlimits", cmd_rlimits},
      {"capsys", cmd_capsys},
      {"exec", cmd_exec},
      {"signal", cmd_signal},
      {"connect", cmd_connect},
      {"socket", cmd_socket},
      {"gateway", cmd_gateway},
      {"ioctl-tcgets", cmd_ioctl_tcgets},
      {"serve", cmd_serve},
      {"unix-connect", cmd_unix_connect},
      {"abstract-connect", cmd_abstract_connect},
      {"fork-until-fail", cmd_fork_until_fail},
      {"alloc", cmd_alloc},
      {"spin", cmd_spin},
  };
  return table;
}

std::vector<std::string> g_argv;

int cmd_argv(const Args&) {
  put("argv0", g_argv.empty() ? "" : g_argv[0]);
  put("argc", std::to_string(g_argv.size()));
  return kOk;
}

int run_one(const Args& args) {
  auto it = commands().find(args.front());
  if (it == commands().end()) {
    std::fprintf(stderr, "probe: unknown subcommand '%s'\n", args.front().c_str());
    return kUsage;
  }
  const int code = it->second(args);
  if (code == kUsage) std::fprintf(stderr, "probe: bad arguments for '%s'\n", args.front().c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  g_argv.assign(argv, argv + argc);
  if (argc < 2) {
    std::fprintf(stderr, "usage: probe SUBCOMMAND [ARGS...] [+ SUBCOMMAND [ARGS...]]...\n");
    return kUsage;
  }
  int code = kOk;
  Args current;
  for (int i = 1; i <= argc; ++i) {
    if (i < argc && std::string(argv[i]) != "+") {
      current.emplace_back(argv[i]);
      continue;
    }
    if (!current.empty()) code = run_one(current);
    current.clear();
  }
  return code;
}
