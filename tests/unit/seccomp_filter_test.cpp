// Verdicts of compiled seccomp filters, checked with a userspace BPF interpreter: every
// syscall of the native table, foreign architectures, argument conditions, no privileges.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstring>

#include "policy/profile.hpp"
#include "seccomp/emulator.hpp"
#include "seccomp/filter.hpp"
#include "seccomp/precompiled.hpp"

namespace cloister {
namespace {

using seccomp::Verdict;

Verdict run_filter(const std::vector<sock_filter>& program, const seccomp_data& d) {
  return seccomp::emulate(program, d);
}

constexpr std::uint32_t kX32Bit = 0x40000000;

seccomp_data call(int nr, std::initializer_list<std::uint64_t> args = {},
                  std::uint32_t arch = AUDIT_ARCH_X86_64) {
  seccomp_data d{};
  d.nr = nr;
  d.arch = arch;
  std::size_t i = 0;
  for (auto a : args) d.args[i++] = a;
  return d;
}

seccomp::Compiled compile_or_die(const SeccompPolicy& p) {
  auto c = seccomp::compile(p);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message());
  if (!c.ok()) std::abort();
  return std::move(*c);
}

Verdict verdict(const seccomp::Compiled& c, const seccomp_data& d) {
  Verdict v = run_filter(c.program.code, d);
  EXPECT_TRUE(v.valid) << "malformed program for nr " << d.nr;
  return v;
}

bool allows(const seccomp::Compiled& c, const seccomp_data& d) {
  return verdict(c, d).action == SECCOMP_RET_ALLOW;
}

bool denies_with(const seccomp::Compiled& c, const seccomp_data& d, int err) {
  Verdict v = verdict(c, d);
  return v.action == SECCOMP_RET_ERRNO && v.data == err;
}

bool kills(const seccomp::Compiled& c, const seccomp_data& d) {
  return verdict(c, d).action == SECCOMP_RET_KILL_PROCESS;
}

int nr_of(const char* name) { return seccomp_syscall_resolve_name(name); }

TEST(SeccompDefault, AllowsOrdinarySyscalls) {
  auto c = compile_or_die(SeccompPolicy{});
  for (const char* name :
       {"read", "write", "openat", "getppid", "mmap", "execve", "socket", "clone", "exit_group"})
    EXPECT_TRUE(allows(c, call(nr_of(name)))) << name;
}

TEST(SeccompDefault, DeniesTheDangerousOnes) {
  auto c = compile_or_die(SeccompPolicy{});
  for (const char* name : {"mount",
                           "umount2",
                           "pivot_root",
                           "chroot",
                           "ptrace",
                           "process_vm_readv",
                           "process_vm_writev",
                           "bpf",
                           "perf_event_open",
                           "kexec_load",
                           "init_module",
                           "finit_module",
                           "add_key",
                           "request_key",
                           "keyctl",
                           "userfaultfd",
                           "io_uring_setup",
                           "open_by_handle_at",
                           "quotactl",
                           "acct",
                           "swapon",
                           "reboot",
                           "setns",
                           "move_mount",
                           "open_tree",
                           "fsopen"})
    EXPECT_TRUE(denies_with(c, call(nr_of(name)), EPERM)) << name;
}

TEST(SeccompDefault, NamespaceFlagsDeniedOthersAllowed) {
  auto c = compile_or_die(SeccompPolicy{});
  EXPECT_TRUE(denies_with(c, call(SYS_unshare, {CLONE_NEWUSER}), EPERM));
  EXPECT_TRUE(denies_with(c, call(SYS_unshare, {CLONE_NEWNS | CLONE_FILES}), EPERM));
  EXPECT_TRUE(denies_with(c, call(SYS_clone, {CLONE_NEWNET | SIGCHLD}), EPERM));
  EXPECT_TRUE(allows(c, call(SYS_unshare, {CLONE_FILES})));
  EXPECT_TRUE(allows(c, call(SYS_clone, {CLONE_VM | CLONE_THREAD | CLONE_SIGHAND})));
  EXPECT_TRUE(denies_with(c, call(SYS_clone3), ENOSYS));
}

TEST(SeccompDefault, TerminalInjectionDeniedEvenWithUpperBitsSet) {
  auto c = compile_or_die(SeccompPolicy{});
  EXPECT_TRUE(denies_with(c, call(SYS_ioctl, {0, TIOCSTI}), EPERM));
  EXPECT_TRUE(denies_with(c, call(SYS_ioctl, {0, (1ULL << 32) | TIOCSTI}), EPERM));
  EXPECT_TRUE(denies_with(c, call(SYS_ioctl, {0, TIOCLINUX}), EPERM));
  EXPECT_TRUE(allows(c, call(SYS_ioctl, {0, FIONREAD})));
  EXPECT_TRUE(allows(c, call(SYS_ioctl, {0, TIOCGWINSZ})));
}

TEST(SeccompDefault, PersonalityOnlyLinux) {
  auto c = compile_or_die(SeccompPolicy{});
  EXPECT_TRUE(allows(c, call(SYS_personality, {0})));
  EXPECT_TRUE(denies_with(c, call(SYS_personality, {0x0008 /* PER_LINUX32 */}), EPERM));
  EXPECT_TRUE(denies_with(c, call(SYS_personality, {0x0400000 /* READ_IMPLIES_EXEC */}), EPERM));
}

TEST(SeccompArchitectures, X32AndI386AreKilled) {
  auto c = compile_or_die(SeccompPolicy{});
  EXPECT_TRUE(kills(c, call(kX32Bit | SYS_getppid)));
  EXPECT_TRUE(kills(c, call(kX32Bit | 0, {}, AUDIT_ARCH_X86_64)));
  EXPECT_TRUE(kills(c, call(64 /* getppid on i386 */, {}, AUDIT_ARCH_I386)));
  EXPECT_TRUE(kills(c, call(0, {}, AUDIT_ARCH_AARCH64)));
}

TEST(SeccompArchitectures, ExplicitlyAllowedI386AndX32Pass) {
  SeccompPolicy p;
  p.allow_i386 = true;
  p.allow_x32 = true;
  auto c = compile_or_die(p);
  EXPECT_TRUE(allows(c, call(64 /* getppid on i386 */, {}, AUDIT_ARCH_I386)));
  EXPECT_TRUE(allows(c, call(kX32Bit | SYS_getppid)));
  EXPECT_TRUE(denies_with(c, call(21 /* mount on i386 */, {}, AUDIT_ARCH_I386), EPERM));
}

// Names only the i386 table has (umount, mmap2, _llseek) apply to i386 when it is allowed:
// the default base denies i386's umount as it denies umount2, an allowlist lets a 32-bit
// program map memory.
TEST(SeccompArchitectures, I386OnlyNamesApplyToI386) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "x86_64 entry points";
  SeccompPolicy p;
  p.allow_i386 = true;
  auto c = compile_or_die(p);
  EXPECT_TRUE(denies_with(c, call(22 /* umount on i386 */, {}, AUDIT_ARCH_I386), EPERM));
  EXPECT_TRUE(denies_with(c, call(52 /* umount2 on i386 */, {}, AUDIT_ARCH_I386), EPERM));
  EXPECT_TRUE(c.warnings.empty());

