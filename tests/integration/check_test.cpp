// cloister check against direct attempts on this machine, and for a caller whose user
// namespaces are refused (arranged here: a user namespace whose user.max_user_namespaces is
// 0, and the seccomp filter of a cloister sandbox): the refusal, its cause, and which mode
// still runs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.hpp"

namespace cloister_it {
namespace {

// One row of `cloister check --json` (one row a line).
struct Row {
  bool found = false;
  bool ok = false;
  std::string line;
};

Row row(const std::string& json, const std::string& id) {
  for (const auto& line : lines_of(json))
    if (line.find("{\"id\": \"" + id + "\"") != std::string::npos)
      return Row{true, line.find("\"ok\": true") != std::string::npos, line};
  return Row{};
}

// unshare(flags) in a forked child: did the kernel allow it?
bool child_can_unshare(int flags) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(::unshare(flags) == 0 ? 0 : 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(Check, JsonAgreesWithDirectAttempts) {
  auto r = run({kCloister, "check", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const bool root = is_root();
  EXPECT_EQ(row(r.out, "user-namespace").ok, child_can_unshare(CLONE_NEWUSER)) << r.out;
  EXPECT_EQ(row(r.out, "namespace-net").ok,
            child_can_unshare(CLONE_NEWNET | (root ? 0 : CLONE_NEWUSER)))
      << r.out;
  EXPECT_EQ(row(r.out, "landlock").ok, ::syscall(444, nullptr, 0, 1U) > 0) << r.out;
  {
    Fd tun(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    EXPECT_EQ(row(r.out, "dev-net-tun").ok, static_cast<bool>(tun)) << r.out;
  }
  EXPECT_EQ(row(r.out, "seccomp-notify").ok, true) << r.out;
  auto plain = run({kCloister, "run", "--", "/usr/bin/true"});
  EXPECT_EQ(row(r.out, "mode-namespace").ok, plain.exit_code == 0) << plain.describe() << r.out;
  auto chroot =
      run({kCloister, "run", "--sandbox=chroot", "--ro-bind", "/", "/", "--", "/usr/bin/true"});
  EXPECT_EQ(row(r.out, "mode-chroot").ok, chroot.exit_code == 0) << chroot.describe() << r.out;
  auto pasta = run({kCloister, "run", "--net=pasta", "--", "/usr/bin/true"});
  EXPECT_EQ(row(r.out, "run-net-pasta").ok, pasta.exit_code == 0) << pasta.describe() << r.out;
  EXPECT_NE(r.out.find(root ? "\"chroot-mode\": true" : "\"namespace-mode\": true"),
            std::string::npos)
      << r.out;
}

TEST(Check, TextSaysWhatWorks) {
  auto r = run({kCloister, "check"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("Landlock"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cloister run works here in namespace mode."), std::string::npos) << r.out;
}

// A user namespace of our own whose limit of further user namespaces is 0: what a container
// with user.max_user_namespaces=0 looks like from inside. Its root keeps CAP_SYS_CHROOT.
Argv in_userns_without_nesting(const std::string& command) {
  return {"/usr/bin/unshare", "-Ur", "/bin/sh", "-c",
          "echo 0 > /proc/sys/user/max_user_namespaces && exec " + command};
}

TEST(Check, RefusedUserNamespacesNamedWithTheirCauseAndChrootStillWorks) {
  if (!exists("/usr/bin/unshare")) GTEST_SKIP() << "util-linux's unshare is not installed";
  auto r = run(in_userns_without_nesting(std::string(kCloister) + " check --json"));
  ASSERT_EQ(r.exit_code, 0) << r.describe();  // chroot mode runs: not a failure
  const Row userns = row(r.out, "user-namespace");
  ASSERT_TRUE(userns.found) << r.out;
  EXPECT_FALSE(userns.ok) << userns.line;
  EXPECT_NE(userns.line.find("ENOSPC"), std::string::npos) << userns.line;
  EXPECT_NE(userns.line.find("user.max_user_namespaces = 0"), std::string::npos) << userns.line;
  EXPECT_NE(userns.line.find("\"fix\": \"sysctl -w user.max_user_namespaces="), std::string::npos)
      << userns.line;
  // Its root needs no user namespace of its own for cloister run's other namespaces; what
  // check says of namespace mode is what cloister run does there.
  auto plain = run(in_userns_without_nesting(std::string(kCloister) + " run -- /usr/bin/true"));
  EXPECT_EQ(row(r.out, "mode-namespace").ok, plain.exit_code == 0) << plain.describe() << r.out;
  EXPECT_TRUE(row(r.out, "mode-chroot").ok) << r.out;
  EXPECT_NE(r.out.find("\"chroot-mode\": true"), std::string::npos);

  // cloister run's failure to create the user namespace there points at check.
  auto failed = run(
      in_userns_without_nesting(std::string(kCloister) + " run --unshare-user -- /usr/bin/true"));
  EXPECT_EQ(failed.exit_code, 125) << failed.describe();
  EXPECT_NE(failed.err.find("`cloister check` shows what works here"), std::string::npos)
      << failed.describe();
}

// Inside a cloister sandbox the default seccomp filter refuses new user namespaces (as a
// container's does) and no capability is left for chroot: check says so and exits non-zero.
TEST(Check, ContainerSeccompFilterNamedAndNoModeLeft) {
  Fd self(::open(kCloister, O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(self);
  RunOptions options;
  options.stdin_fd = self.get();
  // LeakSanitizer needs ptrace, which the sandbox's filter refuses.
  options.env = default_env();
  options.env->push_back("ASAN_OPTIONS=detect_leaks=0");
  auto r = run({kCloister, "run", "--", "/bin/sh", "-c",
                "cat > /tmp/c && chmod 0755 /tmp/c && exec /tmp/c check --json"},
               options);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  const Row userns = row(r.out, "user-namespace");
  ASSERT_TRUE(userns.found) << r.describe();
  EXPECT_FALSE(userns.ok);
  EXPECT_NE(userns.line.find("EPERM"), std::string::npos) << userns.line;
  EXPECT_NE(userns.line.find("a seccomp filter on this process refuses it"), std::string::npos)
      << userns.line;
  EXPECT_FALSE(row(r.out, "mode-chroot").ok) << r.out;
  EXPECT_NE(r.out.find("\"chroot-mode\": false"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cloister_it
