// What the benchmarks share: the clock, spawning with stderr kept for a failure report, the
// machine's load while timing, the host's /lib /lib64 /bin /sbin layout, and the statistics
// (percentiles, medians, bootstrap over paired rounds). See bench/README.md.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <random>
#include <string>
#include <vector>

extern char** environ;

namespace bench {

using Argv = std::vector<std::string>;

// The benchmark's name in its messages; each main() sets it.
inline const char* program = "bench";

[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program, what.c_str());
  std::exit(1);
}

[[noreturn]] inline void die_errno(const std::string& what) {
  die(what + ": " + std::strerror(errno));
}

inline long long now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

inline void sleep_us(long us) {
  timespec ts{us / 1000000, (us % 1000000) * 1000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

inline std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_./=:,+@%") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += '\'';
  return out;
}

inline std::string join_argv(const Argv& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += shell_quote(a);
  }
  return out;
}

inline Argv concat(Argv a, const Argv& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline std::string loadavg() {
  char buf[128] = {};
  int fd = ::open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "?";
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  std::string s(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  // the three averages only
  std::size_t end = 0;
  for (int i = 0; i < 3 && end != std::string::npos; ++i) end = s.find(' ', end + (i ? 1 : 0));
  return end == std::string::npos ? s : s.substr(0, end);
}

// How busy the machine was while the rounds ran, and how much of that was ours: CPU time
// outside the measured processes is other load, or kernel workers finishing our sandboxes
// (network namespace cleanup runs in a kworker, after the sandboxed process has exited).
struct CpuSnapshot {
  double wall_s = 0, busy_s = 0, ours_s = 0;

  static CpuSnapshot take() {
    CpuSnapshot c;
    c.wall_s = static_cast<double>(now_ns()) / 1e9;
    if (FILE* f = std::fopen("/proc/stat", "re")) {
      unsigned long long v[10] = {};
      if (std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                      &v[4], &v[5], &v[6], &v[7]) == 8) {
        const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
        // user nice system [idle iowait] irq softirq steal
        c.busy_s = static_cast<double>(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tick;
      }
      std::fclose(f);
    }
    for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
      rusage ru{};
      ::getrusage(who, &ru);
      c.ours_s += static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    }
    return c;
  }
};

inline void report_cpu(const CpuSnapshot& a, const CpuSnapshot& b) {
  const double cpus = static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN));
  const double capacity = (b.wall_s - a.wall_s) * cpus;
  if (capacity <= 0) return;
  const double busy = (b.busy_s - a.busy_s) / capacity * 100;
  const double ours = (b.ours_s - a.ours_s) / capacity * 100;
  std::printf(
      "CPU while timing: %.0f%% of %.0f CPUs busy, %.0f%% in the measured processes, "
      "%.0f%% elsewhere (kernel workers, other load)\n",
      busy, cpus, ours, std::max(0.0, busy - ours));
}

inline bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// PATH lookup for a helper such as unshare(1); empty if not found.
inline std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
  std::size_t pos = 0;
  while (pos <= dirs.size()) {
    auto colon = dirs.find(':', pos);
    if (colon == std::string::npos) colon = dirs.size();
    std::string dir = dirs.substr(pos, colon - pos);
    pos = colon + 1;
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + name;
    if (executable(candidate)) return candidate;
  }
  for (const char* dir : {"/usr/bin", "/bin", "/usr/sbin", "/sbin"}) {
    const std::string candidate = std::string(dir) + "/" + name;
    if (executable(candidate)) return candidate;
  }
  return "";
}

template <class Int>
Int parse_number(const std::string& option, const std::string& text, Int min) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || value < min)
    die(option + " expects a number >= " + std::to_string(min) + ", got '" + text + "'");
  return value;
}

// A seed short enough to retype, from the clock and the random device.
inline std::uint64_t fresh_seed() {
  std::random_device rd;
  const std::uint64_t seed =
      (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ static_cast<std::uint64_t>(now_ns());
  return seed % 1000000000ULL;
}

// /lib, /lib64, /bin, /sbin mirrored from the host, as sandbox options: a symlink stays a
// symlink (merged /usr), a real directory is bound read-only, a missing one is left out.
inline Argv host_root_links() {
  Argv o;
  for (const char* name : {"lib", "lib64", "bin", "sbin"}) {
    const std::string path = std::string("/") + name;
    char target[4096];
    const ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    if (n > 0) {
      o.insert(o.end(), {"--symlink", std::string(target, static_cast<std::size_t>(n)), path});
      continue;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      o.insert(o.end(), {"--ro-bind", path, path});
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// Spawning

// stdin and stdout are /dev/null; stderr goes to a per-command memfd (O_APPEND, truncated
// before each run outside the timed window) so a failure can show what the command said.
class Spawner {
 public:
  Spawner() {
    devnull_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull_ < 0) die_errno("open /dev/null");
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_init(&attr_);
    posix_spawnattr_setsigmask(&attr_, &empty);
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGMASK);
  }
  ~Spawner() {
    posix_spawnattr_destroy(&attr_);
    ::close(devnull_);
  }
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;

  static int make_stderr_sink(const std::string& name) {
    int fd = ::memfd_create(("stderr-" + name).c_str(), MFD_CLOEXEC);
    if (fd < 0) die_errno("memfd_create");
    if (::fcntl(fd, F_SETFL, O_APPEND) != 0) die_errno("fcntl(O_APPEND)");
    return fd;
  }

  // Starts argv with fds 0,1 on /dev/null and fd 2 on err_fd; returns the pid.
  pid_t spawn(const std::vector<char*>& argv, int err_fd) const {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, devnull_, 0);
    posix_spawn_file_actions_adddup2(&fa, devnull_, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &fa, &attr_, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      errno = rc;
      die_errno(std::string("posix_spawn ") + argv[0]);
    }
    return pid;
  }

 private:
  int devnull_ = -1;
  posix_spawnattr_t attr_{};
};

inline int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) die_errno("waitpid");
  }
  return status;
}