  SeccompPolicy allowlist;
  allowlist.base = "none";
  allowlist.default_action = SeccompAction{SeccompAction::Kind::Errno, EPERM};
  allowlist.allow_i386 = true;
  allowlist.layers.push_back({SeccompRule{"mmap2", {}, {SeccompAction::Kind::Allow, 0}, "t"},
                              SeccompRule{"getpid", {}, {SeccompAction::Kind::Allow, 0}, "t"}});
  auto a = compile_or_die(allowlist);
  EXPECT_TRUE(allows(a, call(192 /* mmap2 on i386 */, {}, AUDIT_ARCH_I386)));
  EXPECT_TRUE(allows(a, call(20 /* getpid on i386 */, {}, AUDIT_ARCH_I386)));
  EXPECT_TRUE(denies_with(a, call(90 /* old mmap on i386 */, {}, AUDIT_ARCH_I386), EPERM));
  EXPECT_TRUE(a.warnings.empty());
  // Without i386 the name still means nothing here: a warning, as before.
  allowlist.allow_i386 = false;
  auto native = compile_or_die(allowlist);
  ASSERT_EQ(native.warnings.size(), 1u);
  EXPECT_NE(native.warnings[0].find("'mmap2' does not exist on this architecture"),
            std::string::npos);
  EXPECT_TRUE(kills(native, call(192, {}, AUDIT_ARCH_I386)));
}

