// Namespaces and identity: hostname, PIDs, user and group ids, network, capabilities.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.hpp"

namespace cloister_it {
namespace {

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

// ---- UTS -----------------------------------------------------------------------------------

TEST(Uts, HostnameIsSetInsideOnly) {
  const std::string before = host_name();
  ASSERT_NE(before, "cloister-box");
  auto r = run_sandbox({"--unshare-uts", "--hostname", "cloister-box"}, {"hostname"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("hostname"), "cloister-box");
  EXPECT_EQ(host_name(), before);
}

// ---- PID -----------------------------------------------------------------------------------

TEST(Pid, InitIsPid1AndCommandIsPid2) {
  auto r = run_sandbox({"--unshare-pid"}, {"pids"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("pid"), "2");
  EXPECT_EQ(r.value("ppid"), "1");
  EXPECT_EQ(r.list("pids"), (Argv{"1", "2"}));
}

TEST(Pid, AsPid1MakesCommandPid1) {
  auto r = run_sandbox({"--unshare-pid", "--as-pid-1"}, {"pids"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("pid"), "1");
  EXPECT_EQ(r.value("ppid"), "0");
  EXPECT_EQ(r.list("pids"), (Argv{"1"}));
}

TEST(Pid, ProcListsOnlyTheSandboxProcesses) {
  // Two children of COMMAND: they and nothing of the host appear in the sandbox's /proc.
  auto r = run_sandbox({"--unshare-pid"}, {"spawn-sleepers", "2", "5", "+", "pids"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.list("sleepers"), (Argv{"3", "4"}));
  EXPECT_EQ(r.list("pids"), (Argv{"1", "2", "3", "4"}));
}

TEST(Pid, NewSessionMakesCommandASessionLeader) {
  auto r = run_sandbox({"--new-session"}, {"pids"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("sid"), r.value("pid"));
  auto plain = run_sandbox({}, {"pids"});
  ASSERT_EQ(plain.exit_code, 0) << plain.describe();
  EXPECT_NE(plain.value("sid"), plain.value("pid")) << "control: without --new-session";
}

// ---- user namespace ------------------------------------------------------------------------

// The caller's ids inside; outside, the caller's own, except for root, whose sandbox maps
// onto nobody (65534) so that nothing leaking out of it is reached as host root.
TEST(UserNs, DefaultIdsAreTheCallersOntoNobodyForRoot) {
  auto r = run_sandbox({}, {"ids"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("uid"), std::to_string(::geteuid()));
  EXPECT_EQ(r.value("euid"), std::to_string(::geteuid()));
  EXPECT_EQ(r.value("gid"), std::to_string(::getegid()));
  EXPECT_EQ(r.value("uid_map"),
            std::to_string(::geteuid()) + " " + std::to_string(sandbox_host_uid()) + " 1");
  EXPECT_EQ(r.value("gid_map"),
            std::to_string(::getegid()) + " " + std::to_string(sandbox_host_gid()) + " 1");
  // An unprivileged caller maps its own gid, which needs setgroups denied; root's parent
  // writes the maps and the sandbox clears its groups itself.
  EXPECT_EQ(r.value("setgroups"), is_root() ? "allow" : "deny");
}

// Root keeps host root only when it says so.
TEST(UserNs, RootKeepsHostRootOnlyWhenAsked) {
  if (!is_root()) GTEST_SKIP() << "about a root caller's sandbox";
  TempDir dir;
  dir.write("secret", "root only\n", 0600);
  auto r = run_sandbox({"--ro-bind", dir.path(), "/d"}, {"read", "/d/secret"});
  EXPECT_EQ(r.value("read:/d/secret"), "EACCES") << r.describe();
  auto kept =
      run_sandbox({"--uid-map", "0:0:1", "--gid-map", "0:0:1", "--ro-bind", dir.path(), "/d"},
                  {"read", "/d/secret"});
  EXPECT_EQ(kept.value("read:/d/secret"), "ok") << kept.describe();
}

TEST(UserNs, UidAndGidAreMappedToTheCaller) {
  TempDir dir;
  dir.writable_by_sandbox();
  auto r = run_sandbox({"--uid", "1234", "--gid", "4321", "--bind", dir.path(), "/t"},
                       {"ids", "+", "write", "/t/made-inside"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("uid"), "1234");
  EXPECT_EQ(r.value("euid"), "1234");
  EXPECT_EQ(r.value("gid"), "4321");
  EXPECT_EQ(r.value("egid"), "4321");
  EXPECT_EQ(r.value("uid_map"), "1234 " + std::to_string(sandbox_host_uid()) + " 1");
  EXPECT_EQ(r.value("gid_map"), "4321 " + std::to_string(sandbox_host_gid()) + " 1");
  // A file made by uid 1234 inside belongs to the caller outside (nobody for root).
  struct stat st {};
  ASSERT_EQ(::stat((dir / "made-inside").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, sandbox_host_uid());
  EXPECT_EQ(st.st_gid, sandbox_host_gid());
}

TEST(UserNs, UidZeroInsideIsTheCallerOutside) {
  auto r = run_sandbox({"--uid", "0", "--gid", "0"}, {"ids"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("uid"), "0");
  EXPECT_EQ(r.value("gid"), "0");
  EXPECT_EQ(r.value("uid_map"), "0 " + std::to_string(sandbox_host_uid()) + " 1");
  EXPECT_EQ(r.value("gid_map"), "0 " + std::to_string(sandbox_host_gid()) + " 1");
}

TEST(UserNs, IdRangesNeedRoot) {
  auto r = run_sandbox({"--uid-map", "0:100000:65536", "--gid-map", "0:100000:65536"}, {"ids"});
  if (is_root()) {
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.value("uid_map"), "0 100000 65536");
    EXPECT_EQ(r.value("gid_map"), "0 100000 65536");
    EXPECT_EQ(r.value("uid"), "0");
  } else {
    EXPECT_EQ(r.exit_code, 125) << r.describe();
    EXPECT_NE(r.err.find("--uid-map"), std::string::npos) << r.describe();
    EXPECT_EQ(r.out, "");
  }
}

// Without seccomp (whose default policy refuses new namespaces on its own, below), only
// --disable-userns stands between COMMAND and a nested user namespace.
TEST(UserNs, DisableUsernsRefusesNestedUserNamespaces) {
  auto r = run_sandbox({"--seccomp-policy", "none", "--disable-userns"}, {"unshare-user"});
  EXPECT_EQ(r.value("unshare-user"), "ENOSPC") << r.describe();
  auto control = run_sandbox({"--seccomp-policy", "none"}, {"unshare-user"});
  EXPECT_EQ(control.value("unshare-user"), "ok") << control.describe();
}

TEST(UserNs, DefaultSeccompPolicyRefusesNestedUserNamespaces) {
  auto r = run_sandbox({}, {"unshare-user"});
  EXPECT_EQ(r.value("unshare-user"), "EPERM") << r.describe();
}

// ---- network -------------------------------------------------------------------------------

TEST(Net, UnshareNetLeavesOnlyLoopbackUp) {
  auto r = run_sandbox({"--unshare-net"}, {"netifs", "+", "loopback"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.list("ifs"), (Argv{"lo"}));
  EXPECT_EQ(r.list("up"), (Argv{"lo"}));
  EXPECT_EQ(r.value("loopback"), "ok");
}

TEST(Net, ShareNetShowsTheHostInterfaces) {
  const auto host = host_interfaces();
  if (host.size() < 2) GTEST_SKIP() << "the host has no interface besides lo to look for";
  auto r = run_default({"--share-net"}, {"netifs"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.list("ifs"), host);
}

// ---- capabilities --------------------------------------------------------------------------

constexpr const char* kNoCaps = "0000000000000000";

void expect_caps(const RunResult& r, const std::string& mask) {
  for (const char* set : {"CapPrm", "CapEff", "CapBnd", "CapAmb"})
    EXPECT_EQ(r.value(set), mask) << set << "\n" << r.describe();
  EXPECT_EQ(r.value("NoNewPrivs"), "1") << r.describe();
}

TEST(Caps, AllDroppedWithNoNewPrivs) {
  auto r = run_sandbox({}, {"caps", "+", "rawsock"});
  ASSERT_EQ(r.exit_code, 1) << r.describe();  // rawsock fails
  expect_caps(r, kNoCaps);
  EXPECT_EQ(r.value("CapInh"), kNoCaps);
  EXPECT_EQ(r.value("rawsock"), "EPERM");
}

TEST(Caps, RootInsideHasNoCapabilitiesEither) {
  auto r = run_sandbox({"--uid", "0", "--gid", "0"}, {"caps"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_caps(r, kNoCaps);
}

TEST(Caps, CapAddKeepsExactlyThatOne) {
  auto r = run_sandbox({"--cap-add", "CAP_NET_RAW"}, {"caps", "+", "rawsock"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_caps(r, "0000000000002000");  // bit 13
  EXPECT_EQ(r.value("rawsock"), "ok");
}

}  // namespace
}  // namespace cloister_it
