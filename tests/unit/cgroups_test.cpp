// cgroups::Sandbox against the real cgroup filesystem, carrying out plans made from this host.
// Creating cgroups needs root (or a delegated subtree), so the tests of real limits skip for other
// users and say so; the delegation message is checked as uid 65534 in every run (a forked child
// drops to it).
#include "isolate/cgroups.hpp"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "kernel/syscalls.hpp"

namespace cloister {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr uid_t kNobody = 65534;
constexpr std::uint64_t kMiB = 1ULL << 20;
// A safety net on every process the tests fork: nothing outlives a failed or killed test run.
constexpr unsigned kChildAlarmSeconds = 60;

#define SKIP_UNLESS_ROOT()                                                                    \
  do {                                                                                        \
    if (::geteuid() != 0)                                                                     \
      GTEST_SKIP() << "creating cgroups needs root or a delegated subtree; this test checks " \
                      "real limits and runs as root";                                         \
  } while (0)

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

bool gone(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) != 0 && errno == ENOENT;
}

// The file `name` in whichever of the sandbox's directories has it (v1: one per hierarchy).
std::string file_of(const cgroups::Sandbox& sb, const std::string& name) {
  for (const auto& dir : sb.paths())
    if (!gone(dir + "/" + name)) return dir + "/" + name;
  return "";
}

bool listed(const std::string& procs_file, pid_t pid) {
  std::istringstream in(read_file(procs_file));
  for (long p = 0; in >> p;)
    if (p == pid) return true;
  return false;
}

bool host_has_swap() {
  std::ifstream in("/proc/swaps");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  return lines > 1;  // a header line, then one line per swap area
}

// A forked child that runs `body` only once the test has attached it (a byte on the go pipe),
// so everything it does is inside the cgroup. `body` may report through result_fd. The
// destructor kills and reaps it on every path.
class Child {
 public:
  template <class Body>
  explicit Child(Body body) {
    int go[2], result[2];
    if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(result, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::alarm(kChildAlarmSeconds);
      ::close(go[1]);
      ::close(result[0]);
      char byte = 0;
      if (::read(go[0], &byte, 1) != 1) ::_exit(120);
      ::_exit(body(result[1]));
    }
    ::close(go[0]);
    ::close(result[1]);
    go_ = go[1];
    result_ = result[0];
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (go_ >= 0) ::close(go_);
    if (result_ >= 0) ::close(result_);
  }

  pid_t pid() const { return pid_; }
  bool go() { return ::write(go_, "g", 1) == 1; }

  // Reads exactly `size` bytes the child reported, waiting at most `timeout`.
  bool read_result(void* out, std::size_t size, milliseconds timeout) {
    pollfd p{result_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
    return ::read(result_, out, size) == static_cast<ssize_t>(size);
  }

  // The wait status once the child ended, at most `timeout` from now; nullopt if still running.
  std::optional<int> wait(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        return status;
      }
      if (r < 0 || Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(milliseconds(5));
    }
  }

 private:
  pid_t pid_ = -1;
  int go_ = -1;
  int result_ = -1;
  bool reaped_ = false;
};

int sleep_until_killed(int) {
  for (int i = 0; i < static_cast<int>(kChildAlarmSeconds); ++i) ::sleep(1);
  return 0;
}

bool killed_by_sigkill(const std::optional<int>& status) {
  return status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
}

// Planned from this host as `cloister run` plans it, then made; what best effort left out
// lands in `warnings` as the launcher says it.
Result<cgroups::Sandbox> make(const CgroupPolicy& limits, std::vector<std::string>& warnings,
                              const std::string& parent = "", bool best_effort = false) {
  CgroupPolicy policy = limits;
  policy.parent = parent;
  policy.best_effort = best_effort;
  auto plan = plan_cgroup(policy, 0, real_cgroup_host());
  if (!plan) return plan.take_error();
  for (const auto& d : plan->dropped) warnings.push_back("cgroup: " + d);
  return cgroups::Sandbox::create(*plan, warnings);
}

