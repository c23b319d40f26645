#include "process/postmortem.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <set>

#include "kernel/fd.hpp"
#include "seccomp/emulator.hpp"
#include "seccomp/filter.hpp"

namespace cloister::postmortem {
namespace {

constexpr std::uint32_t kX32Bit = 0x40000000;
constexpr int kMaxSyscallNr = 1024;
constexpr std::size_t kListedKills = 10;
constexpr std::uint64_t kClockSlackUsec =
    1000000;  // printk's clock is close to, not equal to, CLOCK_MONOTONIC

const std::vector<seccomp::Program>& programs_of(const Plan& plan) {
  return plan.mode == SandboxMode::Chroot && plan.chroot ? plan.chroot->seccomp : plan.seccomp;
}

// The kernel's answer of stacked filters: the most restrictive action (SECCOMP_RET_ACTION_FULL
// read as signed); between equal ones, the most recently installed filter's.
seccomp::Verdict verdict(const Plan& plan, std::uint32_t arch, long nr) {
  seccomp_data call{};
  call.nr = static_cast<int>(nr);
  call.arch = arch;
  seccomp::Verdict out;
  out.action = SECCOMP_RET_ALLOW;
  for (const auto& program : programs_of(plan)) {
    const auto v = seccomp::emulate(program.code, call);
    if (!v.valid) continue;
    out.read_args |= v.read_args;
    if (static_cast<std::int32_t>(v.action) <= static_cast<std::int32_t>(out.action)) {
      out.action = v.action;
      out.data = v.data;
    }
  }
  return out;
}

bool kills(const seccomp::Verdict& v) {
  return v.action == SECCOMP_RET_KILL_PROCESS || v.action == SECCOMP_RET_KILL_THREAD;
}

std::uint32_t native() { return seccomp_arch_native(); }

std::string resolve_name(std::uint32_t arch, long nr) {
  char* name = seccomp_syscall_resolve_num_arch(arch, static_cast<int>(nr));
  if (!name) return "";
  std::string out = name;
  std::free(name);
  return out;
}

std::string syscall_name(std::uint32_t arch, long nr) {
  std::string name;
  std::string suffix;
  if (arch == AUDIT_ARCH_X86_64 && (nr & kX32Bit)) {
    name = resolve_name(SCMP_ARCH_X32, nr);
    if (name.empty()) name = resolve_name(SCMP_ARCH_X32, nr & ~static_cast<long>(kX32Bit));
    suffix = " (x32)";
  } else {
    name = resolve_name(arch, nr);
    if (arch != native()) suffix = arch == AUDIT_ARCH_I386 ? " (i386)" : " (another architecture)";
  }
  return (name.empty() ? "number " + std::to_string(nr) : name) + suffix;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// Whether a host uid can be one of the sandbox's: in the outside ranges of its uid map, the
// caller's own without a user namespace, anything in a joined one (its map is not ours).
bool uid_possible(const Plan& plan, std::uint32_t uid) {
  if (plan.userns_fd >= 0) return true;
  if (!(plan.clone_flags & CLONE_NEWUSER)) return uid == ::geteuid();
  std::string_view map = plan.ids.uid_map;
  while (!map.empty()) {
    const auto eol = map.find('\n');
    std::string_view line = map.substr(0, eol);
    map = eol == std::string_view::npos ? std::string_view{} : map.substr(eol + 1);
    unsigned long inside = 0, outside = 0, count = 0;
    const char* p = line.data();
    const char* end = line.data() + line.size();
    auto next = [&](unsigned long& v) {
      while (p < end && *p == ' ') ++p;
      auto r = std::from_chars(p, end, v);
      p = r.ptr;
      return r.ec == std::errc{};
    };
    if (next(inside) && next(outside) && next(count) && uid >= outside && uid - outside < count)
      return true;
  }
  return false;
}

bool from_this_sandbox(const Plan& plan, const AuditRecord& r) {
  if (r.sig != SIGSYS) return false;
  if (r.action != SECCOMP_RET_KILL_PROCESS && r.action != SECCOMP_RET_KILL_THREAD) return false;
  if (!uid_possible(plan, r.uid)) return false;
  const auto v = verdict(plan, r.arch, r.nr);
  return kills(v) || v.read_args;  // read_args: killed for some arguments only
}

// What the plan's filters kill, in a few words ("every syscall it does not allow (19 here)",
// "getppid and sethostname", the foreign entry points), and the one native syscall they
// kill when there is just one.
struct Kills {
  std::string text;
  std::string only;
};

Kills what_kills(const Plan& plan) {
  std::vector<std::string> named;
  std::size_t count = 0;
  for (long nr = 0; nr < kMaxSyscallNr; ++nr) {
    const std::string name = resolve_name(native(), nr);
    if (name.empty() || !kills(verdict(plan, native(), nr))) continue;
    ++count;
    if (named.size() < kListedKills) named.push_back(name);
  }
  std::vector<std::string> parts;
  const bool by_default = kills(verdict(plan, native(), kMaxSyscallNr + 100));
  if (by_default)
    parts.push_back("every syscall it does not allow (" + std::to_string(count) + " here)");
  else if (count > kListedKills)
    parts.push_back(std::to_string(count) + " syscalls (cloister explain lists them)");
  else if (count > 0)
    parts.push_back(join(named, ", "));
  if (native() == AUDIT_ARCH_X86_64) {
    if (kills(verdict(plan, native(), SYS_getpid | kX32Bit))) parts.emplace_back("x32 syscalls");
    if (kills(verdict(plan, AUDIT_ARCH_I386, 20 /* getpid */)))
      parts.emplace_back("i386 syscalls (int 0x80)");
  }
  return {join(parts, ", "), count == 1 && !by_default ? named.front() : ""};
}

// What to write in a profile so that the call goes through.
std::string allowing(const AuditRecord& r) {
  if (r.arch == AUDIT_ARCH_X86_64 && (r.nr & kX32Bit)) return "[seccomp] allow-x32 = true";
  if (r.arch != native()) return "[seccomp] allow-i386 = true";
  return "[seccomp] allow = [\"" + resolve_name(r.arch, r.nr) + "\"]";
}

std::vector<std::string> killed_by_seccomp(const Plan& plan, const std::vector<AuditRecord>& log) {
  const Kills kills_what = what_kills(plan);
  if (kills_what.text.empty()) return {};  // status 159 without anything the filter kills
  // The latest record of a kill this plan's filters make: the sandbox has just ended, and
  // earlier ones (another sandbox's, close in time) are older.
  for (auto r = log.rbegin(); r != log.rend(); ++r) {
    if (!from_this_sandbox(plan, *r)) continue;
    return {"COMMAND was killed by the seccomp filter (SIGSYS) at syscall " +
            syscall_name(r->arch, r->nr) +
            " (the kernel's audit log says so); to allow it, use a profile with " + allowing(*r) +
            " (cloister explain shows the rule that kills it)"};
  }
  const std::string name = kills_what.only.empty() ? "NAME" : kills_what.only;
  return {
      "exit status 159 is 128+SIGSYS: COMMAND was most likely killed by the seccomp filter "
      "(SIGSYS), which kills " +
      kills_what.text +
      "; find the syscall with strace -f, or as root in the kernel's audit log (dmesg | "
      "grep type=1326: syscall=NR), then allow it with a profile: [seccomp] allow = [\"" +
      name + "\"]"};
}

bool beneath(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.compare(0, dir.size(), dir) == 0 &&
         (path.size() == dir.size() || path[dir.size()] == '/');
}

std::vector<std::string> exec_refused(const Plan& plan, const Error& error) {
  const auto v = verdict(plan, native(), SYS_execve);
  if (v.action == SECCOMP_RET_ERRNO && v.data == error.err)
    return {"the exec was refused by the seccomp filter (execve: " +
            seccomp::action_name(SeccompAction{SeccompAction::Kind::Errno, error.err}) +
            "); cloister explain shows the rule, a profile can allow execve"};
  if (error.err != EACCES) return {};
  const bool landlock = plan.landlock && !plan.landlock->paths.empty() && plan.landlock_abi >= 1;
  std::vector<std::string> exec_dirs;
  bool covered = false;
  if (landlock)
    for (const auto& r : plan.landlock->paths) {
      if (!r.exec) continue;
      exec_dirs.push_back(r.path);
      covered |=
          !plan.exec_path.empty() && plan.exec_path[0] == '/' && beneath(plan.exec_path, r.path);
    }
  if (landlock && !covered)
    return {
        "the exec was refused by Landlock: executing is allowed only beneath the "
        "--landlock-exec paths (" +
        (exec_dirs.empty() ? std::string("none given") : join(exec_dirs, ", ")) + ")"};
  return {
      "neither seccomp nor Landlock refused the exec: the file's permissions or a noexec "
      "mount did"};
}

}  // namespace

std::optional<AuditRecord> parse_kmsg(std::string_view record) {
  // "PRIORITY,SEQUENCE,USEC,FLAGS;MESSAGE"
  const auto semicolon = record.find(';');
  if (semicolon == std::string_view::npos) return std::nullopt;
  const std::string_view header = record.substr(0, semicolon);
  std::string_view text = record.substr(semicolon + 1);
  const auto type = text.find("type=1326 ");
  if (type == std::string_view::npos) return std::nullopt;
  AuditRecord r;
  const auto first = header.find(','), second = header.find(',', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) return std::nullopt;
  const auto third = header.find(',', second + 1);
  const std::string_view usec = header.substr(second + 1, third - second - 1);
  if (std::from_chars(usec.data(), usec.data() + usec.size(), r.usec).ec != std::errc{})
    return std::nullopt;
  auto field = [&](std::string_view key, auto& out, int base) {
    const auto at = text.find(" " + std::string(key) + "=");
    if (at == std::string_view::npos) return false;
    const char* begin = text.data() + at + key.size() + 2;
    const char* end = text.data() + text.size();
    if (base == 16 && end - begin > 2 && begin[0] == '0' && begin[1] == 'x') begin += 2;
    return std::from_chars(begin, end, out, base).ec == std::errc{};
  };
  if (!field("uid", r.uid, 10) || !field("sig", r.sig, 10) || !field("arch", r.arch, 16) ||
      !field("syscall", r.nr, 10) || !field("code", r.action, 16))
    return std::nullopt;
  (void)field("pid", r.pid, 10);
  r.action &= SECCOMP_RET_ACTION_FULL;
  return r;
}

std::vector<AuditRecord> read_audit_log(std::uint64_t since_usec) {
  std::vector<AuditRecord> out;
  UniqueFd kmsg(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!kmsg) return out;
  char buf[8192];  // one record per read(); longer ones fail with EINVAL and are skipped
  for (int guard = 0; guard < 1000000; ++guard) {
    const ssize_t n = ::read(kmsg.get(), buf, sizeof buf);
    if (n < 0 && (errno == EPIPE || errno == EINVAL || errno == EINTR)) continue;  // overwritten
    if (n <= 0) break;  // EAGAIN: the end of the buffer
    auto r = parse_kmsg(std::string_view(buf, static_cast<std::size_t>(n)));
    if (r && r->usec + kClockSlackUsec >= since_usec) out.push_back(*r);
  }
  return out;
}

std::uint64_t now_usec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000 +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

std::vector<std::string> explain(const Plan& plan, const Outcome& outcome,
                                 const std::vector<AuditRecord>& log) {
  if (programs_of(plan).empty() && !plan.landlock) return {};
  if (outcome.error && outcome.error->step == "exec" && outcome.error->op == "execvp")
    return exec_refused(plan, *outcome.error);
  if (!outcome.error && outcome.exit_code == 128 + SIGSYS && !programs_of(plan).empty())
    return killed_by_seccomp(plan, log);
  return {};
}

std::vector<std::string> report(const Plan& plan, const Outcome& outcome,
                                std::uint64_t started_usec) {
  const bool sigsys = !outcome.error && outcome.exit_code == 128 + SIGSYS;
  return explain(plan, outcome, sigsys ? read_audit_log(started_usec) : std::vector<AuditRecord>{});
}

}  // namespace cloister::postmortem
