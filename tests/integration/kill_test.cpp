// cloister SIGKILLed at random moments of its start, and setups that fail after pasta started:
// afterwards nothing cloister started may be left — no process (a child stuck waiting for a
// parent that is gone, pasta, the keeper), no zombie, no cgroup directory. This test process
// is a child subreaper while it runs them, so everything they leave becomes its child: it
// reaps what ends and finds, in the process table, whatever does not.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"

extern char** environ;

namespace cloister_it {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

// Every process whose parent chain leads to this one, with its state letter and name.
struct Descendant {
  pid_t pid;
  char state;
  std::string name;
};

std::vector<Descendant> descendants() {
  std::map<pid_t, std::vector<Descendant>> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_text("/proc/" + name + "/stat");
    const auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = '?';
    pid_t ppid = 0;
    rest >> state >> ppid;
    children[ppid].push_back(
        {static_cast<pid_t>(std::stol(name)), state, stat.substr(open + 1, close - open - 1)});
  }
  std::vector<Descendant> found;
  std::vector<pid_t> todo = {::getpid()};
  while (!todo.empty()) {
    const pid_t parent = todo.back();
    todo.pop_back();
    for (const auto& d : children[parent]) {
      found.push_back(d);
      todo.push_back(d.pid);
    }
  }
  return found;
}

std::string describe(const std::vector<Descendant>& list) {
  std::string out;
  for (const auto& d : list) out += std::to_string(d.pid) + " " + d.state + " " + d.name + "; ";
  return out;
}

// cgroup directories named after one of these launcher pids (cloister-<pid>-*, sandbox-<pid>-*).
std::vector<std::string> cgroups_of(const std::set<pid_t>& launchers) {
  std::vector<std::string> found;
  std::error_code ec;
  auto it = std::filesystem::recursive_directory_iterator(
      "/sys/fs/cgroup", std::filesystem::directory_options::skip_permission_denied, ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    const std::string name = it->path().filename();
    for (const char* prefix : {"cloister-", "sandbox-"}) {
      if (name.rfind(prefix, 0) != 0) continue;
      const auto digits = name.substr(std::string(prefix).size());
      const pid_t pid = static_cast<pid_t>(std::atol(digits.c_str()));
      if (launchers.count(pid)) found.push_back(it->path());
    }
  }
  return found;
}

// While it lives, this process adopts the orphans of what it starts.
class Subreaper {
 public:
  Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
  ~Subreaper() {
    for (const auto& d : descendants()) ::kill(d.pid, SIGKILL);
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  }
  Subreaper(const Subreaper&) = delete;
  Subreaper& operator=(const Subreaper&) = delete;

  // Reaps until nothing of ours is left, or the deadline; returns what is still there
  // (then killed, by pid, and reaped, so the next run starts clean).
  std::vector<Descendant> settle(milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      while (::waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      auto left = descendants();
      if (left.empty()) return left;
      if (Clock::now() >= deadline) {
        for (const auto& d : left) ::kill(d.pid, SIGKILL);
        std::this_thread::sleep_for(milliseconds(100));
        while (::waitpid(-1, nullptr, WNOHANG) > 0) {
        }
        return left;
      }
      std::this_thread::sleep_for(milliseconds(2));
    }
  }
};

pid_t spawn(const Argv& argv, char* const* env = environ) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct Config {
  std::string name;
  Argv options;
  std::string needs;  // why it cannot run here, empty when it can
};

bool pasta_works() {
  auto r = run(sandbox({"--net=pasta"}, {"exit", "0"}));
  return r.exit_code == 0;
}

std::vector<Config> configs() {
  const bool root = is_root();
  const bool pasta = pasta_works();
  const std::string no_root = root ? "" : "creating cgroups and mapping id ranges need root here";
  const std::string no_pasta = pasta ? "" : "pasta cannot start here (/dev/net/tun)";
  std::vector<Config> list = {
      {"plain", {}, ""},
      {"cgroup", {"--memory-max", "64M", "--pids-max", "64"}, no_root},
      {"uid-map+cgroup",
       {"--uid-map", "0:100000:65536", "--gid-map", "0:100000:65536", "--pids-max", "64"},
       no_root},
      {"pasta", {"--net=pasta"}, no_pasta},
      {"pasta+cgroup",
       {"--net=pasta", "--pids-max", "64"},
       pasta && root ? "" : no_root + no_pasta},
  };
  return list;
}

