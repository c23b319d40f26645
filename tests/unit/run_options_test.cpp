// cloister run's --host-ids, --parent-pid, --parent-pidfd and --stop-timeout: parsed, loaded
// from a profile, planned, explained; the parent check and the stop deadline on their own.
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <vector>

#include "kernel/fd.hpp"
#include "kernel/syscalls.hpp"
#include "plan/explain.hpp"
#include "plan/plan.hpp"
#include "policy/cli.hpp"
#include "policy/profile.hpp"
#include "process/parent_watch.hpp"
#include "process/stop_timeout.hpp"

namespace cloister {
namespace {

using Args = std::vector<std::string>;

Caller host_root() {
  Caller c{0, 0, "/", 0};
  c.host_root = true;
  return c;
}
const Caller kContainerRoot{0, 0, "/", 0};
const Caller kUser{1000, 1001, "/home/user", 0};

template <class T>
std::string why(const Result<T>& r) {
  return r.ok() ? "ok" : r.error().message();
}

Result<Plan> plan_for(const Args& args, const Caller& caller) {
  auto parsed = cli::parse(args, cli::Dialect::Run);
  if (!parsed) return parsed.take_error();
  return resolve(parsed->policy, caller);
}

std::string error_of(const Args& args, const Caller& caller) {
  auto plan = plan_for(args, caller);
  return plan.ok() ? "ok" : plan.error().message();
}

TEST(RunOptionsParse, EachOptionFillsItsPolicyField) {
  auto p = cli::parse({"--host-ids", "--uid", "7", "--parent-pid", "42", "--stop-timeout", "2.5",
                       "--", "/bin/true"},
                      cli::Dialect::Run);
  ASSERT_TRUE(p.ok()) << why(p);
  EXPECT_TRUE(p->policy.id.host_ids);
  EXPECT_EQ(p->policy.parent_pid, 42);
  EXPECT_TRUE(p->policy.die_with_parent);  // implied
  ASSERT_TRUE(p->policy.stop_timeout_ms);
  EXPECT_EQ(*p->policy.stop_timeout_ms, 2500U);
  auto fd = cli::parse({"--parent-pidfd", "9", "--", "/bin/true"}, cli::Dialect::Run);
  ASSERT_TRUE(fd.ok()) << why(fd);
  EXPECT_EQ(fd->policy.parent_pidfd, 9);
  EXPECT_EQ(fd->policy.parent_pid, 0);
  EXPECT_TRUE(fd->policy.die_with_parent);
  auto none = cli::parse({"--", "/bin/true"}, cli::Dialect::Run);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->policy.id.host_ids);
  EXPECT_FALSE(none->policy.stop_timeout_ms);
  EXPECT_EQ(none->policy.parent_pidfd, -1);
}

TEST(RunOptionsParse, BadValuesAndRepeatsAreErrorsNamingTheOption) {
  for (const Args& args : std::vector<Args>{{"--parent-pid", "0"},
                                            {"--parent-pid", "-3"},
                                            {"--parent-pid", "x"},
                                            {"--parent-pidfd", "-1"},
                                            {"--stop-timeout", "-1"},
                                            {"--stop-timeout", "1s"},
                                            {"--stop-timeout", "nan"},
                                            {"--stop-timeout", "86401"},
                                            {"--parent-pid", "5", "--parent-pidfd", "3"}}) {
    Args all = args;
    all.insert(all.end(), {"--", "/bin/true"});
    auto p = cli::parse(all, cli::Dialect::Run);
    ASSERT_FALSE(p.ok()) << args[0] << " " << args[1];
    EXPECT_EQ(p.error().message().rfind(args.size() > 2 ? args[2] : args[0], 0), 0U)
        << p.error().message();
  }
  auto zero = cli::parse({"--stop-timeout", "0", "--", "/bin/true"}, cli::Dialect::Run);
  ASSERT_TRUE(zero.ok()) << why(zero);
  EXPECT_EQ(*zero->policy.stop_timeout_ms, 0U);
}

TEST(RunOptionsParse, TheyAreCloisterRunsNotBwraps) {
  for (const char* option : {"--host-ids", "--parent-pid", "--parent-pidfd", "--stop-timeout"}) {
    auto p = cli::parse({option, "1", "--", "/bin/true"}, cli::Dialect::Bwrap);
    ASSERT_FALSE(p.ok()) << option;
    EXPECT_NE(p.error().message().find("is cloister run's"), std::string::npos)
        << p.error().message();
  }
}

TEST(RunOptionsProfile, HostIdsAndStopTimeoutKeys) {
  Policy policy;
  auto st = profile::load_text("[process]\nhost-ids = true\nstop-timeout = 5\n", "p.toml", policy);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_TRUE(policy.id.host_ids);
  EXPECT_EQ(policy.stop_timeout_ms.value_or(0), 5000U);
  Policy fraction;
  st = profile::load_text("[process]\nstop-timeout = 0.25\n", "p.toml", fraction);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(fraction.stop_timeout_ms.value_or(0), 250U);
  for (const char* bad : {"[process]\nstop-timeout = -1\n", "[process]\nstop-timeout = \"5\"\n",
                          "[process]\nhost-ids = 1\n"}) {
    Policy p;
    auto e = profile::load_text(bad, "p.toml", p);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.error().message().find("p.toml:"), std::string::npos) << e.error().message();
  }
}