// The kernel's action cache (5.11+) can only skip the filter for a syscall whose verdict
// does not depend on its arguments: on the path of every unconditionally allowed syscall,
// the program must not load an argument or the instruction pointer.
TEST(SeccompCache, UnconditionalAllowsNeverReadArguments) {
  auto c = compile_or_die(SeccompPolicy{});
  std::set<int> conditional;
  for (const auto& e : c.entries)
    for (const auto& r : e.rules)
      if (!r.conditions.empty()) conditional.insert(e.nr);
  int checked = 0;
  for (int nr = 0; nr < 512; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (!name) continue;
    std::free(name);
    if (conditional.count(nr)) continue;
    Verdict v = verdict(c, call(nr, {~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL}));
    if (v.action != SECCOMP_RET_ALLOW) continue;
    EXPECT_FALSE(v.read_args) << "syscall " << nr << " reads arguments on its allow path";
    EXPECT_TRUE(seccomp::kernel_caches_allow(c.program.code, nr, AUDIT_ARCH_X86_64))
        << "the kernel's action cache would not cover syscall " << nr;
    ++checked;
  }
  EXPECT_GT(checked, 250);
  EXPECT_EQ(static_cast<std::size_t>(checked), c.allowed);
}

// The issue's profile: an allowlist that forbids seccomp(2) itself, plus a conditional denial
// that refines its ioctl. Two stacked filters could not be installed (the first forbids the
// second's seccomp call); the compiler gives one program, with the same verdicts.
TEST(SeccompRefinements, AnAllowlistWithRefinementsIsOneProgram) {
  Policy p;
  ASSERT_TRUE(profile::load_text(R"([seccomp]
base = "none"
default = "errno:EPERM"
allow = ["@basic-io", "@file-system", "ioctl"]
deny = [{ name = "ioctl", args = [{ index = 1, op = "==", value = "TIOCSTI" }], action = "errno:EIO" }]
)",
                                 "a.toml", p)
                  .ok());
  auto c = compile_or_die(p.seccomp);
  EXPECT_TRUE(denies_with(c, call(SYS_ioctl, {0, TIOCSTI}), EIO));
  EXPECT_TRUE(denies_with(c, call(SYS_ioctl, {0, TIOCSTI | 0xdead00000000ULL}), EIO));
  EXPECT_TRUE(allows(c, call(SYS_ioctl, {0, TCGETS})));
  EXPECT_TRUE(allows(c, call(SYS_read)));
  EXPECT_TRUE(denies_with(c, call(SYS_seccomp, {SECCOMP_SET_MODE_FILTER}), EPERM));
  EXPECT_TRUE(denies_with(c, call(SYS_getppid), EPERM));
  EXPECT_TRUE(kills(c, call(SYS_read, {}, AUDIT_ARCH_I386)));
  EXPECT_TRUE(kills(c, call(SYS_read | kX32Bit)));
}

// Refinements run in front of the rest of the program; calls they do not concern still reach
// an unconditional allow that the kernel's action cache covers.
TEST(SeccompRefinements, TheActionCacheStillCoversUnconditionalAllows) {
  SeccompPolicy p;
  p.base = "strict-daemon";
  auto c = compile_or_die(p);
  int checked = 0;
  for (const auto& e : c.entries) {
    if (e.rules.size() != 1 || !e.rules[0].conditions.empty() ||
        e.rules[0].action.kind != SeccompAction::Kind::Allow)
      continue;
    EXPECT_FALSE(verdict(c, call(e.nr, {~0ULL, ~0ULL, ~0ULL})).read_args) << e.name;
    EXPECT_TRUE(seccomp::kernel_caches_allow(c.program.code, e.nr, AUDIT_ARCH_X86_64)) << e.name;
    ++checked;
  }
  EXPECT_GT(checked, 100);
  EXPECT_TRUE(denies_with(c, call(SYS_ioctl, {0, TIOCSTI}), EPERM));
}

seccomp::Program single(std::uint32_t ret) {
  return seccomp::Program{{sock_filter{BPF_RET | BPF_K, 0, 0, ret}}};
}

