// Lifecycle: signal forwarding, reaping, --die-with-parent, nothing left running, and the
// --json-status-fd / --info-fd records.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <thread>

#include "harness.hpp"

namespace cloister_it {
namespace {

using std::chrono::seconds;

std::string signal_name(int sig) { return std::string("SIG") + ::sigabbrev_np(sig); }

// ---- signals -------------------------------------------------------------------------------

class SignalForwarding : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(SignalForwarding, SignalToCloisterReachesCommand) {
  const auto [sig, as_pid_1] = GetParam();
  Argv options = {"--unshare-pid"};
  if (as_pid_1) options.push_back("--as-pid-1");
  Process p(sandbox(options, {"wait-signal", "15"}), {});
  ASSERT_TRUE(p.wait_for_output("ready\n", seconds(10))) << p.finish().describe();
  p.signal(sig);
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("signal"), signal_name(sig)) << r.describe();
}

INSTANTIATE_TEST_SUITE_P(Lifecycle, SignalForwarding,
                         ::testing::Combine(::testing::Values(SIGTERM, SIGINT, SIGHUP, SIGQUIT,
                                                              SIGUSR1, SIGUSR2, SIGWINCH),
                                            ::testing::Bool()),
                         [](const auto& param_info) {
                           return signal_name(std::get<0>(param_info.param)).substr(3) +
                                  (std::get<1>(param_info.param) ? "_AsPid1" : "_WithInit");
                         });

TEST(Signals, UnhandledTerminationSignalEndsTheSandbox) {
  Process p(sandbox({}, {"sleep", "20"}), {});
  std::this_thread::sleep_for(milliseconds(200));
  p.signal(SIGTERM);
  auto r = p.finish();
  EXPECT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.exit_code, 128 + SIGTERM) << r.describe();
}

// ---- zombies -------------------------------------------------------------------------------

