#include "plan/terminal.hpp"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>

#include "kernel/fd.hpp"
#include "seccomp/emulator.hpp"

namespace cloister::terminal {
namespace {

constexpr int kCapSysAdmin = 21;
constexpr unsigned kTtyMajor = 4;      // /dev/tty0../dev/tty63 are virtual consoles
constexpr unsigned kFirstSerial = 64;  // /dev/ttyS0 and up share the major

int read_sysctl(const char* path, int fallback) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  char buf[16] = {};
  if (!fd || ::read(fd.get(), buf, sizeof buf - 1) <= 0) return fallback;
  return buf[0] == '0' ? 0 : 1;
}

const std::vector<seccomp::Program>& programs_of(const Plan& plan) {
  return plan.mode == SandboxMode::Chroot && plan.chroot ? plan.chroot->seccomp : plan.seccomp;
}

// Every installed filter must allow the call for it to go through (the most restrictive
// answer of stacked filters wins).
bool filters_allow_ioctl(const Plan& plan, int fd, unsigned long request) {
  seccomp_data call{};
  call.nr = SYS_ioctl;
  call.arch = seccomp_arch_native();  // libseccomp's tokens are the AUDIT_ARCH values
  call.args[0] = static_cast<std::uint64_t>(fd);
  call.args[1] = request;
  return std::all_of(programs_of(plan).begin(), programs_of(plan).end(), [&](const auto& p) {
    const auto v = seccomp::emulate(p.code, call);
    return v.valid && (v.action == SECCOMP_RET_ALLOW || v.action == SECCOMP_RET_LOG);
  });
}

// The kernel's own TIOCSTI switch does not hold back a process that is CAP_SYS_ADMIN in the
// initial user namespace: one that keeps it without a user namespace of its own.
bool keeps_host_sys_admin(const Plan& plan) {
  return !(plan.clone_flags & CLONE_NEWUSER) && plan.userns_fd < 0 &&
         (plan.keep_caps >> kCapSysAdmin & 1) && ::geteuid() == 0;
}

const char* fd_name(int fd) { return fd == 0 ? "stdin" : fd == 1 ? "stdout" : "stderr"; }

}  // namespace

Facts current_facts() {
  Facts facts;
  for (int fd = 0; fd <= 2; ++fd) {
    // tcgetsid succeeds only for the caller's controlling terminal: TIOCSTI and TIOCLINUX
    // refuse any other terminal to a process without CAP_SYS_ADMIN.
    if (!::isatty(fd) || ::tcgetsid(fd) < 0) continue;
    facts.controlling.push_back(fd);
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && ::major(st.st_rdev) == kTtyMajor &&
        ::minor(st.st_rdev) < kFirstSerial)
      facts.consoles.push_back(fd);
  }
  facts.legacy_tiocsti = read_sysctl("/proc/sys/dev/tty/legacy_tiocsti", 1);
  return facts;
}

std::optional<std::string> injection_warning(const Plan& plan, const Facts& facts) {
  if (plan.new_session || plan.console) return std::nullopt;  // a session of its own
  const bool kernel_allows_tiocsti = facts.legacy_tiocsti != 0 || keeps_host_sys_admin(plan);
  for (int fd : facts.controlling) {
    const bool console = std::count(facts.consoles.begin(), facts.consoles.end(), fd) > 0;
    const char* request = nullptr;
    if (kernel_allows_tiocsti && filters_allow_ioctl(plan, fd, TIOCSTI))
      request = "TIOCSTI";
    else if (console && filters_allow_ioctl(plan, fd, TIOCLINUX))
      request = "TIOCLINUX";
    if (!request) continue;
    return std::string("warning: the sandbox can type into this terminal: ") + fd_name(fd) +
           " is the session's terminal and ioctl " + request +
           " passes the seccomp filter; --new-session (or cloister's default filter) prevents it";
  }
  return std::nullopt;
}

}  // namespace cloister::terminal
