// The sandbox's own cgroup: limits hold inside, the host and cloister survive, and nothing
// is left in the cgroup tree afterwards. Creating cgroups needs root here (the controllers
// sit on v1 hierarchies owned by root, not delegated): the unprivileged run checks the
// refusal instead.
#include <dirent.h>
#include <gtest/gtest.h>

#include "harness.hpp"

namespace cloister_it {
namespace {

// The cgroups of the cloister process `pid` anywhere under the cgroup mounts: cloister names
// them cloister-<pid>... or sandbox-<pid>... Other cloisters' cgroups (other tests, other
// users of the machine) are not this test's business.
std::vector<std::string> leftover_cgroups(pid_t pid) {
  const std::string id = std::to_string(pid);
  auto ours = [&id](const std::string& name) {
    for (const std::string prefix : {"cloister-", "sandbox-"}) {
      const std::string head = prefix + id;
      if (name.compare(0, head.size(), head) == 0 &&
          (name.size() == head.size() || name[head.size()] == '-'))
        return true;
    }
    return false;
  };
  std::vector<std::string> found;
  std::vector<std::string> todo = {"/sys/fs/cgroup"};
  while (!todo.empty() && found.size() < 50) {
    const std::string dir = todo.back();
    todo.pop_back();
    DIR* d = ::opendir(dir.c_str());
    if (!d) continue;
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (e->d_type != DT_DIR || name == "." || name == "..") continue;
      const std::string path = dir + "/" + name;
      if (ours(name)) found.push_back(path);
      if (todo.size() < 10000) todo.push_back(path);
    }
    ::closedir(d);
  }
  return found;
}

// A sandbox run with the PID of its cloister, which names its cgroups.
struct Tracked {
  RunResult result;
  pid_t pid;
};

Tracked run_tracked(const Argv& options, const Argv& probe_args, const RunOptions& run = {}) {
  Process p(sandbox(options, probe_args), run);
  const pid_t pid = p.pid();
  return {p.finish(), pid};
}

#define REQUIRE_ROOT()                                                                           \
  if (::geteuid() != 0)                                                                          \
  GTEST_SKIP() << "creating cgroups needs root here (not delegated); the refusal is checked by " \
                  "Cgroup.UnprivilegedCallerIsToldAboutDelegation"

TEST(Cgroup, ForkLoopStopsAtPidsMax) {
  REQUIRE_ROOT();
  auto [r, pid] = run_tracked({"--pids-max", "12"}, {"fork-until-fail", "200"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("fork-error"), "EAGAIN") << r.describe();
  EXPECT_LE(std::stoi(r.value("forks")), 12) << r.describe();
  EXPECT_TRUE(leftover_cgroups(pid).empty());
}

TEST(Cgroup, MemoryHogIsOomKilledAndReported) {
  REQUIRE_ROOT();
  auto [status_read, status_write] = make_pipe();
  auto [r, pid] = run_tracked(
      {"--memory-max", "48M", "--memory-swap-max", "48M", "--as-pid-1", "--json-status-fd", "5"},
      {"alloc", "400"}, with_fds({{5, status_write.get()}}));
  status_write.reset();
  const std::string status = read_all(status_read.get(), milliseconds(2000));
  EXPECT_EQ(r.exit_code, 128 + SIGKILL) << r.describe();
  EXPECT_FALSE(r.find("alloc")) << r.describe();
  auto values = json_numbers(status);
  ASSERT_TRUE(values.count("oom-kills")) << status;
  EXPECT_GE(values["oom-kills"], 1) << status;
  ASSERT_TRUE(values.count("memory-peak")) << status;
  EXPECT_LE(values["memory-peak"], 48LL << 20) << status;
  EXPECT_TRUE(leftover_cgroups(pid).empty());
}

// tmpfs pages written inside the sandbox are charged to its memory cgroup.
TEST(Cgroup, FillingATmpfsIsContainedByMemoryMax) {
  REQUIRE_ROOT();
  auto [r, pid] = run_tracked({"--memory-max", "32M", "--memory-swap-max", "32M", "--as-pid-1",
                               "--size", "512M", "--tmpfs", "/t"},
                              {"fill", "/t/big", std::to_string(200L << 20)});
  EXPECT_NE(r.value("fill:/t/big"), "ok") << r.describe();
  EXPECT_TRUE(r.exit_code == 128 + SIGKILL || r.exit_code == 1) << r.describe();
  EXPECT_TRUE(leftover_cgroups(pid).empty());
}

TEST(Cgroup, CpuQuotaHolds) {
  REQUIRE_ROOT();
  auto r = run_sandbox({"--cpus", "0.25"}, {"spin", "1200"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const int cpu_ms = std::stoi(r.value("cpu-ms"));
  EXPECT_GT(cpu_ms, 150) << r.describe();
  EXPECT_LT(cpu_ms, 450) << "a quarter CPU for 1.2 s is ~300 ms\n" << r.describe();
}

TEST(Cgroup, NothingLeftAfterInitIsKilled) {
  REQUIRE_ROOT();
  auto [info_read, info_write] = make_pipe();
  RunOptions options = with_fds({{5, info_write.get()}});
  Process p(
      sandbox({"--pids-max", "50", "--info-fd", "5"}, {"spawn-sleepers", "3", "+", "sleep", "30"}),
      options);
  info_write.reset();
  auto values = json_numbers(read_all(info_read.get(), milliseconds(5000)));
  ASSERT_TRUE(values.count("child-pid"));
  ASSERT_FALSE(leftover_cgroups(p.pid()).empty());
  ::kill(static_cast<pid_t>(values["child-pid"]), SIGKILL);
  const pid_t pid = p.pid();
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 128 + SIGKILL) << r.describe();
  EXPECT_TRUE(leftover_cgroups(pid).empty());
}

TEST(Cgroup, UnavailableSettingIsAnErrorOrAWarning) {
  REQUIRE_ROOT();
  // On v1 hierarchies a swap limit needs a memory limit (memsw counts both).
  auto strict = run_sandbox({"--memory-swap-max", "64M"}, {"exit", "0"});
  auto lax = run_sandbox({"--memory-swap-max", "64M", "--cgroup=best-effort"}, {"exit", "0"});
  if (strict.exit_code == 0) GTEST_SKIP() << "this host enforces a swap limit alone (cgroup v2)";
  EXPECT_EQ(strict.exit_code, 125) << strict.describe();
  EXPECT_NE(strict.err.find("swap"), std::string::npos) << strict.describe();
  EXPECT_EQ(lax.exit_code, 0) << lax.describe();
  EXPECT_NE(lax.err.find("cloister: cgroup: "), std::string::npos) << lax.describe();
}

// explain shows the planned cgroup steps; planning only reads the host, so any user sees them.
TEST(Cgroup, ExplainShowsThePlannedSteps) {
  auto r = run({kCloister, "explain", "--memory-max", "100M", "--pids-max", "50", "--", "true"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto at = r.out.find("\ncgroup:\n  version: v");
  ASSERT_NE(at, std::string::npos) << r.out;
  const bool v1 = r.out.compare(at + 20, 5, "v1 hi") == 0;
  EXPECT_NE(r.out.find(v1 ? "  write pids.max = 50  [pids" : "  write pids.max = 50\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(v1 ? "  write memory.limit_in_bytes = 104857600  [memory"
                          : "  write memory.max = 104857600\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(v1 ? "  child enters: attached after clone"
                          : "  child enters: born inside (clone3 CLONE_INTO_CGROUP)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  mkdir /"), std::string::npos) << r.out;

  auto json = run({kCloister, "explain", "--json", "--pids-max", "50", "--", "true"});
  ASSERT_EQ(json.exit_code, 0) << json.describe();
  EXPECT_NE(json.out.find("\"cgroup\": {\"creates\": true, \"version\": "), std::string::npos)
      << json.out;
  EXPECT_NE(json.out.find("\"files\": [\"pids.max\"], \"values\": [\"50\"]"), std::string::npos)
      << json.out;

  auto none = run({kCloister, "explain", "--", "true"});
  EXPECT_EQ(none.out.find("\ncgroup:"), std::string::npos) << "no limits, no cgroup\n" << none.out;
}

// `cloister run` puts the sandbox's directories where explain said, one per planned hierarchy.
TEST(Cgroup, RunMakesTheDirectoriesExplainPlanned) {
  REQUIRE_ROOT();
  const Argv limits = {"--pids-max", "50", "--memory-max", "256M"};
  Argv explain = {kCloister, "explain"};
  explain.insert(explain.end(), limits.begin(), limits.end());
  explain.insert(explain.end(), {"--", "true"});
  auto planned = run(explain);
  ASSERT_EQ(planned.exit_code, 0) << planned.describe();
  std::vector<std::string> patterns;  // "<parent>/cloister-" up to the launcher's pid
  std::size_t required = 0;
  for (const auto& line : lines_of(planned.out)) {
    if (line.rfind("  mkdir ", 0) != 0) continue;
    const auto pid_at = line.find("<launcher pid>");
    ASSERT_NE(pid_at, std::string::npos) << line;
    patterns.push_back(line.substr(8, pid_at - 8));
    if (line.find("figures only") == std::string::npos) ++required;
  }
  ASSERT_FALSE(patterns.empty()) << planned.out;

  auto [info_read, info_write] = make_pipe();
  Argv options = limits;
  options.insert(options.end(), {"--info-fd", "5"});
  Process p(sandbox(options, {"spawn-sleepers", "1", "+", "sleep", "30"}),
            with_fds({{5, info_write.get()}}));
  info_write.reset();
  std::string info;  // pretty-printed: the first line is "{", the second the child's pid
  for (int i = 0; i < 2; ++i) info += read_line(info_read.get(), milliseconds(5000)) + "\n";
  auto values = json_numbers(info + "}");
  ASSERT_TRUE(values.count("child-pid"));
  const auto made = leftover_cgroups(p.pid());
  std::size_t matched_required = 0;
  for (const auto& dir : made) {
    bool matched = false;
    for (std::size_t i = 0; i < patterns.size(); ++i)
      if (dir.rfind(patterns[i] + std::to_string(p.pid()) + "-", 0) == 0) matched = true;
    EXPECT_TRUE(matched) << dir << " is not where explain said:\n" << planned.out;
    matched_required += matched;
  }
  EXPECT_GE(matched_required, required) << planned.out;
  ::kill(static_cast<pid_t>(values["child-pid"]), SIGKILL);
  const pid_t pid = p.pid();
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 128 + SIGKILL) << r.describe();
  EXPECT_TRUE(leftover_cgroups(pid).empty());
}

TEST(Cgroup, UnprivilegedCallerIsToldAboutDelegation) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may create cgroups; this checks the refusal";
  auto r = run_sandbox({"--pids-max", "10"}, {"exit", "0"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("delegated"), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace cloister_it