// A filter refusing both ways of stacking another (prctl and seccomp(2)), allowing the rest.
seccomp::Program forbidding_seccomp() {
  return seccomp::Program{{
      sock_filter{BPF_LD | BPF_W | BPF_ABS, 0, 0, 0},  // nr
      sock_filter{BPF_JMP | BPF_JEQ | BPF_K, 1, 0, SYS_seccomp},
      sock_filter{BPF_JMP | BPF_JEQ | BPF_K, 0, 1, SYS_prctl},
      sock_filter{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EPERM},
      sock_filter{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW},
  }};
}

TEST(SeccompInstallOrder, CloistersFilterThatForbidsStackingGoesLast) {
  std::vector<seccomp::Program> programs = {forbidding_seccomp(), single(SECCOMP_RET_ALLOW),
                                            single(SECCOMP_RET_LOG)};
  ASSERT_TRUE(seccomp::order_for_install(programs, 1).ok());
  ASSERT_EQ(programs.size(), 3u);
  EXPECT_EQ(programs[0].code[0].k, SECCOMP_RET_ALLOW);
  EXPECT_EQ(programs[1].code[0].k, SECCOMP_RET_LOG);
  EXPECT_EQ(programs[2].code.size(), 5u);
}

// Ready programs are installed as given (bubblewrap's rule): only cloister's own moves.
TEST(SeccompInstallOrder, ReadyProgramsKeepTheirOrder) {
  std::vector<seccomp::Program> programs = {single(SECCOMP_RET_ALLOW), forbidding_seccomp(),
                                            single(SECCOMP_RET_LOG)};
  ASSERT_TRUE(seccomp::order_for_install(programs, 1).ok());
  EXPECT_EQ(programs[0].code[0].k, SECCOMP_RET_ALLOW);
  EXPECT_EQ(programs[1].code.size(), 5u);
  EXPECT_EQ(programs[2].code[0].k, SECCOMP_RET_LOG);
}

// A filter refusing prctl(PR_SET_SECCOMP) but not seccomp(2) lets the next one in.
TEST(SeccompInstallOrder, EitherWayOfInstallingIsEnough) {
  std::vector<seccomp::Program> programs = {
      seccomp::Program{{
          sock_filter{BPF_LD | BPF_W | BPF_ABS, 0, 0, 0},
          sock_filter{BPF_JMP | BPF_JEQ | BPF_K, 0, 1, SYS_prctl},
          sock_filter{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EPERM},
          sock_filter{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW},
      }},
      single(SECCOMP_RET_LOG)};
  ASSERT_TRUE(seccomp::order_for_install(programs, 1).ok());
  EXPECT_EQ(programs[0].code.size(), 4u);
}

TEST(SeccompInstallOrder, OwnAndReadyThatBothForbidStackingAreAnError) {
  std::vector<seccomp::Program> programs = {forbidding_seccomp(), single(SECCOMP_RET_ALLOW),
                                            forbidding_seccomp()};
  auto st = seccomp::order_for_install(programs, 1);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("cannot install both"), std::string::npos)
      << st.error().message();
}

TEST(SeccompCounts, DefaultPolicyFigures) {
  auto c = compile_or_die(SeccompPolicy{});
  EXPECT_GT(c.known, 300u);
  EXPECT_LT(c.allowed, c.known);
  EXPECT_GE(c.allowed_conditionally, 4u);  // ioctl, clone, unshare, personality
  EXPECT_EQ(seccomp::action_name(c.default_action), "allow");
}

TEST(SeccompLayers, AProfileCanAllowWhatTheBaseDenies) {
  Policy p;
  ASSERT_TRUE(profile::load_text("[seccomp]\nallow = [\"ptrace\"]\n", "t.toml", p).ok());
  auto c = compile_or_die(p.seccomp);
  EXPECT_TRUE(allows(c, call(SYS_ptrace)));
  EXPECT_TRUE(denies_with(c, call(SYS_mount), EPERM));
}