TEST(CgroupSandbox, LimitsAreWrittenAndKillRemovesEverything) {
  SKIP_UNLESS_ROOT();
  CgroupPolicy limits;
  limits.pids_max = 20;
  limits.memory_max = 64 * kMiB;
  limits.cpu_quota_us = 50000;
  limits.cpu_period_us = 100000;
  std::vector<std::string> warnings;
  auto sb = make(limits, warnings);
  ASSERT_TRUE(sb.ok()) << sb.error().message();
  EXPECT_TRUE(warnings.empty());
  ASSERT_FALSE(sb->paths().empty());

  EXPECT_EQ(read_file(file_of(*sb, "pids.max")), "20");
  if (sb->version() == CgroupVersion::V2) {
    EXPECT_EQ(read_file(file_of(*sb, "memory.max")), std::to_string(64 * kMiB));
    EXPECT_EQ(read_file(file_of(*sb, "cpu.max")), "50000 100000");
    EXPECT_GE(sb->clone_into_fd(), 0);
  } else {
    EXPECT_EQ(read_file(file_of(*sb, "memory.limit_in_bytes")), std::to_string(64 * kMiB));
    EXPECT_EQ(read_file(file_of(*sb, "cpu.cfs_quota_us")), "50000");
    EXPECT_EQ(read_file(file_of(*sb, "cpu.cfs_period_us")), "100000");
    EXPECT_EQ(sb->clone_into_fd(), -1);
  }

  Child child(sleep_until_killed);
  ASSERT_GT(child.pid(), 0);
  auto attached = sb->attach(child.pid());
  ASSERT_TRUE(attached.ok()) << attached.error().message();
  for (const auto& dir : sb->paths())
    EXPECT_TRUE(listed(dir + "/cgroup.procs", child.pid())) << dir;

  const auto paths = sb->paths();
  auto removed = sb->kill_and_remove();
  ASSERT_TRUE(removed.ok()) << removed.error().message();
  EXPECT_TRUE(killed_by_sigkill(child.wait(milliseconds(2000))));
  for (const auto& dir : paths) EXPECT_TRUE(gone(dir)) << dir;
  EXPECT_TRUE(sb->kill_and_remove().ok()) << "a second call is a no-op";
  EXPECT_FALSE(sb->attach(::getpid()).ok()) << "attaching to a removed cgroup must fail";
}

// The fork loop: the child reports how many forks worked and the errno of the one that failed.
struct ForkReport {
  int forks;
  int err;
};

int fork_until_refused(int result_fd) {
  ForkReport report{0, 0};
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (report.forks < 200 && Clock::now() < deadline) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      report.err = errno;
      break;
    }
    if (pid == 0) {
      ::alarm(kChildAlarmSeconds);
      for (;;) ::pause();
    }
    ++report.forks;
  }
  if (::write(result_fd, &report, sizeof report) != sizeof report) return 121;
  return sleep_until_killed(result_fd);
}

TEST(CgroupSandbox, ForkLoopStopsAtPidsMax) {
  SKIP_UNLESS_ROOT();
  CgroupPolicy limits;
  limits.pids_max = 20;
  std::vector<std::string> warnings;
  auto sb = make(limits, warnings);
  ASSERT_TRUE(sb.ok()) << sb.error().message();

  Child child(fork_until_refused);
  ASSERT_GT(child.pid(), 0);
  ASSERT_TRUE(sb->attach(child.pid()).ok());
  ASSERT_TRUE(child.go());
  ForkReport report{};
  ASSERT_TRUE(child.read_result(&report, sizeof report, milliseconds(10000)))
      << "no report from the fork loop";
  EXPECT_EQ(report.err, EAGAIN) << "forks: " << report.forks << ", " << std::strerror(report.err);
  EXPECT_LT(report.forks, 20) << "the child itself counts against pids.max=20";

  auto removed = sb->kill_and_remove();
  ASSERT_TRUE(removed.ok()) << removed.error().message();
  EXPECT_TRUE(killed_by_sigkill(child.wait(milliseconds(2000))));
}

// Touches up to 512 MiB in 16 MiB steps; exits 0 only if nothing stopped it.
int allocate_until_killed(int) {
  for (int step = 0; step < 32; ++step) {
    void* block =
        ::mmap(nullptr, 16 * kMiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) return 122;
    std::memset(block, 0x5a, 16 * kMiB);
  }
  return 0;
}

