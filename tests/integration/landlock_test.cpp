// Landlock inside real sandboxes, as root and unprivileged: filesystem rights per path,
// execution, the signal scope and TCP connect rules.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <sstream>

#include "harness.hpp"

namespace cloister_it {
namespace {

constexpr int kAbiForNet = 4, kAbiForScopes = 6;

int kernel_abi() {
  long v = ::syscall(444 /* landlock_create_ruleset */, nullptr, 0, 1U);
  return v < 0 ? 0 : static_cast<int>(v);
}

#define REQUIRE_ABI(n)    \
  if (kernel_abi() < (n)) \
  GTEST_SKIP() << "this kernel's Landlock ABI is " << kernel_abi() << ", the test needs " << (n)

TEST(Landlock, ReadOnlyPathRejectsWritesWritablePathAccepts) {
  REQUIRE_ABI(1);
  TempDir dir;
  dir.writable_by_sandbox();
  dir.write("f", "hello\n");
  auto r = run_sandbox(
      {"--bind", dir.path(), "/data", "--tmpfs", "/t", "--landlock-exec", "/probe",
       "--landlock-read", "/data", "--landlock-write", "/t"},
      {"read", "/data/f", "+", "write", "/data/new", "+", "write", "/t/x", "+", "ls", "/"});
  EXPECT_EQ(r.value("read:/data/f"), "ok") << r.describe();
  EXPECT_EQ(r.value("write:/data/new"), "EACCES") << r.describe();
  EXPECT_EQ(r.value("write:/t/x"), "ok") << r.describe();
  EXPECT_EQ(r.value("ls:/"), "EACCES") << r.describe();
  EXPECT_FALSE(exists(dir / "new"));
  // Control: without Landlock the same bind is writable.
  auto control = run_sandbox({"--bind", dir.path(), "/data"}, {"write", "/data/new"});
  EXPECT_EQ(control.value("write:/data/new"), "ok") << control.describe();
}

TEST(Landlock, ExecOutsideExecPathsFails) {
  REQUIRE_ABI(1);
  TempDir dir;
  std::ifstream in(kProbe, std::ios::binary);
  std::stringstream data;
  data << in.rdbuf();
  dir.write("copy", data.str(), 0755);
  auto r = run_sandbox(
      {"--ro-bind", dir.path(), "/data", "--landlock-exec", "/probe", "--landlock-read", "/data"},
      {"exec", "/data/copy"});
  EXPECT_EQ(r.value("exec:/data/copy"), "EACCES") << r.describe();
  auto allowed = run_sandbox(
      {"--ro-bind", dir.path(), "/data", "--landlock-exec", "/probe", "--landlock-exec", "/data"},
      {"exec", "/data/copy"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.describe();
  EXPECT_FALSE(allowed.find("exec:/data/copy")) << allowed.describe();
}

// The probe signals a process of the test's, outside the sandbox (no PID namespace here).
TEST(Landlock, SignalScopeStopsSignalsLeavingTheSandbox) {
  REQUIRE_ABI(kAbiForScopes);
  pid_t sleeper = ::fork();
  ASSERT_GE(sleeper, 0);
  if (sleeper == 0) {
    ::pause();
    ::_exit(0);
  }
  const std::string pid = std::to_string(sleeper);
  const Argv base = {kCloister, "bwrap", "--ro-bind", kProbe, "/probe", "--unshare-user"};
  Argv scoped = base;
  scoped.insert(scoped.end(), {"--landlock-scope", "signal", "--", "/probe", "signal", pid});
  Argv open = base;
  open.insert(open.end(), {"--", "/probe", "signal", pid});
  auto r = run(scoped);
  auto control = run(open);
  ::kill(sleeper, SIGKILL);
  ::waitpid(sleeper, nullptr, 0);
  EXPECT_EQ(r.value("signal:" + pid), "EPERM") << r.describe();
  EXPECT_EQ(control.value("signal:" + pid), "ok") << control.describe();
}

TEST(Landlock, ConnectOnlyToAllowedPorts) {
  REQUIRE_ABI(kAbiForNet);
  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(listener);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener.get(), 8), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  const std::string other = std::to_string(ntohs(addr.sin_port) == 1 ? 2 : 1);
  auto refused = run_sandbox({"--share-net", "--allow-connect", other}, {"connect", port});
  EXPECT_EQ(refused.value("connect:" + port), "EACCES") << refused.describe();
  auto allowed = run_sandbox({"--share-net", "--allow-connect", port}, {"connect", port});
  EXPECT_EQ(allowed.value("connect:" + port), "ok") << allowed.describe();
}

TEST(Landlock, DeviceIoctlsOnlyWhereGranted) {
  REQUIRE_ABI(5);
  auto denied = run_sandbox({"--landlock-exec", "/probe", "--landlock-read", "/dev"},
                            {"ioctl-tcgets", "/dev/null"});
  EXPECT_EQ(denied.value("ioctl:/dev/null"), "EACCES") << denied.describe();
  auto granted = run_sandbox(
      {"--landlock-exec", "/probe", "--landlock-read", "/dev", "--landlock-ioctl-dev", "/dev"},
      {"ioctl-tcgets", "/dev/null"});
  EXPECT_EQ(granted.value("ioctl:/dev/null"), "ENOTTY") << granted.describe();
}

// Once any path rule is given, the safe device nodes stay usable; other paths do not.
TEST(Landlock, SafeDeviceNodesAreGrantedImplicitly) {
  REQUIRE_ABI(1);
  auto r = run_sandbox({"--landlock-exec", "/probe"},
                       {"write", "/dev/null", "+", "read", "/dev/null", "+", "write", "/dev/full",
                        "+", "write", "/dev/shm/x"});
  EXPECT_EQ(r.value("write:/dev/null"), "ok") << r.describe();
  EXPECT_EQ(r.value("read:/dev/null"), "ok") << r.describe();
  EXPECT_EQ(r.value("write:/dev/full"), "ENOSPC") << r.describe();
  EXPECT_EQ(r.value("write:/dev/shm/x"), "EACCES") << r.describe();
  // Without any device in the sandbox the implicit grants are skipped, not an error.
  auto bare = run(cloister({"--empty-root", "--ro-bind", kProbe, "/probe", "--landlock-exec",
                            "/probe", "--", "/probe", "exit", "0"}));
  EXPECT_EQ(bare.exit_code, 0) << bare.describe();
}

// An exec Landlock refuses says it was Landlock, and which option allows it.
TEST(Landlock, ExecRefusalNamesLandlock) {
  REQUIRE_ABI(1);
  auto r = run_sandbox({"--landlock-read", "/probe"}, {"exit", "0"});
  EXPECT_EQ(r.exit_code, 126) << r.describe();
  EXPECT_NE(r.err.find("Permission denied (Landlock refused it: /probe is beneath no "
                       "--landlock-exec path (none given); --landlock-exec /probe allows"),
            std::string::npos)
      << r.describe();
}

TEST(Landlock, MissingPathIsAnErrorNamingIt) {
  REQUIRE_ABI(1);
  auto r = run_sandbox({"--landlock-read", "/no/such/dir"}, {"exit", "0"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("landlock: open /no/such/dir: No such file or directory"), std::string::npos)
      << r.describe();
}

}  // namespace
}  // namespace cloister_it