TEST(Zombies, InitReapsOrphans) {
  auto r =
      run_sandbox({"--unshare-pid"}, {"spawn-zombies", "5", "+", "zombies", "3000", "+", "procs"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("spawned"), "5");
  EXPECT_EQ(r.value("zombies"), "0") << r.describe();
}

// Control: with COMMAND as PID 1 nobody reaps them, and the probe does see them.
TEST(Zombies, WithoutInitOrphansStayZombies) {
  auto r =
      run_sandbox({"--unshare-pid", "--as-pid-1"}, {"spawn-zombies", "5", "+", "zombies", "300"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("zombies"), "5") << r.describe();
}

// ---- nothing left running ------------------------------------------------------------------

class LeftBehind : public ::testing::TestWithParam<bool> {};

TEST_P(LeftBehind, NoSandboxProcessOutlivesCloister) {
  auto [status_read, status_write] = make_pipe();
  Argv options = {"--unshare-pid", "--json-status-fd", "5"};
  if (GetParam()) options.push_back("--as-pid-1");
  Process p(sandbox(options, {"spawn-sleepers", "3", "30", "+", "wait-signal", "15"}),
            with_fds({{5, status_write.get()}}));
  status_write.reset();
  const StartRecord start = read_start(status_read.get());
  ASSERT_GT(start.child_pid, 0) << start.line;
  ASSERT_NE(start.pid_ns, 0UL) << start.line;
  ASSERT_TRUE(p.wait_for_output("ready\n", seconds(10))) << p.finish().describe();
  // init (unless --as-pid-1), COMMAND and its three sleepers.
  EXPECT_EQ(processes_in_pid_namespace(start.pid_ns).size(), GetParam() ? 4U : 5U);
  p.signal(SIGUSR1);
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(wait_gone(static_cast<pid_t>(start.child_pid), seconds(2)));
  EXPECT_TRUE(pid_namespace_empties(start.pid_ns, seconds(2)))
      << processes_in_pid_namespace(start.pid_ns).size() << " processes left";
}

INSTANTIATE_TEST_SUITE_P(Lifecycle, LeftBehind, ::testing::Bool(), [](const auto& param_info) {
  return std::string(param_info.param ? "AsPid1" : "WithInit");
});

TEST(LeftBehindOnFailure, SetupFailureLeavesNothing) {
  auto [status_read, status_write] = make_pipe();
  auto r = run_sandbox({"--json-status-fd", "5", "--remount-ro", "/not/there"}, {"sleep", "20"},
                       with_fds({{5, status_write.get()}}));
  status_write.reset();
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  const StartRecord start = read_start(status_read.get());
  ASSERT_GT(start.child_pid, 0) << start.line;
  EXPECT_TRUE(wait_gone(static_cast<pid_t>(start.child_pid), seconds(2)));
  EXPECT_EQ(read_line(status_read.get(), seconds(2)), "{ \"exit-code\": 125 }");
}

// ---- --die-with-parent ---------------------------------------------------------------------

// Starts cloister as the child of an intermediate process, the way a supervisor would run it.
// The intermediate reports cloister's PID on `pid_fd` and then waits to be killed.
pid_t start_intermediate(const Argv& argv, int status_fd, int pid_fd) {
  std::vector<std::string> args = argv, env = default_env();
  std::vector<char*> c_args, c_env;
  for (auto& a : args) c_args.push_back(a.data());
  for (auto& e : env) c_env.push_back(e.data());
  c_args.push_back(nullptr);
  c_env.push_back(nullptr);
  pid_t intermediate = ::fork();
  if (intermediate != 0) return intermediate;
  pid_t cloister = ::fork();
  if (cloister == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0), ::dup2(null, 1), ::dup2(null, 2);
    if (status_fd == 5)
      ::fcntl(5, F_SETFD, 0);
    else
      ::dup2(status_fd, 5);
    ::close_range(6, ~0U, 0);
    for (int fd = 3; fd < 5; ++fd) ::close(fd);
    ::execve(c_args[0], c_args.data(), c_env.data());
    ::_exit(127);
  }
  ssize_t ignored = ::write(pid_fd, &cloister, sizeof cloister);
  (void)ignored;
  for (;;) ::pause();
}

TEST(DieWithParent, SandboxDiesWhenCloistersParentIsKilled) {
  auto [status_read, status_write] = make_pipe();
  auto [pid_read, pid_write] = make_pipe();
  const Argv argv = sandbox({"--die-with-parent", "--json-status-fd", "5"}, {"sleep", "30"});
  const pid_t intermediate = start_intermediate(argv, status_write.get(), pid_write.get());
  ASSERT_GT(intermediate, 0);
  status_write.reset();
  pid_write.reset();
  pid_t cloister_pid = -1;
  ASSERT_EQ(::read(pid_read.get(), &cloister_pid, sizeof cloister_pid),
            static_cast<ssize_t>(sizeof cloister_pid));
  Fd cloister_fd(open_pidfd(cloister_pid));
  const StartRecord start = read_start(status_read.get());
  Fd child_fd(open_pidfd(static_cast<pid_t>(start.child_pid)));
  const bool started = start.child_pid > 0 && alive(static_cast<pid_t>(start.child_pid));

  ::kill(intermediate, SIGKILL);
  ::waitpid(intermediate, nullptr, 0);
  const bool sandbox_gone = !started || wait_gone(static_cast<pid_t>(start.child_pid), seconds(5));
  const bool cloister_gone = wait_gone(cloister_pid, seconds(1));
  // Whatever happened, end what this test started.
  kill_by_pidfd(child_fd.get(), SIGKILL);
  kill_by_pidfd(cloister_fd.get(), SIGKILL);
  wait_gone(cloister_pid, seconds(2));

  ASSERT_TRUE(started) << "no sandbox started: " << start.line;
  EXPECT_TRUE(sandbox_gone) << "the sandbox outlived cloister's parent by 5 s";
  EXPECT_TRUE(cloister_gone) << "cloister outlived its parent (bwrap dies with it)";
  EXPECT_TRUE(pid_namespace_empties(start.pid_ns, seconds(2)));
}

TEST(DieWithParent, SandboxDiesWhenCloisterIsKilled) {
  for (bool die_with_parent : {true, false}) {
    auto [status_read, status_write] = make_pipe();
    Argv options = {"--json-status-fd", "5"};
    if (die_with_parent) options.push_back("--die-with-parent");
    Process p(sandbox(options, {"sleep", "30"}), with_fds({{5, status_write.get()}}));
    status_write.reset();
    const StartRecord start = read_start(status_read.get());
    ASSERT_GT(start.child_pid, 0) << start.line;
    const auto child = static_cast<pid_t>(start.child_pid);
    Fd child_fd(open_pidfd(child));
    p.signal(SIGKILL);
    const bool gone = wait_gone(child, seconds(die_with_parent ? 5 : 1));
    kill_by_pidfd(child_fd.get(), SIGKILL);  // the control's sandbox is still ours to end
    wait_gone(child, seconds(2));
    p.finish();
    if (die_with_parent)
      EXPECT_TRUE(gone) << "the sandbox outlived cloister";
    else
      EXPECT_FALSE(gone) << "control: without --die-with-parent the sandbox goes on";
  }
}

// ---- synchronisation descriptors ---------------------------------------------------------

bool hung_up(int fd, milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0 && (p.revents & POLLHUP);
}

TEST(SyncFd, ClosesOnlyWhenTheSandboxEnds) {
  auto [sync_read, sync_write] = make_pipe();
  Process p(sandbox({"--sync-fd", "5"}, {"wait-signal", "15"}), with_fds({{5, sync_write.get()}}));
  sync_write.reset();
  ASSERT_TRUE(p.wait_for_output("ready\n", seconds(10))) << p.finish().describe();
  EXPECT_FALSE(hung_up(sync_read.get(), milliseconds(100))) << "closed while the sandbox runs";
  p.signal(SIGTERM);
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(hung_up(sync_read.get(), milliseconds(2000)));
}

TEST(BlockFd, CommandWaitsForAByte) {
  auto [block_read, block_write] = make_pipe();
  Process p(sandbox({"--block-fd", "5"}, {"pids"}), with_fds({{5, block_read.get()}}));
  block_read.reset();
  EXPECT_FALSE(p.wait_for_output("pid=", milliseconds(300))) << "COMMAND ran before the byte";
  ASSERT_EQ(::write(block_write.get(), "x", 1), 1);
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.find("pid")) << r.describe();
}