TEST(SeccompLayers, DenyWithConditionsAndAction) {
  Policy p;
  ASSERT_TRUE(profile::load_text(R"([seccomp]
deny = [{ name = "socket", args = [{ index = 0, op = "==", value = "AF_INET" }], action = "errno:EAFNOSUPPORT" },
        { name = "kill", action = "kill-process" }]
)",
                                 "t.toml", p)
                  .ok());
  auto c = compile_or_die(p.seccomp);
  EXPECT_TRUE(denies_with(c, call(SYS_socket, {AF_INET, SOCK_STREAM, 0}), EAFNOSUPPORT));
  EXPECT_TRUE(
      denies_with(c, call(SYS_socket, {(1ULL << 32) | AF_INET, SOCK_STREAM, 0}), EAFNOSUPPORT));
  EXPECT_TRUE(allows(c, call(SYS_socket, {AF_UNIX, SOCK_STREAM, 0})));
  EXPECT_TRUE(kills(c, call(SYS_kill, {1, 9})));
}

TEST(SeccompLayers, AllowlistWithConditionsAndDefault) {
  Policy p;
  ASSERT_TRUE(profile::load_text(R"([seccomp]
base = "none"
default = "errno:ENOSYS"
allow = ["read", "write", { name = "socket", args = [{ index = 0, op = "==", value = "AF_UNIX" }] },
         { name = "mmap", args = [{ index = 2, op = "masked==", mask = "PROT_EXEC", value = 0 }] }]
)",
                                 "t.toml", p)
                  .ok());
  auto c = compile_or_die(p.seccomp);
  EXPECT_TRUE(allows(c, call(SYS_read)));
  EXPECT_TRUE(denies_with(c, call(SYS_openat), ENOSYS));
  EXPECT_TRUE(allows(c, call(SYS_socket, {AF_UNIX})));
  EXPECT_TRUE(denies_with(c, call(SYS_socket, {AF_INET}), ENOSYS));
  EXPECT_TRUE(allows(c, call(SYS_mmap, {0, 4096, 3})));
  EXPECT_TRUE(denies_with(c, call(SYS_mmap, {0, 4096, 5}), ENOSYS));
  EXPECT_EQ(c.allowed, 2u + 5u);  // read, write and what exec'ing COMMAND needs
}

// An allowlist that does not name execve must still start COMMAND: execve, execveat, exit,
// exit_group and rt_sigreturn are allowed implicitly, shown with their origin, and a profile
// that names one of them decides.
TEST(SeccompImplicit, AnAllowlistStillAllowsWhatExecNeeds) {
  Policy p;
  ASSERT_TRUE(profile::load_text(R"([seccomp]
base = "none"
default = "kill-process"
allow = ["read"]
deny = [{ name = "execveat", action = "errno:EACCES" }]
)",
                                 "a.toml", p)
                  .ok());
  auto c = compile_or_die(p.seccomp);
  for (const char* name : {"execve", "exit", "exit_group", "rt_sigreturn"}) {
    EXPECT_TRUE(allows(c, call(nr_of(name)))) << name;
    auto entry = std::find_if(c.entries.begin(), c.entries.end(),
                              [&](const seccomp::Entry& e) { return e.name == name; });
    ASSERT_NE(entry, c.entries.end()) << name;
    EXPECT_EQ(entry->rules.at(0).origin, seccomp::kImplicitOrigin) << name;
  }
  EXPECT_TRUE(denies_with(c, call(nr_of("execveat")), EACCES));
  EXPECT_TRUE(kills(c, call(nr_of("openat"))));
}

TEST(SeccompImplicit, NothingAddedWhereEverythingIsAllowedAnyway) {
  Policy p;
  ASSERT_TRUE(profile::load_text("[seccomp]\ndeny = [\"execve\"]\n", "a.toml", p).ok());
  auto c = compile_or_die(p.seccomp);
  EXPECT_TRUE(denies_with(c, call(nr_of("execve")), EPERM));
  for (const auto& e : c.entries)
    for (const auto& r : e.rules) EXPECT_NE(r.origin, seccomp::kImplicitOrigin) << e.name;
}

