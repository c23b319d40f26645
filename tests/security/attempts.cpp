// The attempts, in the order of docs/escape-tests.md. Each runs in the default sandbox and
// under the strict profile (escapes.cpp); `weaker` lists sandboxes with one protection less and
// what the attempt does there.
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include <filesystem>

#include "attempts.hpp"

namespace cloister_sec {
namespace {

using F = const Fixture&;

Verdict B = Verdict::Blocked;
Verdict E = Verdict::Escaped;

Weaker seccomp_off(Verdict v) {
  return {"--seccomp-policy none", v, [](F) { return Argv{"--seccomp-policy", "none"}; }};
}
Weaker seccomp_off_with(const std::string& cap, Verdict v) {
  return {"--seccomp-policy none --cap-add " + cap, v,
          [cap](F) { return Argv{"--seccomp-policy", "none", "--cap-add", cap}; }};
}
Weaker bwrap_defaults(Verdict v, bool root) {
  Weaker w{"cloister bwrap (no PID namespace, no filter)", v};
  w.bwrap = true;
  w.root_only = root;
  w.nobody_only = !root;
  return w;
}
Weaker net_host() {
  return {"--net=host", E, [](F) { return Argv{"--net=host"}; }};
}

std::vector<Attempt> filesystem_attempts() {
  std::vector<Attempt> out;
  {
    Attempt a{"dotdot and symlinks from a writable bind", "dotdot"};
    a.args = [](F f) { return Argv{f.secret_path(), "../secret"}; };
    a.options = [](F f) { return Argv{"--bind", f.shared(), "/data"}; };
    out.push_back(a);
  }
  {
    Attempt a{"bind destinations through planted symlinks", "noop"};
    // What an earlier sandbox could have left in a directory it could write.
    a.prepare = [](Fixture& f) {
      std::filesystem::create_directory_symlink(f.victim(), f.shared() + "/abs");
      std::filesystem::create_directory_symlink("../victim", f.shared() + "/rel");
      std::filesystem::create_directory_symlink("../../../../../../../../" + f.victim(),
                                                f.shared() + "/up");
    };
    a.options = [](F f) {
      return Argv{"--bind", f.shared(), "/data", "--dir", "/data/abs/dir", "--tmpfs", "/data/rel/tmpfs",
                  "--symlink", "x", "/data/up/link"};
    };
    a.host_check = [](Fixture& f) {
      std::string made;
      for (const auto& name : f.victim_entries()) made += " " + name;
      return made.empty() ? std::string() : "created on the host:" + made;
    };
    a.refusal_is_blocked = true;
    out.push_back(a);
  }
  {
    Attempt a{"/proc/self/root, /proc/1/root, /proc/PID/cwd", "proc-root"};
    a.args = [](F f) { return Argv{f.secret_path()}; };
    out.push_back(a);
  }
  {
    Attempt a{"inherited directory descriptor", "fd-scan"};
    a.args = [](F) { return Argv{"secret", "../secret"}; };
    a.weaker = {{"--keep-fd 5", E, [](F) { return Argv{"--keep-fd", "5"}; }}};
    out.push_back(a);
  }
  {
    Attempt a{"kept descriptor to a root-only file", "fd-scan"};
    a.args = [](F) { return Argv{"secret"}; };
    a.options = [](F) { return Argv{"--keep-fd", "6"}; };
    a.only_root = "root's sandbox maps onto uid 65534; another caller's already is that caller";
    a.weaker = {{"--uid-map 0:0:1 --gid-map 0:0:1", E,
                 [](F) { return Argv{"--uid-map", "0:0:1", "--gid-map", "0:0:1"}; }}};
    out.push_back(a);
  }
  {
    Attempt a{"open_by_handle_at", "open-by-handle"};
    a.weaker = {seccomp_off(B), seccomp_off_with("CAP_DAC_READ_SEARCH", B)};
    out.push_back(a);
  }
  {
    Attempt a{"chroot breakout (namespace mode)", "chroot-escape"};
    a.args = [](F f) { return Argv{f.secret_path()}; };
    a.weaker = {seccomp_off(B), seccomp_off_with("CAP_SYS_CHROOT", E)};
    out.push_back(a);
  }
  {
    Attempt a{"chroot-in-chroot (chroot mode)", "chroot-escape"};
    a.args = [](F f) { return Argv{f.secret_path()}; };
    a.chroot_mode = true;
    a.only_root = "chroot mode needs CAP_SYS_CHROOT, which only root has here";
    a.weaker = {{"--cap-add CAP_SYS_CHROOT", B, [](F) { return Argv{"--cap-add", "CAP_SYS_CHROOT"}; }}};
    out.push_back(a);
  }
  return out;
}

std::vector<Attempt> namespace_attempts() {
  std::vector<Attempt> out;
  for (const char* attack : {"mount", "umount", "pivot-root", "unshare", "setns"}) {
    Attempt a{attack, attack};
    a.weaker = {seccomp_off(B), seccomp_off_with("CAP_SYS_ADMIN", E)};
    out.push_back(a);
  }
  Attempt userns{"new user namespace", "userns"};
  userns.weaker = {seccomp_off(E)};
  out.push_back(userns);
  return out;
}

std::vector<Attempt> process_attempts() {
  std::vector<Attempt> out;
  for (const char* attack : {"ptrace", "process-vm", "kill"}) {
    Attempt a{std::string(attack) + " of a host process and a sibling sandbox", attack};
    a.args = [](F f) { return Argv{f.host_pid(), f.sibling_pid()}; };
    // Another caller's bwrap sandbox has a user namespace of its own, and ptrace across user
    // namespaces needs CAP_SYS_PTRACE over the target's: only kill goes through then.
    a.weaker = {bwrap_defaults(E, true),
                bwrap_defaults(std::string(attack) == "kill" ? E : B, false)};
    out.push_back(a);
  }
  return out;
}

bool kernel_has_x32() {
  return ::syscall(0x40000000L | SYS_getpid) >= 0 || errno != ENOSYS;
}

// int 0x80 without the i386 entry (ia32_emulation off) is a general protection fault.
bool kernel_has_i386_entry() {
  const pid_t child = ::fork();
  if (child == 0) {
    ::signal(SIGSEGV, SIG_DFL);  // the sanitizer's handler would report the fault
    long ret = 20;  // i386 getpid
    asm volatile("int $0x80" : "+a"(ret) : : "memory", "rcx", "r11", "r8", "r9", "r10");
    ::_exit(ret > 0 ? 0 : 1);
  }
  int status = 0;
  return child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status) &&
         WEXITSTATUS(status) == 0;
}

std::vector<Attempt> kernel_attempts() {
  std::vector<Attempt> out;
  Attempt tiocsti{"TIOCSTI into the caller's terminal", "tiocsti"};
  tiocsti.on_terminal = true;
  tiocsti.weaker = {seccomp_off(E)};
  out.push_back(tiocsti);
  Attempt tioclinux{"TIOCLINUX", "tioclinux"};
  tioclinux.on_terminal = true;
  tioclinux.weaker = {seccomp_off(B)};
  out.push_back(tioclinux);
  // Without the filter these two run only where the kernel has the entry: asked at run time.
  const Verdict x32 = kernel_has_x32() ? E : B;
  const Verdict i386 = kernel_has_i386_entry() ? E : B;
  for (auto [attack, without] : {std::pair{"keyctl", E}, std::pair{"bpf", B}, std::pair{"perf", E},
                                 std::pair{"userfaultfd", E}, std::pair{"io-uring", E},
                                 std::pair{"x32", x32}, std::pair{"int80", i386}}) {
    Attempt a{attack, attack};
    a.weaker = {seccomp_off(without)};
    out.push_back(a);
  }
  Attempt proc_sys{"writes to /proc/sys, core_pattern, sysrq-trigger", "proc-sys"};
  proc_sys.weaker = {seccomp_off_with("ALL", B)};
  out.push_back(proc_sys);
  Attempt sys{"writes to /sys", "sys"};
  sys.weaker = {{"--seccomp-policy none --cap-add ALL --ro-bind /sys /sys", B,
                 [](F) { return Argv{"--seccomp-policy", "none", "--cap-add", "ALL", "--ro-bind",
                                     "/sys", "/sys"}; }}};
  out.push_back(sys);
  Attempt mknod{"mknod of a memory or disk device", "mknod"};
  mknod.weaker = {seccomp_off_with("CAP_MKNOD", B)};
  out.push_back(mknod);
  return out;
}

// As cloister's network tests decide: pasta needs /dev/net/tun, often 0600 root.
std::string pasta_unavailable() {
  if (::access("/usr/bin/pasta", X_OK) != 0) return "pasta (Debian's passt) is not installed";
  if (::access("/dev/net/tun", R_OK | W_OK) != 0)
    return "--net=pasta needs /dev/net/tun, which this user cannot open";
  return "";
}

std::vector<Attempt> data_attempts() {
  std::vector<Attempt> out;
  Attempt env{"a secret environment variable not passed", "env"};
  env.options = [](F) { return Argv{"--unsetenv", "CLOISTER_SECRET"}; };
  env.weaker = {{"--setenv CLOISTER_SECRET (passed on)", E,
                 [](F f) { return Argv{"--setenv", "CLOISTER_SECRET", f.tokens()[2]}; }}};
  out.push_back(env);
  for (const char* mode : {"none", "unix", "tcp", "pasta"}) {
    Attempt tcp{std::string("host loopback TCP listener, --net=") + mode, "tcp-connect"};
    tcp.args = [](F f) { return Argv{std::to_string(f.tcp_port())}; };
    tcp.options = [mode](F) { return Argv{std::string("--net=") + mode}; };
    tcp.weaker = {net_host()};
    if (std::string(mode) == "pasta") tcp.unavailable = pasta_unavailable;
    out.push_back(tcp);
    Attempt abstract{std::string("host abstract socket, --net=") + mode, "abstract-connect"};
    abstract.args = [](F f) { return Argv{f.abstract_name()}; };
    abstract.options = tcp.options;
    abstract.weaker = {net_host()};
    abstract.unavailable = tcp.unavailable;
    out.push_back(abstract);
  }
  return out;
}

std::vector<Attempt> exhaustion_attempts() {
  std::vector<Attempt> out;
  const bool root = ::geteuid() == 0;
  // Root limits through the sandbox's cgroup; other callers have no delegated cgroup here, so
  // their limits are rlimits and the tmpfs's size.
  Attempt bomb{"fork bomb under limits", "fork-bomb"};
  bomb.args = [](F) { return Argv{"500"}; };
  bomb.options = [root](F) {
    return root ? Argv{"--pids-max", "64"} : Argv{"--rlimit", "nproc=64"};
  };
  bomb.host_check = [](Fixture& f) {
    const int n = f.forks_possible();
    return n == 20 ? std::string() : "the host started " + std::to_string(n) + " of 20 processes";
  };
  bomb.weaker = {{root ? "--pids-max 5000" : "--rlimit nproc=5000", E, [root](F) {
                    return root ? Argv{"--pids-max", "5000"} : Argv{"--rlimit", "nproc=5000"};
                  }}};
  bomb.weaker.front().replaces = true;
  out.push_back(bomb);
  Attempt fill{"tmpfs filler under limits", "tmpfs-fill"};
  fill.args = [](F) { return Argv{"/fill", "64"}; };
  fill.options = [root](F) {
    return root ? Argv{"--memory-max", "32M", "--size", "256M", "--tmpfs", "/fill"}
                : Argv{"--size", "16M", "--tmpfs", "/fill"};
  };
  fill.host_check = bomb.host_check;
  fill.killed_is_blocked = true;
  fill.weaker = {{root ? "--memory-max 512M" : "--size 512M --tmpfs /fill", E, [root](F) {
                    return root ? Argv{"--memory-max", "512M"}
                                : Argv{"--size", "512M", "--tmpfs", "/fill"};
                  }}};
  out.push_back(fill);
  return out;
}

}  // namespace

std::vector<Attempt> all_attempts() {
  std::vector<Attempt> all;
  for (auto part : {filesystem_attempts, namespace_attempts, process_attempts, kernel_attempts,
                    data_attempts, exhaustion_attempts})
    for (auto& a : part()) all.push_back(std::move(a));
  return all;
}

}  // namespace cloister_sec