TEST(KilledLauncher, LeavesNothingAtAnyMomentOfItsStart) {
  Subreaper reaper;
  const char* seed_text = std::getenv("CLOISTER_KILL_SEED");
  const unsigned seed = seed_text ? static_cast<unsigned>(std::atol(seed_text))
                                  : static_cast<unsigned>(Clock::now().time_since_epoch().count());
  std::mt19937 random(seed);
  constexpr int kRunsPerVariant = 10;
  std::set<pid_t> launchers;
  int runs = 0, stuck = 0;
  std::string report;
  for (const auto& config : configs()) {
    if (!config.needs.empty()) {
      std::fprintf(stderr, "note: config %s skipped: %s\n", config.name.c_str(),
                   config.needs.c_str());
      continue;
    }
    for (bool die_with_parent : {false, true}) {
      Argv options = config.options;
      if (die_with_parent) options.push_back("--die-with-parent");
      // How long one start takes here: kill points are spread over it.
      const auto begin = Clock::now();
      const pid_t calibration = spawn(sandbox(options, {"exit", "0"}));
      ASSERT_GT(calibration, 0);
      EXPECT_EQ(wait_exit(calibration), 0) << config.name;
      const auto start_us =
          std::chrono::duration_cast<microseconds>(Clock::now() - begin).count() + 1;
      reaper.settle(seconds(10));
      std::uniform_int_distribution<long> delay(0, start_us);
      for (int i = 0; i < kRunsPerVariant; ++i) {
        const pid_t launcher = spawn(sandbox(options, {"sleep", "0.1"}));
        ASSERT_GT(launcher, 0);
        launchers.insert(launcher);
        std::this_thread::sleep_for(microseconds(delay(random)));
        ::kill(launcher, SIGKILL);
        wait_exit(launcher);
        ++runs;
        auto left = reaper.settle(seconds(10));
        if (!left.empty()) {
          ++stuck;
          report += config.name + (die_with_parent ? " --die-with-parent" : "") + ": " +
                    describe(left) + "\n";
        }
      }
    }
  }
  const auto cgroups = cgroups_of(launchers);
  std::fprintf(stderr, "kill test: %d runs (seed %u), %d left processes, %zu left cgroups\n", runs,
               seed, stuck, cgroups.size());
  EXPECT_EQ(stuck, 0) << "left behind (pid state name):\n" << report << "seed " << seed;
  EXPECT_TRUE(cgroups.empty()) << cgroups.front() << " (seed " << seed << ")";
}

// Setups that fail once pasta runs, and pasta that fails itself, end with nothing left too.
TEST(KilledLauncher, FailuresAfterPastaStartedLeaveNothing) {
  if (!pasta_works()) GTEST_SKIP() << "pasta cannot start here (/dev/net/tun)";
  Subreaper reaper;
  // A child-side setup failure (remounting a directory that is no mount point) comes after
  // pasta configured the sandbox's network.
  const pid_t failing =
      spawn(sandbox({"--net=pasta", "--dir", "/plain", "--remount-ro", "/plain"}, {"exit", "0"}));
  ASSERT_GT(failing, 0);
  EXPECT_EQ(wait_exit(failing), 125);
  auto left = reaper.settle(seconds(10));
  EXPECT_TRUE(left.empty()) << describe(left);
}

// pasta failing to start, after leaving a process of its own behind (as a daemonizing
// program may): the error is reported and nothing stays. A stand-in pasta found first in
// PATH plays the part.
TEST(KilledLauncher, PastaFailingToStartLeavesNothing) {
  Subreaper reaper;
  TempDir bin;
  bin.write("pasta",
            "#!/bin/sh\n(exec sleep 60 </dev/null >/dev/null 2>&1 &)\n"
            "echo 'stand-in pasta: cannot configure the namespace' >&2\nexit 1\n",
            0755);
  std::vector<std::string> env_text = {"PATH=" + bin.path() + ":/usr/bin:/bin"};
  std::vector<char*> env;
  for (auto& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);
  const pid_t refused = spawn(sandbox({"--net=pasta"}, {"exit", "0"}), env.data());
  ASSERT_GT(refused, 0);
  EXPECT_EQ(wait_exit(refused), 125);
  auto left = reaper.settle(seconds(10));
  EXPECT_TRUE(left.empty()) << describe(left);
  // The message names what pasta said.
  auto said = run(sandbox({"--net=pasta"}, {"exit", "0"}), [&] {
    RunOptions o;
    o.env = env_text;
    return o;
  }());
  EXPECT_EQ(said.exit_code, 125) << said.describe();
  EXPECT_NE(said.err.find("stand-in pasta: cannot configure the namespace"), std::string::npos)
      << said.describe();
  left = reaper.settle(seconds(10));
  EXPECT_TRUE(left.empty()) << describe(left);
}

// A normal end, COMMAND killed, and cloister stopped with SIGTERM: pasta and the keeper are
// gone when cloister has exited, not some time later.
TEST(KilledLauncher, PastaIsGoneWhenCloisterExits) {
  if (!pasta_works()) GTEST_SKIP() << "pasta cannot start here (/dev/net/tun)";
  Subreaper reaper;
  for (const Argv& probe : {Argv{"exit", "0"}, Argv{"kill-self", "9"}}) {
    const pid_t launcher = spawn(sandbox({"--net=pasta"}, probe));
    ASSERT_GT(launcher, 0);
    wait_exit(launcher);
    auto left = descendants();
    EXPECT_TRUE(left.empty()) << probe[0] << ": " << describe(left);
    reaper.settle(seconds(5));
  }
  const pid_t launcher = spawn(sandbox({"--net=pasta"}, {"sleep", "30"}));
  ASSERT_GT(launcher, 0);
  std::this_thread::sleep_for(milliseconds(300));
  ::kill(launcher, SIGTERM);
  EXPECT_EQ(wait_exit(launcher), 128 + SIGTERM);
  auto left = descendants();
  EXPECT_TRUE(left.empty()) << "SIGTERM: " << describe(left);
  reaper.settle(seconds(5));
}

}  // namespace
}  // namespace cloister_it