// --userns-block-fd: setup waits once the user namespace exists, so the caller can look at
// it (--info-fd tells the pid) before anything else happens.
TEST(UsernsBlockFd, SetupWaitsAfterTheUserNamespace) {
  auto [info_read, info_write] = make_pipe();
  auto [block_read, block_write] = make_pipe();
  Process p(sandbox({"--info-fd", "5", "--userns-block-fd", "6"}, {"ids"}),
            with_fds({{5, info_write.get()}, {6, block_read.get()}}));
  info_write.reset();
  block_read.reset();
  auto values = json_numbers(read_all(info_read.get(), milliseconds(3000)));
  ASSERT_TRUE(values.count("child-pid"));
  const std::string proc = "/proc/" + std::to_string(values["child-pid"]);
  // The user namespace exists and is mapped; the root is not built yet (same mount view).
  EXPECT_FALSE(read_text(proc + "/uid_map").empty());
  EXPECT_FALSE(p.wait_for_output("uid=", milliseconds(300))) << "COMMAND ran before the byte";
  ASSERT_EQ(::write(block_write.get(), "x", 1), 1);
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.find("uid")) << r.describe();
}

TEST(LockFile, HeldWhileTheSandboxRuns) {
  TempDir dir;
  const std::string file = dir.write("lock", "");
  Process p(sandbox({"--bind", file, "/lock", "--lock-file", "/lock"}, {"wait-signal", "15"}), {});
  ASSERT_TRUE(p.wait_for_output("ready\n", seconds(10))) << p.finish().describe();
  Fd fd(::open(file.c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(fd);
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  EXPECT_EQ(::fcntl(fd.get(), F_GETLK, &lock), 0);
  EXPECT_EQ(lock.l_type, F_RDLCK) << "no read lock held on the file";
  p.signal(SIGTERM);
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  lock = {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  EXPECT_EQ(::fcntl(fd.get(), F_SETLK, &lock), 0) << "still locked after the sandbox ended";
}

// ---- joining namespaces --------------------------------------------------------------------

TEST(JoinNamespaces, UsernsAndPidnsOfARunningSandbox) {
  auto [info_read, info_write] = make_pipe();
  Process first(sandbox({"--info-fd", "5"}, {"wait-signal", "15"}),
                with_fds({{5, info_write.get()}}));
  info_write.reset();
  ASSERT_TRUE(first.wait_for_output("ready\n", seconds(10))) << first.finish().describe();
  auto values = json_numbers(read_all(info_read.get(), milliseconds(500)));
  ASSERT_TRUE(values.count("child-pid"));
  const std::string ns = "/proc/" + std::to_string(values["child-pid"]) + "/ns/";
  Fd userns(::open((ns + "user").c_str(), O_RDONLY | O_CLOEXEC));
  Fd pidns(::open((ns + "pid").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(userns && pidns) << errno_name(errno);
  RunOptions join = with_fds({{5, userns.get()}, {6, pidns.get()}});
  join.timeout = seconds(10);
  auto second = run_sandbox({"--userns", "5", "--pidns", "6"}, {"pids", "+", "ids"}, join);
  first.signal(SIGTERM);
  auto r = first.finish();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  // The first sandbox's init (1) and COMMAND (2) are visible: it is the same PID namespace.
  const auto pids = second.list("pids");
  EXPECT_GE(pids.size(), 3U) << second.describe();
  EXPECT_EQ(pids.front(), "1");
  EXPECT_EQ(second.value("uid_map"),
            std::to_string(::geteuid()) + " " + std::to_string(sandbox_host_uid()) + " 1");
}

// ---- status records ------------------------------------------------------------------------

TEST(Status, JsonStatusFdNamesTheSandbox) {
  auto [status_read, status_write] = make_pipe();
  Process p(sandbox({"--json-status-fd", "5"}, {"wait-signal", "15"}),
            with_fds({{5, status_write.get()}}));
  status_write.reset();
  const StartRecord start = read_start(status_read.get());
  ASSERT_TRUE(p.wait_for_output("ready\n", seconds(10))) << p.finish().describe();
  EXPECT_EQ(start.line.front(), '{');
  EXPECT_EQ(start.line.back(), '}');
  auto values = json_numbers(start.line);
  ASSERT_GT(start.child_pid, 0) << start.line;
  const std::string proc = "/proc/" + std::to_string(start.child_pid) + "/ns/";
  for (const char* ns : {"pid", "net", "mnt", "uts", "ipc", "cgroup"}) {
    const std::string key = std::string(ns) + "-namespace";
    if (std::string(ns) == "cgroup" && !exists("/proc/self/ns/cgroup")) continue;
    ASSERT_TRUE(values.count(key)) << key << " missing: " << start.line;
    EXPECT_NE(static_cast<unsigned long>(values[key]), own_namespace(ns)) << key;
    struct stat st {};
    ASSERT_EQ(::stat((proc + ns).c_str(), &st), 0) << proc + ns;
    EXPECT_EQ(static_cast<unsigned long>(values[key]), st.st_ino) << key;
  }
  p.signal(SIGUSR2);
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(read_line(status_read.get(), seconds(2)), "{ \"exit-code\": 0 }");
  EXPECT_EQ(read_all(status_read.get(), seconds(2)), "") << "nothing after the exit record";
}

TEST(Status, JsonStatusFdExitCode) {
  for (const auto& [args, code] : std::vector<std::pair<Argv, int>>{
           {{"exit", "7"}, 7}, {{"kill-self", "TERM"}, 128 + SIGTERM}}) {
    auto [status_read, status_write] = make_pipe();
    auto r = run_sandbox({"--json-status-fd", "5"}, args, with_fds({{5, status_write.get()}}));
    status_write.reset();
    EXPECT_EQ(r.exit_code, code) << r.describe();
    const auto lines = lines_of(read_all(status_read.get(), seconds(2)));
    ASSERT_EQ(lines.size(), 2U) << r.describe();
    EXPECT_TRUE(json_numbers(lines.front()).count("child-pid")) << lines.front();
    EXPECT_EQ(lines.back(), "{ \"exit-code\": " + std::to_string(code) + " }");
  }
}

TEST(Status, InfoFdNamesTheChild) {
  auto [info_read, info_write] = make_pipe();
  auto [status_read, status_write] = make_pipe();
  auto r = run_sandbox({"--info-fd", "5", "--json-status-fd", "6"}, {"exit", "0"},
                       with_fds({{5, info_write.get()}, {6, status_write.get()}}));
  info_write.reset();
  status_write.reset();
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string info = read_all(info_read.get(), seconds(2));
  const StartRecord start = read_start(status_read.get());
  auto values = json_numbers(info);
  ASSERT_TRUE(values.count("child-pid")) << info;
  EXPECT_EQ(values["child-pid"], start.child_pid);
  EXPECT_EQ(info.front(), '{');
  EXPECT_NE(info.find("}"), std::string::npos);
  EXPECT_GT(lines_of(info).size(), 2U) << "pretty-printed, one member a line:\n" << info;
}

}  // namespace
}  // namespace cloister_it