TEST(HostIds, RootRunsUnderTheRealHostIdsWithoutAUserNamespace) {
  auto plan =
      plan_for({"--host-ids", "--uid", "1234", "--gid", "5678", "--", "/bin/true"}, host_root());
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_FALSE(plan->clone_flags & CLONE_NEWUSER);
  EXPECT_FALSE(plan->ids.root_onto_unprivileged);  // root_maps_onto does not force one
  ASSERT_TRUE(plan->host_ids);
  EXPECT_EQ(plan->host_ids->switch_uid, 1234U);
  EXPECT_EQ(plan->host_ids->switch_gid, 5678U);
  EXPECT_EQ(plan->keep_caps, 0U);  // every capability dropped
  // The rest of the sandbox is as usual.
  EXPECT_TRUE(plan->clone_flags & CLONE_NEWNS);
  EXPECT_TRUE(plan->clone_flags & CLONE_NEWPID);
  EXPECT_TRUE(plan->clone_flags & CLONE_NEWNET);
  EXPECT_FALSE(plan->seccomp.empty());
  EXPECT_FALSE(plan->fs.empty());
}

TEST(HostIds, GidDefaultsToTheUidsNumberNeverRootsGroup) {
  auto plan = plan_for({"--host-ids", "--uid", "1234", "--", "/bin/true"}, host_root());
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_TRUE(plan->host_ids);
  EXPECT_EQ(plan->host_ids->switch_gid, 1234U);
}

TEST(HostIds, CapAddKeepsTheNamedCapabilities) {
  auto plan = plan_for(
      {"--host-ids", "--uid", "1234", "--cap-add", "CAP_NET_BIND_SERVICE", "--", "/bin/true"},
      host_root());
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->keep_caps, 1ULL << 10);
}

TEST(HostIds, ChrootModeSwitchesToTheGivenIdsNotNobody) {
  auto plan = plan_for(
      {"--host-ids", "--uid", "1234", "--sandbox=chroot", "--ro-bind", "/", "/", "--", "/bin/true"},
      host_root());
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_TRUE(plan->chroot && plan->chroot->switch_ids);
  EXPECT_EQ(plan->chroot->switch_ids->switch_uid, 1234U);
  EXPECT_FALSE(plan->chroot->switch_ids->root_onto_unprivileged);
}