TEST(CgroupSandbox, MemoryHogIsOomKilled) {
  SKIP_UNLESS_ROOT();
  CgroupPolicy limits;
  limits.memory_max = 64 * kMiB;
  if (host_has_swap()) limits.memory_swap_max = 0;  // else the hog swaps instead of dying
  std::vector<std::string> warnings;
  auto sb = make(limits, warnings);
  ASSERT_TRUE(sb.ok()) << sb.error().message();

  Child child(allocate_until_killed);
  ASSERT_GT(child.pid(), 0);
  ASSERT_TRUE(sb->attach(child.pid()).ok());
  ASSERT_TRUE(child.go());
  const auto status = child.wait(milliseconds(30000));
  ASSERT_TRUE(status.has_value()) << "the memory hog still runs after 30 s";
  EXPECT_TRUE(killed_by_sigkill(status)) << "status " << *status;

  const auto stats = sb->stats();
  if (stats.oom_kills)
    EXPECT_GE(*stats.oom_kills, 1u);
  else
    std::cout << "[ note ] this kernel reports no oom_kill counter for the cgroup\n";
  if (stats.memory_peak_bytes) {
    EXPECT_GT(*stats.memory_peak_bytes, 16 * kMiB);
    EXPECT_LE(*stats.memory_peak_bytes, 64 * kMiB);
  }
  ASSERT_TRUE(sb->kill_and_remove().ok());
  const auto after = sb->stats();
  EXPECT_EQ(after.oom_kills, stats.oom_kills)
      << "stats() answers from the last reading after removal";
}

TEST(CgroupSandbox, DestructorCleansUpAfterEarlyReturn) {
  SKIP_UNLESS_ROOT();
  Child child(sleep_until_killed);
  ASSERT_GT(child.pid(), 0);
  std::vector<std::string> paths;
  // An early return (no kill_and_remove) with the child still running in the cgroup.
  auto run = [&]() -> bool {
    CgroupPolicy limits;
    limits.pids_max = 50;
    std::vector<std::string> warnings;
    auto sb = make(limits, warnings);
    if (!sb.ok()) {
      ADD_FAILURE() << sb.error().message();
      return false;
    }
    paths = sb->paths();
    if (!sb->attach(child.pid()).ok()) return false;
    return true;
  };
  ASSERT_TRUE(run());
  ASSERT_FALSE(paths.empty());
  for (const auto& dir : paths) EXPECT_TRUE(gone(dir)) << dir;
  EXPECT_TRUE(killed_by_sigkill(child.wait(milliseconds(2000))));
}

TEST(CgroupSandbox, AssigningOverALiveSandboxRemovesIt) {
  SKIP_UNLESS_ROOT();
  CgroupPolicy limits;
  limits.pids_max = 50;
  std::vector<std::string> warnings;
  auto a = make(limits, warnings);
  auto b = make(limits, warnings);
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(b.ok()) << b.error().message();
  const auto old_paths = a->paths();
  const auto new_paths = b->paths();
  ASSERT_NE(old_paths, new_paths) << "two sandboxes of one process need distinct names";
  *a = std::move(*b);
  for (const auto& dir : old_paths) EXPECT_TRUE(gone(dir)) << dir;
  for (const auto& dir : new_paths) EXPECT_FALSE(gone(dir)) << dir;
  EXPECT_EQ(a->paths(), new_paths);
  EXPECT_TRUE(b->paths().empty());
  ASSERT_TRUE(a->kill_and_remove().ok());
  for (const auto& dir : new_paths) EXPECT_TRUE(gone(dir)) << dir;
}

// Waits (bounded) until `counter` is past `above`.
bool advances(const volatile std::uint64_t* counter, std::uint64_t above) {
  const auto deadline = Clock::now() + milliseconds(3000);
  while (*counter <= above && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(5));
  return *counter > above;
}