TEST(SeccompLayers, ComparisonOperators) {
  Policy p;
  ASSERT_TRUE(profile::load_text(R"([seccomp]
deny = [{ name = "setpgid", args = [{ index = 0, op = ">", value = 100 }] },
        { name = "dup2", args = [{ index = 1, op = ">=", value = 1000 }] },
        { name = "close_range", args = [{ index = 0, op = "<", value = 3 }] },
        { name = "kill", args = [{ index = 0, op = "<=", value = 1 }, { index = 1, op = "!=", value = 0 }] }]
)",
                                 "t.toml", p)
                  .ok());
  auto c = compile_or_die(p.seccomp);
  EXPECT_TRUE(denies_with(c, call(SYS_setpgid, {101}), EPERM));
  EXPECT_TRUE(allows(c, call(SYS_setpgid, {100})));
  EXPECT_TRUE(denies_with(c, call(SYS_dup2, {0, 1000}), EPERM));
  EXPECT_TRUE(allows(c, call(SYS_dup2, {0, 999})));
  EXPECT_TRUE(denies_with(c, call(SYS_close_range, {2}), EPERM));
  EXPECT_TRUE(allows(c, call(SYS_close_range, {3})));
  EXPECT_TRUE(denies_with(c, call(SYS_kill, {1, 15}), EPERM));
  EXPECT_TRUE(allows(c, call(SYS_kill, {1, 0})));
  EXPECT_TRUE(allows(c, call(SYS_kill, {2, 15})));
}

TEST(SeccompStrictDaemon, AllowlistWithDenialsOnTop) {
  SeccompPolicy p;
  p.base = "strict-daemon";
  auto c = compile_or_die(p);
  for (const char* name : {"read", "write", "openat", "socket", "bind", "accept4", "epoll_wait",
                           "clone", "execve", "exit_group", "getrandom", "mmap"})
    EXPECT_TRUE(allows(c, call(nr_of(name)))) << name;
  for (const char* name : {"ptrace", "mount", "setns", "bpf", "keyctl", "process_madvise"})
    EXPECT_TRUE(denies_with(c, call(nr_of(name)), EPERM)) << name;
  for (const char* name : {"delete_module", "sethostname", "vm86", "pciconfig_read", "kcmp"}) {
    const int nr = nr_of(name);
    if (nr < 0) continue;                       // not a syscall here
    if (std::string(name) == "kcmp") continue;  // in @process
    EXPECT_FALSE(allows(c, call(nr))) << name;
  }
  EXPECT_TRUE(kills(c, call(nr_of("sethostname"))));
  // Conditional denials refine the allowlist's decision: other ioctls stay allowed.
  EXPECT_TRUE(denies_with(c, call(SYS_ioctl, {0, TIOCSTI}), EPERM));
  EXPECT_TRUE(allows(c, call(SYS_ioctl, {0, TCGETS})));
  EXPECT_TRUE(denies_with(c, call(SYS_unshare, {CLONE_NEWUSER}), EPERM));
  EXPECT_TRUE(allows(c, call(SYS_unshare, {CLONE_FILES})));
  EXPECT_EQ(seccomp::action_name(c.default_action), "kill-process");
  EXPECT_LT(c.allowed, c.known);
}

TEST(SeccompLayers, ConditionsAboveRefineTheCatchAllBelow) {
  Policy p;
  ASSERT_TRUE(profile::load_text(R"([seccomp]
base = "none"
default = "kill-process"
allow = ["write"]
)",
                                 "a.toml", p)
                  .ok());
  ASSERT_TRUE(profile::load_text(R"([seccomp]
deny = [{ name = "write", args = [{ index = 0, op = "==", value = 2 }], action = "errno:EBADF" }]
)",
                                 "b.toml", p)
                  .ok());
  auto c = compile_or_die(p.seccomp);
  EXPECT_TRUE(allows(c, call(SYS_write, {1})));
  EXPECT_TRUE(denies_with(c, call(SYS_write, {2}), EBADF));
  EXPECT_TRUE(kills(c, call(SYS_read)));
}

TEST(SeccompLayers, AnUnconditionalRuleAboveReplacesEverythingBelow) {
  Policy p;
  ASSERT_TRUE(profile::load_text("[seccomp]\nallow = [\"ioctl\"]\n", "a.toml", p).ok());
  auto c = compile_or_die(p.seccomp);
  EXPECT_TRUE(allows(c, call(SYS_ioctl, {0, TIOCSTI})));  // the profile took TIOCSTI back
}

