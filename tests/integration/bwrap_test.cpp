// The bwrap dialect where bubblewrap's own test suite (tests/bwrap-suite.sh) found it differing:
// cloister installed under the name bwrap (usage, nesting through /proc/self/exe), bubblewrap's
// error words, root's capability sets, stacked seccomp programs, the status record of a
// COMMAND that never ran, parent directories and --perms, /proc without a PID namespace,
// and --disable-userns against a payload that keeps its capabilities.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "harness.hpp"

namespace cloister_it {
namespace {

Argv bwrap_cmd(const Argv& args) {
  Argv argv = {kCloister, "bwrap"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// cloister installed as DIR/bwrap: a hard link where allowed, else a copy.
class InstalledAsBwrap {
 public:
  InstalledAsBwrap() : path_(dir_ / "bwrap") {
    if (::link(kCloister, path_.c_str()) == 0) return;
    const std::string copy = "cp '" + std::string(kCloister) + "' '" + path_ + "'";
    if (std::system(copy.c_str()) != 0) ADD_FAILURE() << "cannot copy " << kCloister;
  }
  const std::string& path() const { return path_; }

 private:
  TempDir dir_;
  std::string path_;
};

std::string status_value(const std::string& key) {
  for (const auto& line : lines_of(read_text("/proc/self/status")))
    if (line.rfind(key + ":", 0) == 0) {
      auto start = line.find_first_not_of(" \t", key.size() + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  return "<absent>";
}

TEST(BwrapInstalled, UsageNamesTheProgramAsInvoked) {
  InstalledAsBwrap bwrap;
  auto help = run({bwrap.path(), "--help"});
  ASSERT_EQ(help.exit_code, 0) << help.describe();
  EXPECT_EQ(help.out.rfind("usage: " + bwrap.path() + " [OPTIONS...]", 0), 0u) << help.out;
  auto sub = run(bwrap_cmd({"--help"}));
  EXPECT_EQ(sub.out.rfind("usage: cloister bwrap ", 0), 0u) << sub.out;
  // Without COMMAND, bwrap prints its usage on stderr and exits 1.
  auto none = run({bwrap.path(), "--bind", "/", "/"});
  EXPECT_EQ(none.exit_code, 1) << none.describe();
  EXPECT_EQ(none.err.rfind("usage: " + bwrap.path(), 0), 0u) << none.describe();
}

// bubblewrap's users nest sandboxes by running /proc/self/exe inside one (its own path may be
// out of reach there); the name the binary was executed by tells cloister to be bwrap.
TEST(BwrapInstalled, NestsThroughProcSelfExe) {
  InstalledAsBwrap bwrap;
  auto r = run({bwrap.path(),
                "--unshare-user",
                "--uid",
                "0",
                "--gid",
                "0",
                "--cap-add",
                "ALL",
                "--bind",
                "/",
                "/",
                "--bind",
                "/proc",
                "/proc",
                "--",
                "/proc/self/exe",
                "--unshare-all",
                "--bind",
                "/",
                "/",
                "--bind",
                "/proc",
                "/proc",
                "--",
                kProbe,
                "ids"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.find("uid").has_value()) << r.describe();
}

TEST(BwrapErrors, MissingSourceInBubblewrapsWordsWithCloistersHint) {
  auto r = run(bwrap_cmd({"--bind", "/source-enoent", "/dest", "true"}));
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_EQ(
      r.err.rfind("bwrap: Can't find source path /source-enoent: No such file or directory (", 0),
      0u)
      << r.describe();
  auto fd = run(bwrap_cmd({"--bind", "/", "/", "--add-seccomp-fd", "-1", "true"}));
  EXPECT_EQ(fd.exit_code, 1) << fd.describe();
  EXPECT_EQ(fd.err.rfind("bwrap: Invalid fd: -1\n", 0), 0u) << fd.describe();
}

// bubblewrap runs COMMAND with execvp, whose retry runs a file without #! with /bin/sh:
// `cloister bwrap` keeps that (cloister run refuses such a file, ENOEXEC).
TEST(BwrapExec, AFileWithoutShebangRunsWithTheShellAsExecvpRunsIt) {
  TempDir dir;
  const std::string plain = dir.write("plain", "echo ran by the shell\n", 0755);
  auto r = run(bwrap_cmd({"--bind", "/", "/", plain}));
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "ran by the shell\n") << r.describe();
}

// No "exit-code" when COMMAND never ran (bwrap writes none): here exec fails.
TEST(BwrapStatus, NoExitRecordWhenCommandNeverRan) {
  for (const Argv& ns : {Argv{}, Argv{"--unshare-pid"}}) {
    auto [status_read, status_write] = make_pipe();
    Argv args = ns;
    args.insert(args.end(), {"--bind", "/", "/", "--json-status-fd", "5", "/"});
    auto r = run(bwrap_cmd(args), with_fds({{5, status_write.get()}}));
    status_write.reset();
    const std::string status = read_all(status_read.get(), milliseconds(5000));
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(status.find("\"child-pid\""), std::string::npos) << status;
    EXPECT_EQ(status.find("exit-code"), std::string::npos) << status;
  }
  auto [status_read, status_write] = make_pipe();
  auto ran = run(bwrap_cmd({"--bind", "/", "/", "--json-status-fd", "5", "false"}),
                 with_fds({{5, status_write.get()}}));
  status_write.reset();
  EXPECT_NE(read_all(status_read.get(), milliseconds(5000)).find("\"exit-code\": 1"),
            std::string::npos)
      << ran.describe();
}

// bubblewrap keeps a root caller's capability sets as they are, inheritable and ambient
// included, unless --cap-add/--cap-drop say otherwise; then all three are what is kept.
TEST(BwrapCaps, RootKeepsItsOwnSetsWithoutCapOptions) {
  if (!is_root()) GTEST_SKIP() << "the root rule needs a root caller";
  auto r = run(bwrap_cmd({"--bind", "/", "/", kProbe, "caps"}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapAmb"})
    EXPECT_EQ(r.value(set), status_value(set)) << set << "\n" << r.describe();

  auto dropped = run(bwrap_cmd({"--cap-drop", "CAP_KILL", "--bind", "/", "/", kProbe, "caps"}));
  ASSERT_EQ(dropped.exit_code, 0) << dropped.describe();
  const std::string prm = dropped.value("CapPrm");
  EXPECT_NE(prm, status_value("CapPrm")) << "CAP_KILL still held";
  EXPECT_EQ(dropped.value("CapInh"), prm) << dropped.describe();
  EXPECT_EQ(dropped.value("CapAmb"), prm) << dropped.describe();
}

// A program that refuses seccomp(2) but allows prctl, then one that refuses getppid:
// bubblewrap documents that every program but the last must allow prctl, nothing more.
TEST(BwrapSeccomp, StackedProgramsNeedOnlyPrctlFromThoseBefore) {
  const std::vector<sock_filter> no_seccomp_syscall = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  const std::vector<sock_filter> no_getppid = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ECONNREFUSED),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  const auto bytes = [](const std::vector<sock_filter>& p) {
    return std::string(reinterpret_cast<const char*>(p.data()), p.size() * sizeof(sock_filter));
  };
  Fd first = data_fd(bytes(no_seccomp_syscall));
  Fd second = data_fd(bytes(no_getppid));
  auto r = run(bwrap_cmd({"--ro-bind", "/", "/", "--add-seccomp-fd", "5", "--add-seccomp-fd", "6",
                          kProbe, "sys", "getppid"}),
               with_fds({{5, first.get()}, {6, second.get()}}));
  EXPECT_EQ(r.value("sys:getppid"), "ECONNREFUSED") << r.describe();
}

// Parents created for --dir, --file, --bind-data and --tmpfs: 0755, less group and other
// access where the object grants them none (bubblewrap's rule).
TEST(BwrapFilesystem, ParentDirectoriesFollowPerms) {
  Fd file = data_fd("x");
  Fd data = data_fd("y");
  auto r = run(bwrap_cmd({"--bind",
                          "/",
                          "/",
                          "--tmpfs",
                          "/tmp",
                          "--perms",
                          "0700",
                          "--dir",
                          "/tmp/a/b/c",
                          "--perms",
                          "0640",
                          "--file",
                          "5",
                          "/tmp/f/g/h",
                          "--bind-data",
                          "6",
                          "/tmp/d/e",
                          "--perms",
                          "01777",
                          "--tmpfs",
                          "/tmp/t/u",
                          "--dir",
                          "/tmp/plain/x",
                          "--",
                          "/usr/bin/stat",
                          "-c",
                          "%n=%a",
                          "/tmp/a",
                          "/tmp/a/b",
                          "/tmp/a/b/c",
                          "/tmp/f",
                          "/tmp/f/g",
                          "/tmp/d",
                          "/tmp/t",
                          "/tmp/plain"}),
               with_fds({{5, file.get()}, {6, data.get()}}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("/tmp/a"), "700");
  EXPECT_EQ(r.value("/tmp/a/b"), "700");
  EXPECT_EQ(r.value("/tmp/a/b/c"), "700");
  EXPECT_EQ(r.value("/tmp/f"), "750");
  EXPECT_EQ(r.value("/tmp/f/g"), "750");
  EXPECT_EQ(r.value("/tmp/d"), "700");  // --bind-data's default mode is 0600
  EXPECT_EQ(r.value("/tmp/t"), "755");
  EXPECT_EQ(r.value("/tmp/plain"), "755");
}

// Inside a user namespace, a new procfs for the host's PID namespace is refused; the host's
// /proc is bound instead (bubblewrap's way). With a PID namespace of its own, never.
TEST(BwrapFilesystem, ProcWithoutPidNamespaceInAUserNamespace) {
  char own[64] = {};
  ASSERT_GT(::readlink("/proc/self/ns/pid", own, sizeof own - 1), 0);
  auto shared = run(bwrap_cmd({"--unshare-user", "--bind", "/", "/", "--proc", "/proc",
                               "/bin/readlink", "/proc/self/ns/pid"}));
  ASSERT_EQ(shared.exit_code, 0) << shared.describe();
  EXPECT_EQ(shared.out, std::string(own) + "\n");
  auto separate = run(bwrap_cmd({"--unshare-user", "--unshare-pid", "--bind", "/", "/", "--proc",
                                 "/proc", "/bin/readlink", "/proc/self/ns/pid"}));
  ASSERT_EQ(separate.exit_code, 0) << separate.describe();
  EXPECT_NE(separate.out, std::string(own) + "\n");
}

// The payload keeps every capability (uid 0, --cap-add ALL), so it may raise its own user
// namespace's user.max_user_namespaces; that limit is not the one that holds.
TEST(BwrapNamespaces, DisableUsernsHoldsAgainstAPayloadWithCapabilities) {
  auto r = run(bwrap_cmd(
      {"--unshare-user", "--uid", "0", "--gid", "0", "--cap-add", "ALL", "--disable-userns",
       "--bind", "/", "/", "--", "/bin/sh", "-c",
       "echo 9 > /proc/sys/user/max_user_namespaces && " + std::string(kProbe) + " unshare-user"}));
  EXPECT_EQ(r.value("unshare-user"), "ENOSPC") << r.describe();
}

}  // namespace
}  // namespace cloister_it
