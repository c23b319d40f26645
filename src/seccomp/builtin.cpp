// The built-in seccomp bases. `default` is a denylist every sandbox gets unless it opts out:
// what a confined program never needs and what most sandbox escapes and kernel exploits go
// through. `strict-daemon` is an allowlist for an ordinary network daemon, with the same
// denials on top.
#include <sched.h>
#include <sys/ioctl.h>

#include <cerrno>

#include "seccomp/filter.hpp"
#include "seccomp/tables.hpp"

namespace cloister::seccomp {
namespace {

constexpr SeccompAction kEperm{SeccompAction::Kind::Errno, EPERM};
constexpr SeccompAction kEnosys{SeccompAction::Kind::Errno, ENOSYS};
constexpr SeccompAction kAllow{SeccompAction::Kind::Allow, 0};

constexpr std::uint64_t kNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
                                             CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
                                             CLONE_NEWNET, 0x00000080 /* CLONE_NEWTIME */};

// Denied outright (EPERM): mounts and root changes, tracing other processes, kernel
// programmability (bpf, perf, io_uring: it runs syscalls the filter never sees), module and
// kexec loading, keyrings, userfaultfd (race widening in exploits), handle-based opens that
// bypass path checks, accounting, quotas, swap, reboot, clock setting, raw I/O ports.
constexpr std::string_view kDenied[] = {"@mount",
                                        "chroot",
                                        "setns",
                                        "ptrace",
                                        "process_vm_readv",
                                        "process_vm_writev",
                                        "bpf",
                                        "process_madvise",
                                        "perf_event_open",
                                        "kexec_load",
                                        "kexec_file_load",
                                        "init_module",
                                        "finit_module",
                                        "delete_module",
                                        "add_key",
                                        "request_key",
                                        "keyctl",
                                        "userfaultfd",
                                        "io_uring_setup",
                                        "io_uring_enter",
                                        "io_uring_register",
                                        "open_by_handle_at",
                                        "quotactl",
                                        "quotactl_fd",
                                        "acct",
                                        "swapon",
                                        "swapoff",
                                        "reboot",
                                        "settimeofday",
                                        "clock_settime",
                                        "clock_adjtime",
                                        "adjtimex",
                                        "iopl",
                                        "ioperm",
                                        "lookup_dcookie",
                                        "syslog",
                                        "vhangup",
                                        "uselib",
                                        "nfsservctl"};

SeccompRule rule(std::string_view name, SeccompAction action,
                 std::vector<SeccompCondition> conditions = {}) {
  return SeccompRule{std::string(name), std::move(conditions), action, "built-in"};
}

SeccompCondition low32_equals(unsigned index, std::uint64_t value) {
  return SeccompCondition{index, SeccompCondition::Op::MaskedEq, value, 0xffffffffULL};
}

void add_denials(std::vector<SeccompRule>& rules) {
  for (auto name : kDenied) rules.push_back(rule(name, kEperm));
  // New namespaces would give the sandbox a fresh set of capabilities over them.
  for (auto flag : kNamespaceFlags) {
    rules.push_back(rule("unshare", kEperm, {{0, SeccompCondition::Op::MaskedEq, flag, flag}}));
    rules.push_back(rule("clone", kEperm, {{0, SeccompCondition::Op::MaskedEq, flag, flag}}));
  }
  // clone3 passes its flags in memory, out of the filter's reach: ENOSYS makes libc use clone.
  rules.push_back(rule("clone3", kEnosys));
  // Only PER_LINUX; others enable e.g. READ_IMPLIES_EXEC. (One comparison per argument per
  // rule, so the 0xffffffff query is refused too, as with systemd's LockPersonality.)
  rules.push_back(rule("personality", kEperm, {{0, SeccompCondition::Op::Ne, 0, ~0ULL}}));
  // Terminal input injection: compare the low 32 bits, the kernel ignores the rest of `cmd`.
  rules.push_back(rule("ioctl", kEperm, {low32_equals(1, TIOCSTI)}));
  rules.push_back(rule("ioctl", kEperm, {low32_equals(1, TIOCLINUX)}));
}

constexpr std::string_view kDaemonAllowed[] = {
    "@default",  "@basic-io", "@file-system", "@io-event", "@network-io", "@signal",
    "@timer",    "@memory",   "@sync",        "@process",  "@ipc",        "@resources",
    "@chown",    "@setuid",   "@aio",         "ioctl",     "prctl",       "uname",
    "getrandom", "sysinfo",   "umask",        "capget",    "capset"};

}  // namespace

Result<std::vector<std::vector<SeccompRule>>> builtin_rules(const std::string& base,
                                                            SeccompAction& default_action) {
  std::vector<std::vector<SeccompRule>> layers;
  if (base == "none") {
    default_action = kAllow;
    return layers;
  }
  if (base == "default") {
    default_action = kAllow;
    add_denials(layers.emplace_back());
    return layers;
  }
  if (base == "strict-daemon") {
    // The allowed groups below, the denials on top of them (a group may hold e.g. setns).
    default_action = SeccompAction{SeccompAction::Kind::KillProcess, 0};
    auto& allowed = layers.emplace_back();
    for (auto name : kDaemonAllowed) allowed.push_back(rule(name, kAllow));
    add_denials(layers.emplace_back());
    return layers;
  }
  return Error{"seccomp", "unknown base policy", base, 0, "one of default, strict-daemon, none"};
}

}  // namespace cloister::seccomp