TEST(HostIds, RefusedWithoutRootOrUidOrWithAUserNamespace) {
  const Args tail = {"--", "/bin/true"};
  auto with = [&](Args a) {
    a.insert(a.end(), tail.begin(), tail.end());
    return a;
  };
  EXPECT_EQ(error_of(with({"--host-ids", "--uid", "5"}), kUser).rfind("--host-ids: needs root", 0),
            0U);
  EXPECT_NE(error_of(with({"--host-ids", "--uid", "5"}), kUser)
                .find("an unprivileged caller gets a user namespace instead"),
            std::string::npos);
  // Root of a user namespace other than the host's (a rootless engine runs its runtime so)
  // takes the ids of that namespace.
  EXPECT_EQ(error_of(with({"--host-ids", "--uid", "5"}), kContainerRoot), "ok");
  EXPECT_EQ(error_of(with({"--host-ids"}), host_root()),
            "--host-ids: needs --uid (name the host "
            "uid COMMAND runs under, e.g. --host-ids "
            "--uid 1000 --gid 1000)");
  EXPECT_EQ(
      error_of(with({"--host-ids", "--gid", "5"}), host_root()).rfind("--host-ids: needs --uid", 0),
      0U);
  EXPECT_EQ(error_of(with({"--host-ids", "--uid", "5", "--unshare-user"}), host_root())
                .rfind("--host-ids: conflicts with --unshare-user", 0),
            0U);
  EXPECT_EQ(error_of(with({"--host-ids", "--uid", "5", "--uid-map", "5:5:1"}), host_root())
                .rfind("--host-ids: conflicts with --uid-map", 0),
            0U);
  EXPECT_EQ(error_of(with({"--host-ids", "--uid", "5", "--userns", "0"}), host_root())
                .rfind("--host-ids: conflicts with --userns", 0),
            0U);
}

TEST(HostIds, ExplainSaysRealHostUidAndNoUserNamespace) {
  auto plan = plan_for({"--host-ids", "--uid", "1234", "--", "/bin/true"}, host_root());
  ASSERT_TRUE(plan.ok()) << why(plan);
  const std::string text = explain::plan_text(*plan);
  EXPECT_NE(text.find("runs under real host uid 1234, gid 1234 with no user namespace"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("uid map:"), std::string::npos) << text;
  EXPECT_NE(explain::plan_json(*plan).find("\"host_ids\": {\"uid\": 1234, \"gid\": 1234}"),
            std::string::npos)
      << explain::plan_json(*plan);
  // Without --host-ids root still gets a user namespace mapped onto an unprivileged uid.
  auto usual = plan_for({"--uid", "1234", "--", "/bin/true"}, host_root());
  ASSERT_TRUE(usual.ok()) << why(usual);
  const std::string usual_text = explain::plan_text(*usual);
  EXPECT_NE(usual_text.find("root's sandbox is not host root"), std::string::npos) << usual_text;
  EXPECT_EQ(usual_text.find("real host uid"), std::string::npos) << usual_text;
}

TEST(ParentAndStop, PlannedExplainedAndThePidfdClosedBeforeExec) {
  UniqueFd self(sys::pidfd_open(::getpid()));
  ASSERT_TRUE(self);
  const std::string fd = std::to_string(self.get());
  auto plan = plan_for({"--parent-pidfd", fd, "--stop-timeout", "1.5", "--", "/bin/true"}, kUser);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_TRUE(plan->die_with_parent);
  EXPECT_EQ(plan->parent_pidfd, self.get());
  EXPECT_EQ(plan->stop_timeout_ms.value_or(0), 1500U);
  EXPECT_NE(std::find(plan->close_before_exec.begin(), plan->close_before_exec.end(), self.get()),
            plan->close_before_exec.end());
  const std::string text = explain::plan_text(*plan);
  EXPECT_NE(text.find("SIGKILLed 1.5s after a SIGTERM"), std::string::npos) << text;
  EXPECT_NE(text.find("dies with the process of pidfd " + fd), std::string::npos) << text;
  auto by_pid = plan_for({"--parent-pid", "77", "--", "/bin/true"}, kUser);
  ASSERT_TRUE(by_pid.ok()) << why(by_pid);
  EXPECT_NE(explain::plan_text(*by_pid).find("dies with process 77"), std::string::npos);
  EXPECT_NE(explain::plan_json(*by_pid).find("\"parent_pid\": 77"), std::string::npos);
}

TEST(ParentAndStop, AClosedParentPidfdIsAnErrorBeforeAnythingStarts) {
  EXPECT_EQ(error_of({"--parent-pidfd", "999", "--", "/bin/true"}, kUser)
                .rfind("--parent-pidfd: fd 999 is not open", 0),
            0U);
}

TEST(ParentWatch, PidOfAPidfdAndRefusalOfOtherDescriptors) {
  UniqueFd self(sys::pidfd_open(::getpid()));
  ASSERT_TRUE(self);
  auto pid = parent_watch::pid_of_pidfd(self.get());
  ASSERT_TRUE(pid.ok()) << why(pid);
  EXPECT_EQ(*pid, ::getpid());
  auto not_pidfd = parent_watch::pid_of_pidfd(0);
  ASSERT_FALSE(not_pidfd.ok());
  EXPECT_NE(not_pidfd.error().message().find("is not a pidfd"), std::string::npos);
}

// die_with sets the death signal of the process calling it: checked in a child, which exits
// 0 when the check passed, 1 when it failed with a message containing `expected`.
int in_child(const parent_watch::Parent& parent, const std::string& expected) {
  pid_t child = ::fork();
  if (child == 0) {
    auto st = parent_watch::die_with(parent);
    if (st.ok()) ::_exit(0);
    ::_exit(st.error().message().find(expected) != std::string::npos ? 1 : 2);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ParentWatch, AcceptsTheRealParentRefusesAnyOtherProcess) {
  EXPECT_EQ(in_child({::getpid(), -1, "--parent-pid"}, ""), 0);
  UniqueFd self(sys::pidfd_open(::getpid()));
  ASSERT_TRUE(self);
  EXPECT_EQ(in_child({0, self.get(), "--parent-pidfd"}, ""), 0);
  // Process 1 is alive but not the child's parent.
  EXPECT_EQ(in_child({1, -1, "--parent-pid"}, "--parent-pid: is not cloister's parent: process 1"),
            1);
}

TEST(ParentWatch, AParentAlreadyGoneIsSeen) {
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  UniqueFd gone_fd(sys::pidfd_open(gone));
  ASSERT_TRUE(gone_fd);
  pollfd p{gone_fd.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10000), 1);
  // A zombie: exited, not reaped (its pid is still taken).
  EXPECT_EQ(in_child({0, gone_fd.get(), "--parent-pidfd"}, "the parent already exited"), 1);
  EXPECT_EQ(in_child({gone, -1, "--parent-pid"}, "the parent already exited"), 1);
  ::waitpid(gone, nullptr, 0);
  // Reaped: the pidfd says -1, pidfd_open says ESRCH (unless the pid was taken again).
  EXPECT_EQ(in_child({0, gone_fd.get(), "--parent-pidfd"}, "the parent already exited"), 1);
}

TEST(StopTimeout, WithoutATimeoutThereIsNoTimer) {
  auto t = StopTimeout::create(std::nullopt, "x");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->fd(), -1);
  EXPECT_TRUE(t->signalled(SIGTERM).ok());
  EXPECT_FALSE(t->expired());
}

