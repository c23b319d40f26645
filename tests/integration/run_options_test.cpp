// cloister run's --host-ids (root without a user namespace), --parent-pid / --parent-pidfd
// (dies with exactly that process) and --stop-timeout (SIGKILL after a stopping signal), run
// for real. Processes are watched through pidfds, with bounded waits.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

#include "harness.hpp"

namespace cloister_it {
namespace {

using std::chrono::seconds;

// True once the process of `pidfd` has exited (a zombie counts), within `timeout`.
bool exits_within(int pidfd, milliseconds timeout) {
  if (pidfd < 0) return true;  // already gone when it was to be opened
  pollfd p{pidfd, POLLIN, 0};
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    const int n = ::poll(&p, 1, static_cast<int>(std::max<long>(0, left.count())));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

std::string own_namespace_link(const char* name) {
  char buf[64] = {};
  const std::string path = std::string("/proc/self/ns/") + name;
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "<" + errno_name(errno) + ">";
}

// ---- --host-ids ------------------------------------------------------------------------------

const char* const kStatusScript =
    "grep -E '^(Uid|Gid|Groups|CapEff|CapPrm|CapBnd|NoNewPrivs):' /proc/self/status; "
    "echo userns=$(readlink /proc/self/ns/user); echo mntns=$(readlink /proc/self/ns/mnt)";

std::string status_field(const RunResult& r, const std::string& name) {
  for (const auto& line : lines_of(r.out))
    if (line.rfind(name + ":", 0) == 0) {
      std::string value = line.substr(name.size() + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
      return value;
    }
  return "<absent>";
}

TEST(HostIds, RootsCommandRunsUnderTheRealHostIdsInTheHostsUserNamespace) {
  if (!is_root())
    GTEST_SKIP() << "--host-ids needs root in the host's user namespace; the refusal is checked "
                    "by HostIds.AnUnprivilegedCallerIsRefusedWithTheReason";
  auto r = run(cloister(
      {"--host-ids", "--uid", "4321", "--gid", "4322", "--", "/bin/sh", "-c", kStatusScript}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(status_field(r, "Uid"), "4321\t4321\t4321\t4321") << r.describe();
  EXPECT_EQ(status_field(r, "Gid"), "4322\t4322\t4322\t4322") << r.describe();
  EXPECT_EQ(status_field(r, "Groups"), "") << r.describe();
  EXPECT_EQ(status_field(r, "CapEff"), "0000000000000000") << r.describe();
  EXPECT_EQ(status_field(r, "CapPrm"), "0000000000000000") << r.describe();
  EXPECT_EQ(status_field(r, "CapBnd"), "0000000000000000") << r.describe();
  EXPECT_EQ(status_field(r, "NoNewPrivs"), "1") << r.describe();
  // No user namespace: the host's own; the rest of the sandbox as usual (a mount namespace).
  EXPECT_EQ(r.value("userns"), own_namespace_link("user")) << r.describe();
  EXPECT_NE(r.value("mntns"), own_namespace_link("mnt")) << r.describe();
}

TEST(HostIds, CapAddKeepsOnlyTheNamedCapability) {
  if (!is_root()) GTEST_SKIP() << "--host-ids needs root in the host's user namespace";
  auto r = run(cloister({"--host-ids", "--uid", "4321", "--cap-add", "CAP_NET_BIND_SERVICE", "--",
                         "/bin/sh", "-c", kStatusScript}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(status_field(r, "Gid"), "4321\t4321\t4321\t4321") << r.describe();
  EXPECT_EQ(status_field(r, "CapEff"), "0000000000000400") << r.describe();
}

// Control: without --host-ids root's sandbox has a user namespace of its own.
TEST(HostIds, WithoutItRootsSandboxHasItsOwnUserNamespace) {
  if (!namespaces_refused().empty()) GTEST_SKIP() << namespaces_refused();
  auto r = run(cloister({"--", "/bin/sh", "-c", kStatusScript}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.value("userns"), own_namespace_link("user")) << r.describe();
}

TEST(HostIds, AnUnprivilegedCallerIsRefusedWithTheReason) {
  if (is_root()) GTEST_SKIP() << "root may use --host-ids; this checks the refusal (uid 65534 run)";
  auto r = run(cloister({"--host-ids", "--uid", "4321", "--", "/bin/sh", "-c", "echo ran"}));
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_EQ(r.out, "") << r.describe();
  EXPECT_NE(r.err.find("cloister: --host-ids: needs root"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("an unprivileged caller gets a user namespace instead"), std::string::npos)
      << r.describe();
}

TEST(HostIds, ConflictsAreUsageErrors) {
  for (const Argv& options :
       std::vector<Argv>{{"--host-ids"},
                         {"--host-ids", "--uid", "5", "--unshare-user"},
                         {"--host-ids", "--uid", "5", "--uid-map", "5:5:1"}}) {
    Argv args = options;
    args.insert(args.end(), {"--", "/bin/true"});
    auto r = run(cloister(args));
    // A usage error, said before whether the caller may use --host-ids at all.
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find("cloister: --host-ids: "), std::string::npos) << r.describe();
  }
}

// ---- --parent-pid, --parent-pidfd ------------------------------------------------------------

// Starts cloister as the child of an intermediate process that names itself to cloister: by
// PID (the argument "PARENT" in argv is replaced) or by a pidfd at descriptor 6. The
// intermediate reports cloister's PID on `pid_fd`, then waits to be killed.
pid_t start_intermediate(Argv argv, bool by_pidfd, int status_fd, int pid_fd) {
  std::vector<std::string> env = default_env();
  std::vector<char*> c_args, c_env;
  char pid_text[16] = "0";
  for (auto& a : argv) c_args.push_back(a == "PARENT" ? pid_text : a.data());
  for (auto& e : env) c_env.push_back(e.data());
  c_args.push_back(nullptr);
  c_env.push_back(nullptr);
  pid_t intermediate = ::fork();
  if (intermediate != 0) return intermediate;
  std::snprintf(pid_text, sizeof pid_text, "%d", static_cast<int>(::getpid()));
  const int self = by_pidfd ? open_pidfd(::getpid()) : -1;
  pid_t cloister = ::fork();
  if (cloister == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0), ::dup2(null, 1), ::dup2(null, 2);
    // Out of the way first, so neither lands on the other's number; dup2 leaves the copies
    // at 5 and 6 inheritable.
    const int status_copy = ::fcntl(status_fd, F_DUPFD, 100);
    const int self_copy = self >= 0 ? ::fcntl(self, F_DUPFD, 100) : -1;
    ::dup2(status_copy, 5);
    if (self_copy >= 0) ::dup2(self_copy, 6);
    ::close_range(7, ~0U, 0);
    for (int fd = 3; fd < 5; ++fd) ::close(fd);
    ::execve(c_args[0], c_args.data(), c_env.data());
    ::_exit(127);
  }
  ssize_t ignored = ::write(pid_fd, &cloister, sizeof cloister);
  (void)ignored;
  for (;;) ::pause();
}

class ParentNamed : public ::testing::TestWithParam<bool> {};

TEST_P(ParentNamed, CloisterAndSandboxDieWithTheNamedParent) {
  if (!namespaces_refused().empty()) GTEST_SKIP() << namespaces_refused();
  const bool by_pidfd = GetParam();
  auto [status_read, status_write] = make_pipe();
  auto [pid_read, pid_write] = make_pipe();
  Argv parent = by_pidfd ? Argv{"--parent-pidfd", "6"} : Argv{"--parent-pid", "PARENT"};
  parent.insert(parent.end(), {"--json-status-fd", "5"});
  const pid_t intermediate = start_intermediate(sandbox(parent, {"sleep", "30"}), by_pidfd,
                                                status_write.get(), pid_write.get());
  ASSERT_GT(intermediate, 0);
  Fd intermediate_fd(open_pidfd(intermediate));
  status_write.reset();
  pid_write.reset();
  pid_t cloister_pid = -1;
  ASSERT_EQ(::read(pid_read.get(), &cloister_pid, sizeof cloister_pid),
            static_cast<ssize_t>(sizeof cloister_pid));
  Fd cloister_fd(open_pidfd(cloister_pid));
  const StartRecord start = read_start(status_read.get());
  Fd child_fd(start.child_pid > 0 ? open_pidfd(start.child_pid) : -1);
  const bool started = start.child_pid > 0 && child_fd && alive(start.child_pid);

  kill_by_pidfd(intermediate_fd.get(), SIGKILL);
  ::waitpid(intermediate, nullptr, 0);
  const bool cloister_gone = exits_within(cloister_fd.get(), seconds(5));
  const bool sandbox_gone = !started || exits_within(child_fd.get(), seconds(5));
  // Whatever happened, end what this test started.
  kill_by_pidfd(child_fd.get(), SIGKILL);
  kill_by_pidfd(cloister_fd.get(), SIGKILL);
  exits_within(cloister_fd.get(), seconds(2));

  ASSERT_TRUE(started) << "no sandbox started: " << start.line;
  EXPECT_TRUE(cloister_gone) << "cloister outlived the process it was to die with by 5 s";
  EXPECT_TRUE(sandbox_gone) << "the sandbox outlived cloister's named parent by 5 s";
  EXPECT_TRUE(pid_namespace_empties(start.pid_ns, seconds(2)));
}

INSTANTIATE_TEST_SUITE_P(RunOptions, ParentNamed, ::testing::Bool(), [](const auto& param_info) {
  return std::string(param_info.param ? "ByPidfd" : "ByPid");
});

// A COMMAND that would say it ran: it must not, when the parent check fails.
const Argv kSaysItRan = {"--", "/bin/sh", "-c", "echo ran"};

Argv with_command(Argv options) {
  options.insert(options.end(), kSaysItRan.begin(), kSaysItRan.end());
  return options;
}

TEST(ParentNamedWrongly, AProcessThatIsNotCloistersParentIsAnErrorBeforeCommand) {
  // Process 1 is alive, and cloister's parent is this test.
  auto r = run(cloister(with_command({"--parent-pid", "1"})));
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_EQ(r.out, "") << r.describe();
  EXPECT_NE(r.err.find("--parent-pid: is not cloister's parent: process 1 "), std::string::npos)
      << r.describe();
  Fd self(open_pidfd(::getppid()));
  ASSERT_TRUE(self);
  auto by_fd = run(cloister(with_command({"--parent-pidfd", "3"})), with_fds({{3, self.get()}}));
  EXPECT_EQ(by_fd.exit_code, 125) << by_fd.describe();
  EXPECT_EQ(by_fd.out, "") << by_fd.describe();
  EXPECT_NE(by_fd.err.find("--parent-pidfd: is not cloister's parent"), std::string::npos)
      << by_fd.describe();
}

TEST(ParentNamedWrongly, AParentAlreadyGoneIsAnErrorBeforeCommand) {
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  Fd gone_fd(open_pidfd(gone));
  ASSERT_TRUE(gone_fd);
  ASSERT_TRUE(exits_within(gone_fd.get(), seconds(5)));
  // Exited, not yet reaped: the pidfd is readable.
  auto zombie =
      run(cloister(with_command({"--parent-pidfd", "3"})), with_fds({{3, gone_fd.get()}}));
  EXPECT_EQ(zombie.exit_code, 125) << zombie.describe();
  EXPECT_EQ(zombie.out, "") << zombie.describe();
  EXPECT_NE(zombie.err.find("--parent-pidfd: the parent already exited"), std::string::npos)
      << zombie.describe();
  ::waitpid(gone, nullptr, 0);
  // Reaped: pidfd_open of its pid fails (the pid is not taken again this quickly).
  auto reaped = run(cloister(with_command({"--parent-pid", std::to_string(gone)})));
  EXPECT_EQ(reaped.exit_code, 125) << reaped.describe();
  EXPECT_EQ(reaped.out, "") << reaped.describe();
  EXPECT_NE(reaped.err.find("--parent-pid: the parent already exited"), std::string::npos)
      << reaped.describe();
  auto reaped_fd =
      run(cloister(with_command({"--parent-pidfd", "3"})), with_fds({{3, gone_fd.get()}}));
  EXPECT_EQ(reaped_fd.exit_code, 125) << reaped_fd.describe();
  EXPECT_NE(reaped_fd.err.find("the parent already exited"), std::string::npos)
      << reaped_fd.describe();
}

TEST(ParentNamedWrongly, CloisterItselfAfterAnExecFromAShell) {
  auto r =
      run({"/bin/sh", "-c",
           std::string("exec ") + kCloister + " run --parent-pid $$ -- /bin/sh -c 'echo ran'"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_EQ(r.out, "") << r.describe();
  EXPECT_NE(r.err.find("--parent-pid: names cloister itself"), std::string::npos) << r.describe();
}

TEST(ParentNamedRightly, AShellsOwnPidLetsCommandRun) {
  auto r =
      run({"/bin/sh", "-c",
           std::string(kCloister) + " run --parent-pid $$ -- /bin/sh -c 'echo ran' & wait $!"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "ran\n") << r.describe();
}

// ---- --stop-timeout --------------------------------------------------------------------------

struct Stopped {
  RunResult result;
  double seconds_after_signal = 0;
  StartRecord start;
  bool left_nothing = false;
};

// Runs cloister with OPTIONS -- /bin/sh -c SCRIPT (which prints "ready" when it is), sends
// `sig` to cloister once ready, and measures how long cloister takes to exit after it.
Stopped stop_after_ready(Argv options, const std::string& script, int sig) {
  auto [status_read, status_write] = make_pipe();
  options.insert(options.end(), {"--json-status-fd", "5", "--", "/bin/sh", "-c", script});
  Process p(cloister(options), with_fds({{5, status_write.get()}}));
  status_write.reset();
  Stopped s;
  s.start = read_start(status_read.get());
  Fd child_fd(s.start.child_pid > 0 ? open_pidfd(s.start.child_pid) : -1);
  if (!p.wait_for_output("ready\n", seconds(10))) {
    s.result = p.finish();
    return s;
  }
  const auto sent = Clock::now();
  p.signal(sig);
  s.result = p.finish();
  s.seconds_after_signal = std::chrono::duration<double>(Clock::now() - sent).count();
  s.left_nothing = exits_within(child_fd.get(), seconds(2)) &&
                   (s.start.pid_ns == 0 || s.start.pid_ns == own_namespace("pid") ||
                    pid_namespace_empties(s.start.pid_ns, seconds(2)));
  return s;
}

std::string measured(const Stopped& s) {
  return "exited " + std::to_string(s.seconds_after_signal) + " s after the signal; " +
         s.result.describe();
}

TEST(StopTimeout, ACommandIgnoringSigtermIsKilledAtTheTimeout) {
  if (!namespaces_refused().empty()) GTEST_SKIP() << namespaces_refused();
  // sleep inherits the ignored SIGTERM; killing the init ends it with the PID namespace.
  auto s = stop_after_ready({"--stop-timeout", "1"}, "trap '' TERM; echo ready; sleep 30", SIGTERM);
  EXPECT_EQ(s.result.exit_code, 137) << measured(s);
  EXPECT_GE(s.seconds_after_signal, 1.0) << measured(s);
  EXPECT_LT(s.seconds_after_signal, 2.0) << measured(s);
  EXPECT_NE(s.result.err.find("cloister: /bin/sh did not stop within 1s of SIGTERM; killed"),
            std::string::npos)
      << measured(s);
  EXPECT_TRUE(s.left_nothing) << measured(s);
  std::printf("[ measured ] --stop-timeout 1, SIGTERM ignored: exit %d after %.3f s\n",
              s.result.exit_code, s.seconds_after_signal);
}

TEST(StopTimeout, ACommandThatStopsOnSigtermExitsBeforeTheTimeout) {
  if (!namespaces_refused().empty()) GTEST_SKIP() << namespaces_refused();
  auto s = stop_after_ready({"--stop-timeout", "5"}, "echo ready; exec sleep 30", SIGTERM);
  EXPECT_EQ(s.result.exit_code, 143) << measured(s);
  EXPECT_LT(s.seconds_after_signal, 2.0) << measured(s);
  EXPECT_EQ(s.result.err.find("did not stop"), std::string::npos) << measured(s);
  EXPECT_TRUE(s.left_nothing) << measured(s);
  std::printf("[ measured ] --stop-timeout 5, SIGTERM obeyed: exit %d after %.3f s\n",
              s.result.exit_code, s.seconds_after_signal);
}

// Without a PID namespace COMMAND itself is killed (exec: sleep is COMMAND, nothing else).
TEST(StopTimeout, WithoutAPidNamespaceCommandItselfIsKilledAfterSigint) {
  if (!namespaces_refused().empty()) GTEST_SKIP() << namespaces_refused();
  TempDir dir;
  const std::string profile = dir.write("no-pid.toml", "[namespaces]\npid = false\n");
  auto s = stop_after_ready({"--profile", profile, "--stop-timeout", "0.5"},
                            "trap '' INT; echo ready; exec sleep 30", SIGINT);
  EXPECT_EQ(s.result.exit_code, 137) << measured(s);
  EXPECT_GE(s.seconds_after_signal, 0.5) << measured(s);
  EXPECT_LT(s.seconds_after_signal, 1.5) << measured(s);
  EXPECT_NE(s.result.err.find("did not stop within 0.5s of SIGINT; killed"), std::string::npos)
      << measured(s);
  EXPECT_TRUE(s.left_nothing) << measured(s);
}

// Without a PID namespace but with a cgroup, what COMMAND started is killed with it.
TEST(StopTimeout, WithoutAPidNamespaceTheCgroupIsKilled) {
  if (!is_root()) GTEST_SKIP() << "creating a cgroup needs root here (not delegated)";
  TempDir dir;
  const std::string profile = dir.write("no-pid.toml", "[namespaces]\npid = false\n");
  auto s = stop_after_ready({"--profile", profile, "--pids-max", "64", "--stop-timeout", "0.5"},
                            "trap '' TERM; sleep 30 & echo sleeper=$!; echo ready; wait", SIGTERM);
  EXPECT_EQ(s.result.exit_code, 137) << measured(s);
  EXPECT_TRUE(s.left_nothing) << measured(s);
  const std::string sleeper = s.result.value("sleeper");
  ASSERT_NE(sleeper, "<absent>") << measured(s);
  // Killed with the cgroup: at most a zombie left for its reaper, never a running sleep.
  EXPECT_TRUE(wait_gone(static_cast<pid_t>(std::stol(sleeper)), seconds(2))) << measured(s);
}

}  // namespace
}  // namespace cloister_it