// `cloister run` installs the build-time programs for a bare base: they must be exactly what
// compiling the base now gives.
TEST(SeccompPrecompiled, EqualsAFreshCompile) {
  auto same = [](const seccomp::Program& a, const seccomp::Program& b) {
    return a.code.size() == b.code.size() &&
           std::memcmp(a.code.data(), b.code.data(), a.code.size() * sizeof(sock_filter)) == 0;
  };
  for (const char* base : {"default", "strict-daemon"}) {
    for (bool exec_command : {true, false}) {
      SeccompPolicy p;
      p.base = base;
      auto fresh = seccomp::compile(p, {.exec_command = exec_command});
      ASSERT_TRUE(fresh) << fresh.error().message();
      auto ready = seccomp::precompiled(base, exec_command);
      ASSERT_TRUE(ready) << base;
      ASSERT_EQ(ready->size(), 1u) << base;
      EXPECT_TRUE(same((*ready)[0], fresh->program)) << base << " exec_command " << exec_command;
    }
  }
  EXPECT_FALSE(seccomp::precompiled("none"));
}

// Profiles report unknown names themselves; a policy built through the API still gets them
// checked by the compiler, with the rule's origin.
TEST(SeccompErrors, UnknownSyscallNamesItsLocation) {
  SeccompPolicy p;
  p.layers.push_back({SeccompRule{"read", {}, {SeccompAction::Kind::Allow, 0}, "api:1"},
                      SeccompRule{"no_such_call", {}, {SeccompAction::Kind::Allow, 0}, "api:2"}});
  auto c = seccomp::compile(p);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().step, "api:2");
  EXPECT_EQ(c.error().object, "'no_such_call'");
}

TEST(SeccompErrors, NameOfAnotherArchitectureIsAWarning) {
  Policy p;
  ASSERT_TRUE(profile::load_text("[seccomp]\ndeny = [\"socketcall\"]\n", "p.toml", p).ok());
  auto c = seccomp::compile(p.seccomp);
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_NE(c->warnings[0].find("socketcall"), std::string::npos);
  EXPECT_NE(c->warnings[0].find("p.toml:2:"), std::string::npos);
}

TEST(SeccompErrors, ConflictingRulesInOneLayer) {
  Policy p;
  ASSERT_TRUE(
      profile::load_text("[seccomp]\nallow = [\"ptrace\"]\ndeny = [\"ptrace\"]\n", "p.toml", p)
          .ok());
  auto c = seccomp::compile(p.seccomp);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("conflicting"), std::string::npos) << c.error().message();
}

TEST(SeccompErrors, UnknownBase) {
  SeccompPolicy p;
  p.base = "lenient";
  EXPECT_FALSE(seccomp::compile(p).ok());
}

TEST(SeccompActions, ParseAndName) {
  for (const char* text :
       {"allow", "kill-process", "kill-thread", "trap", "log", "errno:EPERM", "errno:ENOSYS"}) {
    auto a = seccomp::parse_action(text);
    ASSERT_TRUE(a.ok()) << text;
    EXPECT_EQ(seccomp::action_name(*a), text);
  }
  auto numeric = seccomp::parse_action("errno:13");
  ASSERT_TRUE(numeric.ok());
  EXPECT_EQ(numeric->errno_value, EACCES);
  EXPECT_FALSE(seccomp::parse_action("errno:").ok());
  EXPECT_FALSE(seccomp::parse_action("deny").ok());
}

// Empty and over-long programs are refused by check_length, once every program is read.
TEST(SeccompPrograms, CheckLengthRefusesEmptyAndOverlongPrograms) {
  seccomp::Program empty;
  auto e = seccomp::check_length(empty, "--seccomp");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().err, EINVAL);
  seccomp::Program one;
  one.code.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  EXPECT_TRUE(seccomp::check_length(one, "--seccomp").ok());
  seccomp::Program longest;
  longest.code.assign(BPF_MAXINSNS, one.code[0]);
  EXPECT_TRUE(seccomp::check_length(longest, "--seccomp").ok());
  longest.code.push_back(one.code[0]);
  EXPECT_FALSE(seccomp::check_length(longest, "--seccomp").ok());
}

TEST(SeccompPrograms, ReadProgramValidatesSize) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const char junk[5] = {1, 2, 3, 4, 5};
  ASSERT_EQ(::write(fds[1], junk, sizeof junk), 5);
  ::close(fds[1]);
  auto p = seccomp::read_program(fds[0], "--seccomp");
  ::close(fds[0]);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().err, EINVAL);
}

}  // namespace
}  // namespace cloister
