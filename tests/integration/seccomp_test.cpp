// Seccomp inside real sandboxes: the default filter's denials, the configured actions,
// TIOCSTI, nested user namespaces, and the x32 / i386 entry points called for real.
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <csignal>

#include "harness.hpp"

namespace cloister_it {
namespace {

constexpr int kSigsysExit = 128 + SIGSYS;

// The syscalls the default filter refuses with EPERM, each called so that the kernel alone
// would answer differently (checked by the control run without a filter).
const Argv kDeniedByDefault = {"ptrace-peek",     "process-vm-readv", "io-uring-setup",
                               "perf-event-open", "keyctl",           "add-key",
                               "personality32"};

TEST(SeccompDefault, DeniedSyscallsGetEperm) {
  Argv probe = {"sys"};
  probe.insert(probe.end(), kDeniedByDefault.begin(), kDeniedByDefault.end());
  auto filtered = run_sandbox({}, probe);
  auto control = run_sandbox({"--seccomp-policy", "none"}, probe);
  for (const auto& name : kDeniedByDefault) {
    EXPECT_EQ(filtered.value("sys:" + name), "EPERM") << name << "\n" << filtered.describe();
    EXPECT_NE(control.value("sys:" + name), "EPERM")
        << name << " is refused even without a filter\n"
        << control.describe();
  }
}

TEST(SeccompDefault, AllowedSyscallsWork) {
  auto r = run_sandbox({}, {"sys", "getppid", "socket-unix", "personality-linux"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("sys:getppid"), "ok");
  EXPECT_EQ(r.value("sys:socket-unix"), "ok");
  EXPECT_EQ(r.value("sys:personality-linux"), "ok");
}

TEST(SeccompDefault, Clone3GetsEnosysSoLibcFallsBackToClone) {
  auto r = run_sandbox({}, {"sys", "clone3"});
  EXPECT_EQ(r.value("sys:clone3"), "ENOSYS") << r.describe();
  auto control = run_sandbox({"--seccomp-policy", "none"}, {"sys", "clone3"});
  EXPECT_NE(control.value("sys:clone3"), "ENOSYS") << control.describe();
}

TEST(SeccompDefault, NestedUserNamespacesRefused) {
  auto r = run_sandbox({}, {"unshare-user"});
  EXPECT_EQ(r.value("unshare-user"), "EPERM") << r.describe();
}

// Mounting needs CAP_SYS_ADMIN in the sandbox's user namespace: with it kept, only the filter
// stands between the payload and mount(2).
TEST(SeccompDefault, MountRefusedEvenWithCapSysAdmin) {
  auto r = run_sandbox({"--cap-add", "CAP_SYS_ADMIN"}, {"sys", "mount-tmpfs"});
  EXPECT_EQ(r.value("sys:mount-tmpfs"), "EPERM") << r.describe();
  auto control = run_sandbox({"--cap-add", "CAP_SYS_ADMIN", "--seccomp-policy", "none"},
                             {"sys", "mount-tmpfs"});
  EXPECT_EQ(control.value("sys:mount-tmpfs"), "ok") << control.describe();
}

TEST(SeccompDefault, TerminalInjectionFails) {
  auto r = run_sandbox({}, {"sys", "tiocsti"});
  EXPECT_EQ(r.value("sys:tiocsti"), "EPERM") << r.describe();
  auto control = run_sandbox({"--seccomp-policy", "none"}, {"sys", "tiocsti"});
  if (control.value("sys:tiocsti") != "ok")
    std::fprintf(stderr, "note: this kernel refuses TIOCSTI by itself (%s)\n",
                 control.value("sys:tiocsti").c_str());
}

TEST(SeccompArchitectures, X32SyscallKillsTheProcess) {
#if defined(__x86_64__)
  auto r = run_sandbox({"--as-pid-1"}, {"sys", "x32-getppid"});
  EXPECT_EQ(r.exit_code, kSigsysExit) << r.describe();
  EXPECT_FALSE(r.find("sys:x32-getppid")) << r.describe();
#else
  GTEST_SKIP() << "x32 exists only on x86_64";
#endif
}

TEST(SeccompArchitectures, I386EntryKillsTheProcess) {
#if defined(__x86_64__)
  auto control = run_sandbox({"--as-pid-1", "--seccomp-policy", "none"}, {"sys", "int80-getpid"});
  EXPECT_NE(control.exit_code, kSigsysExit) << control.describe();
  // Some kernels and hypervisors offer no i386 entry at all (ia32_emulation=0, or a
  // paravirtualized guest): int 0x80 then faults with SIGSEGV whatever the filter says.
  if (control.exit_code == 128 + SIGSEGV)
    GTEST_SKIP() << "int 0x80 faults (SIGSEGV) with no filter at all: this machine has no i386 "
                    "syscall entry, so there is nothing for the filter to stop";
  auto r = run_sandbox({"--as-pid-1"}, {"sys", "int80-getpid"});
  EXPECT_EQ(r.exit_code, kSigsysExit) << r.describe();
#else
  GTEST_SKIP() << "the int 0x80 entry exists only on x86";
#endif
}

TEST(SeccompStrictDaemon, OutsideTheAllowlistKillsInsideWorks) {
  auto r = run_sandbox({"--seccomp-policy", "strict-daemon", "--as-pid-1"},
                       {"sys", "getppid", "socket-unix", "+", "sys", "sethostname"});
  EXPECT_EQ(r.value("sys:getppid"), "ok") << r.describe();
  EXPECT_EQ(r.value("sys:socket-unix"), "ok") << r.describe();
  EXPECT_EQ(r.exit_code, kSigsysExit) << r.describe();
  auto control = run_sandbox({"--as-pid-1"}, {"sys", "sethostname"});
  EXPECT_EQ(control.value("sys:sethostname"), "EPERM") << control.describe();
  auto denied =
      run_sandbox({"--seccomp-policy", "strict-daemon"}, {"sys", "ptrace-peek", "tiocsti"});
  EXPECT_EQ(denied.value("sys:ptrace-peek"), "EPERM") << denied.describe();
  EXPECT_EQ(denied.value("sys:tiocsti"), "EPERM") << denied.describe();
}

TEST(SeccompProfile, ConfiguredActionsApply) {
  TempDir dir;
  const std::string profile = dir.write("p.toml", R"([seccomp]
deny = [{ name = "getppid", action = "errno:ENOTTY" },
        { name = "socket", args = [{ index = 0, op = "==", value = "AF_UNIX" }], action = "kill-process" }]
)");
  auto r = run_sandbox({"--profile", profile, "--as-pid-1"},
                       {"sys", "getppid", "+", "sys", "socket-unix"});
  EXPECT_EQ(r.value("sys:getppid"), "ENOTTY") << r.describe();
  EXPECT_EQ(r.exit_code, kSigsysExit) << r.describe();
}

TEST(SeccompProfile, AllowOnTopOfTheDefault) {
  TempDir dir;
  const std::string profile = dir.write("p.toml", "[seccomp]\nallow = [\"keyctl\"]\n");
  auto r = run_sandbox({"--profile", profile}, {"sys", "keyctl", "ptrace-peek"});
  EXPECT_NE(r.value("sys:keyctl"), "EPERM") << r.describe();
  EXPECT_EQ(r.value("sys:ptrace-peek"), "EPERM") << r.describe();
}

TEST(SeccompProfile, ErrorsNameFileLineColumn) {
  TempDir dir;
  const std::string profile =
      dir.write("bad.toml", "[seccomp]\nallow = [\"read\", \"no_such_syscall\"]\n");
  auto r = run_sandbox({"--profile", profile}, {"exit", "0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(profile + ":2:18"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("no_such_syscall"), std::string::npos) << r.describe();
}

// An allowlist that names neither seccomp nor execve, refined by a conditional denial: one
// program (a second could not be installed once the first forbids seccomp(2)), and exec'ing
// COMMAND allowed implicitly. --die-with-parent without an init runs its checks before the
// filter, which allows neither prctl nor poll.
TEST(SeccompProfile, AnAllowlistWithARefinementStartsCommand) {
  TempDir dir;
  const std::string profile = dir.write("allow.toml", R"([seccomp]
base = "none"
default = "errno:EPERM"
allow = ["@basic-io", "@file-system", "@memory", "@signal", "arch_prctl", "set_tid_address",
         "set_robust_list", "rseq", "prlimit64", "getrandom", "getppid", "ioctl"]
deny = [{ name = "ioctl", args = [{ index = 1, op = "==", value = "TIOCSTI" }], action = "errno:EIO" }]
)");
  for (const Argv& extra : {Argv{}, Argv{"--as-pid-1", "--die-with-parent"}}) {
    Argv options = {"--profile", profile};
    options.insert(options.end(), extra.begin(), extra.end());
    auto r = run_sandbox(options, {"sys", "getppid", "tiocsti-stdin", "keyctl"});
    EXPECT_EQ(r.value("sys:getppid"), "ok") << r.describe();
    EXPECT_EQ(r.value("sys:tiocsti-stdin"), "EIO") << r.describe();
    EXPECT_EQ(r.value("sys:keyctl"), "EPERM") << r.describe();
  }
}

// Ready programs stack on cloister's filter; one that forbids seccomp(2) is installed last.
TEST(SeccompProfile, AReadyProgramStacksOnAnAllowlistThatForbidsSeccomp) {
  TempDir dir;
  const std::string profile = dir.write("allow.toml", R"([seccomp]
base = "none"
default = "errno:EPERM"
allow = ["@basic-io", "@file-system", "@memory", "@signal", "arch_prctl", "set_tid_address",
         "set_robust_list", "rseq", "prlimit64", "getrandom", "getppid", "getpid"]
)");
  // A ready program refusing getppid with ENOTTY and allowing the rest.
  const sock_filter code[] = {
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, 0},
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, SYS_getppid},
      {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOTTY},
      {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW},
  };
  Fd program = data_fd(std::string(reinterpret_cast<const char*>(code), sizeof code));
  auto r = run_sandbox({"--profile", profile, "--add-seccomp-fd", "3"},
                       {"sys", "getppid", "keyctl"}, with_fds({{3, program.get()}}));
  EXPECT_EQ(r.value("sys:getppid"), "ENOTTY") << r.describe();
  EXPECT_EQ(r.value("sys:keyctl"), "EPERM") << r.describe();
}

TEST(SeccompBwrap, NoFilterByDefaultAndReadyProgramsLoad) {
  auto r =
      run({kCloister, "bwrap", "--ro-bind", kProbe, "/probe", "--", "/probe", "sys", "keyctl"});
  EXPECT_EQ(r.value("sys:keyctl"), "ok") << r.describe();
  auto filtered =
      run({kCloister, "run", "--ro-bind", kProbe, "/probe", "--", "/probe", "sys", "keyctl"});
  EXPECT_EQ(filtered.value("sys:keyctl"), "EPERM") << filtered.describe();
}

// chroot mode shares the host's mounts: only calls that are harmless without the filter
// (a missing mount target, a missing unmount target, chroot to "/") are made, with the
// capabilities that would let the kernel accept them.
TEST(SeccompChroot, MountFamilyDeniedInChrootMode) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "chroot mode needs CAP_SYS_CHROOT, which only root has here";
  const Argv calls = {"sys", "mount-nowhere", "umount2", "chroot"};
  Argv with_filter = {
      "--sandbox=chroot", "--ro-bind",      "/",  "/",   "--cap-add", "CAP_SYS_ADMIN",
      "--cap-add",        "CAP_SYS_CHROOT", "--", kProbe};
  with_filter.insert(with_filter.end(), calls.begin(), calls.end());
  auto r = run(cloister(with_filter));
  EXPECT_EQ(r.value("sys:mount-nowhere"), "EPERM") << r.describe();
  EXPECT_EQ(r.value("sys:umount2"), "EPERM") << r.describe();
  EXPECT_EQ(r.value("sys:chroot"), "EPERM") << r.describe();
  EXPECT_NE(r.err.find("chroot mode without"), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace cloister_it