// Zombies of orphaned descendants that were reparented to us (when we are a subreaper).
inline void reap_orphans() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

inline std::string read_fd_text(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  off_t off = 0;
  while ((n = ::pread(fd, buf, sizeof buf, off)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
    off += n;
  }
  return out;
}

inline std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "stopped";
}

// ---------------------------------------------------------------------------------------
// Processes: what /proc says about the ones a bench started and their descendants

struct ProcStat {
  pid_t pid = 0;
  pid_t ppid = 0;
  unsigned long long start = 0;  // starttime, to tell a reused pid apart
  std::string comm;
};

inline std::optional<ProcStat> read_stat(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  // pid (comm) state ppid ... field 22 is starttime; comm may hold spaces and parentheses.
  char* open = std::strchr(buf, '(');
  char* close = std::strrchr(buf, ')');
  if (!open || !close || close < open) return std::nullopt;
  ProcStat s;
  s.pid = pid;
  s.comm.assign(open + 1, close);
  std::vector<std::string> fields;  // fields[0] is state (field 3)
  for (char* p = close + 2; *p;) {
    char* end = std::strchr(p, ' ');
    fields.emplace_back(p, end ? end : p + std::strlen(p));
    if (!end) break;
    p = end + 1;
  }
  if (fields.size() < 20) return std::nullopt;
  s.ppid = static_cast<pid_t>(std::strtol(fields[1].c_str(), nullptr, 10));
  s.start = std::strtoull(fields[19].c_str(), nullptr, 10);
  return s;
}

// Children of `pid`: /proc/PID/task/*/children where the kernel has it (CONFIG_PROC_CHILDREN),
// otherwise a scan of /proc for processes whose parent is `pid`.
inline std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* tasks = ::opendir(task_dir.c_str())) {
    bool have_children_file = false;
    while (dirent* t = ::readdir(tasks)) {
      if (t->d_name[0] == '.') continue;
      const std::string file = task_dir + "/" + t->d_name + "/children";
      int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      have_children_file = true;
      char buf[4096];
      const ssize_t n = ::read(fd, buf, sizeof buf - 1);
      ::close(fd);
      if (n <= 0) continue;
      buf[n] = '\0';
      for (char* p = buf; *p;) {
        char* end = nullptr;
        const long child = std::strtol(p, &end, 10);
        if (end == p) break;
        out.push_back(static_cast<pid_t>(child));
        p = end;
        while (*p == ' ' || *p == '\n') ++p;
      }
    }
    ::closedir(tasks);
    if (have_children_file) return out;
  }
  DIR* proc = ::opendir("/proc");
  if (!proc) die_errno("opendir /proc");
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const pid_t p = static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10));
    auto st = read_stat(p);
    if (st && st->ppid == pid) out.push_back(p);
  }
  ::closedir(proc);
  return out;
}

// ---------------------------------------------------------------------------------------
// Statistics

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

inline double median(const std::vector<double>& v) { return percentile(v, 0.5); }

inline std::string fmt(int decimals, double v) {
  if (std::isnan(v)) return "NA";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// The bootstrap: 2000 resamples of whole rounds. Every series holds one sample per round
// (all ran once in each round), so resampling rounds keeps them paired. Returns, for each
// series, its median in each resample: intervals of medians and of their ratios are
// percentiles of these.
inline std::vector<std::vector<double>> resampled_medians(
    const std::vector<const std::vector<double>*>& series, std::size_t rounds, std::uint64_t seed) {
  constexpr int kResamples = 2000;
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
  std::uniform_int_distribution<std::size_t> pick(0, rounds - 1);
  std::vector<std::vector<double>> out(series.size());
  std::vector<std::size_t> idx(rounds);
  std::vector<double> sample(rounds);
  for (int b = 0; b < kResamples; ++b) {
    for (auto& i : idx) i = pick(rng);
    for (std::size_t s = 0; s < series.size(); ++s) {
      for (std::size_t k = 0; k < rounds; ++k) sample[k] = (*series[s])[idx[k]];
      out[s].push_back(median(sample));
    }
  }
  return out;
}

struct Interval {
  double lo = NAN, hi = NAN;
};

// 95% interval of num/den, from their medians in the same resamples.
inline Interval ratio_interval(const std::vector<double>& num_medians,
                               const std::vector<double>& den_medians) {
  std::vector<double> draws;
  for (std::size_t b = 0; b < num_medians.size() && b < den_medians.size(); ++b)
    draws.push_back(num_medians[b] / den_medians[b]);
  return {percentile(draws, 0.025), percentile(draws, 0.975)};
}

inline Interval median_interval(const std::vector<double>& medians) {
  return {percentile(medians, 0.025), percentile(medians, 0.975)};
}

}  // namespace bench