// The freezer of both kinds this host may have: the v1 freezer hierarchy (an OCI container,
// every_v1_hierarchy, on a v1 host) and cgroup v2's cgroup.freeze (a sandbox without limits in
// the v2 mount). A frozen child's counter stops, a thawed one goes on, and a frozen sandbox is
// still killed and removed (v1 holds a SIGKILL until the thaw).
TEST(CgroupSandbox, FreezeStopsEveryProcessThawResumesAndAFrozenOneIsKilled) {
  SKIP_UNLESS_ROOT();
  void* shared = ::mmap(nullptr, sizeof(std::uint64_t), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(shared, MAP_FAILED) << std::strerror(errno);
  auto* counter = static_cast<volatile std::uint64_t*>(shared);
  for (bool every_v1_hierarchy : {true, false}) {
    SCOPED_TRACE(every_v1_hierarchy ? "every_v1_hierarchy" : "no limits");
    *counter = 0;
    CgroupPolicy policy;
    policy.own = true;
    policy.every_v1_hierarchy = every_v1_hierarchy;
    std::vector<std::string> warnings;
    auto sb = make(policy, warnings);
    ASSERT_TRUE(sb.ok()) << sb.error().message();
    const auto freezer = cgroups::freezer_of(sb->paths());
    ASSERT_FALSE(freezer.empty()) << "no freezer among " << sb->paths().front();
    EXPECT_FALSE(cgroups::is_frozen(freezer));
    Child child([counter](int) {
      for (;;) {
        *counter = *counter + 1;
        ::usleep(1000);
      }
      return 0;
    });
    ASSERT_GT(child.pid(), 0);
    ASSERT_TRUE(sb->attach(child.pid()).ok());
    ASSERT_TRUE(child.go());
    ASSERT_TRUE(advances(counter, 0));

    auto st = cgroups::set_frozen(freezer, true);
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_TRUE(cgroups::is_frozen(freezer));
    const std::uint64_t frozen_at = *counter;
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_EQ(*counter, frozen_at) << "a frozen process ran";
    st = cgroups::set_frozen(freezer, false);
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_FALSE(cgroups::is_frozen(freezer));
    EXPECT_TRUE(advances(counter, frozen_at)) << "the thawed process does not run";

    st = cgroups::set_frozen(freezer, true);
    ASSERT_TRUE(st.ok()) << st.error().message();
    const auto paths = sb->paths();
    st = sb->kill_and_remove();
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_TRUE(killed_by_sigkill(child.wait(milliseconds(3000))));
    for (const auto& dir : paths) EXPECT_TRUE(gone(dir)) << dir;
  }
  ::munmap(shared, sizeof(std::uint64_t));
}

// Without limits no controller is needed, so a cgroup v2 mount (even one without controllers,
// as on hybrid hosts) holds the sandbox, and clone3 can start the child inside it.
TEST(CgroupSandbox, V2CloneIntoCgroupAndCleanup) {
  SKIP_UNLESS_ROOT();
  std::vector<std::string> warnings;
  auto sb = make(CgroupPolicy{}, warnings);
  ASSERT_TRUE(sb.ok()) << sb.error().message();
  if (sb->version() != CgroupVersion::V2) GTEST_SKIP() << "this host has no cgroup v2 mount";
  const std::string leaf = sb->paths().at(0);
  const std::string holder = leaf.substr(0, leaf.rfind('/'));
  EXPECT_EQ(holder.substr(holder.rfind('/') + 1), "cloister");
  ASSERT_GE(sb->clone_into_fd(), 0);

  uapi::CloneArgs args{};
  args.flags = CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<std::uint64_t>(sb->clone_into_fd());
  const pid_t pid = sys::clone3(args);
  if (pid == 0) {
    ::alarm(kChildAlarmSeconds);
    for (;;) ::pause();
  }
  ASSERT_GT(pid, 0) << std::strerror(errno);
  EXPECT_TRUE(listed(leaf + "/cgroup.procs", pid));
  EXPECT_TRUE(sb->stats().cpu_usec.has_value()) << "cpu.stat is a core file on v2";

  ASSERT_TRUE(sb->kill_and_remove().ok());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_TRUE(gone(leaf));
  // The shared holder goes with its last sandbox, unless another cloister run still uses it.
  if (!gone(holder)) std::cout << "[ note ] " << holder << " still holds another sandbox\n";
}

TEST(CgroupSandbox, BogusParentIsAClearError) {
  CgroupPolicy limits;
  limits.pids_max = 20;
  std::vector<std::string> warnings;
  auto sb = make(limits, warnings, "/cloister-test-no-such-parent/x");
  ASSERT_FALSE(sb.ok());
  EXPECT_EQ(sb.error().err, ENOENT);
  const auto text = sb.error().message();
  EXPECT_NE(text.find("/cloister-test-no-such-parent/x"), std::string::npos) << text;
  EXPECT_NE(text.find("--cgroup-parent"), std::string::npos) << text;
}

TEST(CgroupSandbox, OutOfRangeWeightsAreRefused) {
  CgroupPolicy limits;
  limits.cpu_weight = 0;
  std::vector<std::string> warnings;
  auto sb = make(limits, warnings);
  ASSERT_FALSE(sb.ok());
  EXPECT_EQ(sb.error().err, EINVAL);
  EXPECT_NE(sb.error().hint.find("10000"), std::string::npos) << sb.error().message();
}

// io weight needs a proportional I/O scheduler; a host without one gets an error naming the
// controller, or with best effort a warning, never a silent no-op.
TEST(CgroupSandbox, MissingControllerFileIsNamedOrWarned) {
  SKIP_UNLESS_ROOT();
  CgroupPolicy limits;
  limits.io_weight = 200;
  std::vector<std::string> warnings;
  auto strict = make(limits, warnings);
  if (strict.ok()) {
    const auto applied =
        !file_of(*strict, "io.weight").empty() || !file_of(*strict, "io.bfq.weight").empty() ||
        !file_of(*strict, "blkio.weight").empty() || !file_of(*strict, "blkio.bfq.weight").empty();
    EXPECT_TRUE(applied) << "created without any io weight file";
    GTEST_SKIP() << "this host has an io weight file, so nothing is missing";
  }
  EXPECT_NE(strict.error().message().find("controller '"), std::string::npos)
      << strict.error().message();
  EXPECT_NE(strict.error().message().find("io"), std::string::npos) << strict.error().message();

  warnings.clear();
  auto lenient = make(limits, warnings, "", true);
  ASSERT_TRUE(lenient.ok()) << lenient.error().message();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("controller '"), std::string::npos) << warnings[0];
}

