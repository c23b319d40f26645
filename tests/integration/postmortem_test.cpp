// How a sandbox ended, told on stderr: COMMAND killed by the seccomp filter (with the syscall
// from the kernel's audit log where it is readable), an exec refused by seccomp or Landlock.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <ctime>

#include "harness.hpp"

namespace cloister_it {
namespace {

constexpr const char* kKilled = "killed by the seccomp filter (SIGSYS)";

std::uint64_t monotonic_usec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// Whether /dev/kmsg holds a seccomp kill record (type=1326, sig=31) for `syscall` logged
// after `since`: what the kernel offers cloister to name the syscall.
bool kernel_logged_kill(std::uint64_t since, long syscall) {
  Fd kmsg(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!kmsg) return false;
  char buf[8192];
  const std::string needle = " syscall=" + std::to_string(syscall) + " ";
  for (;;) {
    const ssize_t n = ::read(kmsg.get(), buf, sizeof buf - 1);
    if (n < 0 && errno == EPIPE) continue;
    if (n <= 0) return false;
    const std::string record(buf, static_cast<std::size_t>(n));
    const auto usec = std::strtoull(
        record.substr(record.find(',', record.find(',') + 1) + 1).c_str(), nullptr, 10);
    if (usec >= since && record.find("type=1326") != std::string::npos &&
        record.find(" sig=31 ") != std::string::npos && record.find(needle) != std::string::npos)
      return true;
  }
}

TEST(Postmortem, ACommandKilledByTheFilterIsSaidWithItsSyscall) {
  TempDir dir;
  const auto profile = dir.write(
      "kill.toml", "[seccomp]\ndeny = [{ name = \"getppid\", action = \"kill-process\" }]\n");
  auto r = run_sandbox({"--profile", profile}, {"sys", "getppid"});
  EXPECT_EQ(r.exit_code, 128 + SIGSYS) << r.describe();
  EXPECT_NE(r.err.find(kKilled), std::string::npos) << r.describe();
  // Named from the audit log ("at syscall getppid") or from the plan ("which kills getppid").
  EXPECT_NE(r.err.find("getppid"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("allow = [\"getppid\"]"), std::string::npos) << r.describe();
}

TEST(Postmortem, TheAuditLogNamesTheSyscallWhereTheCallerMayReadIt) {
  const auto since = monotonic_usec();
  auto r = run_sandbox({"--seccomp-policy", "strict-daemon"}, {"sys", "sethostname"});
  EXPECT_EQ(r.exit_code, 128 + SIGSYS) << r.describe();
  EXPECT_NE(r.err.find(kKilled), std::string::npos) << r.describe();
  if (kernel_logged_kill(since, SYS_sethostname)) {
    EXPECT_NE(r.err.find("at syscall sethostname (the kernel's audit log says so)"),
              std::string::npos)
        << r.describe();
    EXPECT_NE(r.err.find("allow = [\"sethostname\"]"), std::string::npos) << r.describe();
  } else {
    // Unreadable /dev/kmsg (uid 65534 under kernel.dmesg_restrict) or no audit: the plan says
    // what its filter kills, and how to find out which call it was.
    EXPECT_NE(r.err.find("most likely " + std::string(kKilled) +
                         ", which kills every syscall it does not allow"),
              std::string::npos)
        << r.describe();
    EXPECT_NE(r.err.find("strace -f"), std::string::npos) << r.describe();
    if (::geteuid() == 0)
      std::fprintf(stderr, "note: as root, this kernel logged no seccomp record to /dev/kmsg\n");
  }
}

TEST(Postmortem, Status159WithoutAFilterIsJustAStatus) {
  auto r = run_sandbox({"--seccomp-policy", "none"}, {"exit", "159"});
  EXPECT_EQ(r.exit_code, 159) << r.describe();
  EXPECT_EQ(r.err.find("seccomp"), std::string::npos) << r.describe();
}

TEST(Postmortem, AnExecRefusedBySeccompSaysSo) {
  TempDir dir;
  const auto profile = dir.write("noexec.toml", "[seccomp]\ndeny = [\"execve\"]\n");
  auto r = run_sandbox({"--profile", profile}, {"exit", "0"});
  EXPECT_EQ(r.exit_code, 126) << r.describe();
  EXPECT_NE(r.err.find("the exec was refused by the seccomp filter (execve: errno:EPERM)"),
            std::string::npos)
      << r.describe();
}

TEST(Postmortem, AnExecRefusedByLandlockSaysSo) {
  auto r = run_sandbox({"--landlock-read", "/", "--landlock-exec", "/proc"}, {"exit", "0"});
  EXPECT_EQ(r.exit_code, 126) << r.describe();
  EXPECT_NE(r.err.find("the exec was refused by Landlock: executing is allowed only beneath the "
                       "--landlock-exec paths (/proc)"),
            std::string::npos)
      << r.describe();
}

TEST(Postmortem, AnExecRefusedByPermissionsSaysItWasNeither) {
  TempDir dir;
  const auto file = dir.write("not-executable", "#!/bin/sh\n", 0644);
  auto r = run({kCloister, "run", "--ro-bind", file, "/cmd", "--", "/cmd"});
  EXPECT_EQ(r.exit_code, 126) << r.describe();
  EXPECT_NE(r.err.find("neither seccomp nor Landlock refused the exec"), std::string::npos)
      << r.describe();
}

}  // namespace
}  // namespace cloister_it