TEST(StopTimeout, AStopSignalArmsItAndItExpiresAfterTheTimeout) {
  pid_t child = ::fork();
  if (child == 0) {
    ::signal(SIGTERM, SIG_IGN);
    for (;;) ::pause();
  }
  UniqueFd pidfd(sys::pidfd_open(child));
  ASSERT_TRUE(pidfd);
  auto t = StopTimeout::create(100, "sleeper");
  ASSERT_TRUE(t.ok()) << why(t);
  ASSERT_GE(t->fd(), 0);
  pollfd p{t->fd(), POLLIN, 0};
  ASSERT_TRUE(t->signalled(SIGUSR1).ok());  // not a stop signal: not armed
  EXPECT_EQ(::poll(&p, 1, 300), 0);
  ASSERT_TRUE(t->signalled(SIGTERM).ok());
  ASSERT_TRUE(t->signalled(SIGINT).ok());  // already armed: the first one counts
  EXPECT_EQ(::poll(&p, 1, 5000), 1);
  ASSERT_TRUE(t->expire());
  EXPECT_TRUE(t->expired());
  ASSERT_EQ(sys::pidfd_send_signal(pidfd.get(), SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(t->notice(), "sleeper did not stop within 0.1s of SIGTERM; killed");
}

}  // namespace
}  // namespace cloister