// cgroup v1 has no swap-only limit (memsw caps memory + swap), so a swap limit alone is refused
// there with the reason, or dropped with a warning under best effort.
TEST(CgroupSandbox, V1SwapLimitNeedsAMemoryLimit) {
  SKIP_UNLESS_ROOT();
  CgroupPolicy limits;
  limits.memory_swap_max = 0;
  std::vector<std::string> warnings;
  auto strict = make(limits, warnings);
  if (strict.ok() && strict->version() == CgroupVersion::V2)
    GTEST_SKIP() << "the memory controller is on cgroup v2 here, which has memory.swap.max";
  ASSERT_FALSE(strict.ok()) << "v1 took a swap limit without a memory limit";
  EXPECT_NE(strict.error().message().find("memsw"), std::string::npos) << strict.error().message();
  auto lenient = make(limits, warnings, "", true);
  ASSERT_TRUE(lenient.ok()) << lenient.error().message();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("memory + swap"), std::string::npos) << warnings[0];
}

// What a user without a delegated cgroup sees: as root the check runs in a child that drops to
// uid 65534, so it runs (and can fail) in every CI run.
struct DelegationReport {
  bool created;
  int err;
  bool hint_says_delegated;
  char message[512];
};

DelegationReport try_create_unprivileged() {
  DelegationReport report{};
  CgroupPolicy limits;
  limits.pids_max = 20;
  std::vector<std::string> warnings;
  auto sb = make(limits, warnings);
  report.created = sb.ok();
  if (!sb.ok()) {
    report.err = sb.error().err;
    report.hint_says_delegated = sb.error().hint.find("not delegated to uid") != std::string::npos;
    std::snprintf(report.message, sizeof report.message, "%s", sb.error().message().c_str());
  }
  return report;
}

TEST(CgroupSandbox, UndelegatedCallerIsToldSo) {
  DelegationReport report{};
  if (::geteuid() != 0) {
    report = try_create_unprivileged();
  } else {
    Child child([](int fd) {
      if (::setgroups(0, nullptr) != 0 || ::setresgid(kNobody, kNobody, kNobody) != 0 ||
          ::setresuid(kNobody, kNobody, kNobody) != 0)
        return 123;
      const auto r = try_create_unprivileged();
      return ::write(fd, &r, sizeof r) == sizeof r ? 0 : 124;
    });
    ASSERT_GT(child.pid(), 0);
    ASSERT_TRUE(child.go());
    ASSERT_TRUE(child.read_result(&report, sizeof report, milliseconds(10000)))
        << "no report from uid 65534";
    const auto status = child.wait(milliseconds(5000));
    ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  }
  if (report.created)
    GTEST_SKIP() << "uid " << (::geteuid() ? ::geteuid() : kNobody) << " has a delegated cgroup";
  EXPECT_TRUE(report.err == EACCES || report.err == EPERM) << report.message;
  EXPECT_TRUE(report.hint_says_delegated) << report.message;
}

}  // namespace
}  // namespace cloister
