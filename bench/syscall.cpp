// Seccomp overhead benchmark: the cost per call of getppid(), ioctl(FIONREAD) on a pipe and
// socket(AF_UNIX)+close with no filter, with cloister's filter (libseccomp's binary tree) and
// with the same policy compiled the usual way (libseccomp's default linear shape). Each
// configuration runs in its own forked child (a filter cannot be removed), the configurations
// interleaved round by round. See bench/README.md.

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "seccomp/emulator.hpp"
#include "isolate/seccomp.hpp"
#include "seccomp/filter.hpp"

namespace {

using cloister::SeccompAction;
using cloister::SeccompCondition;
using cloister::SeccompPolicy;
using cloister::SeccompRule;
namespace seccomp = cloister::seccomp;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_syscall: %s\n", what.c_str());
  std::exit(1);
}

long long now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO: no syscall, not seen by the filter
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// ---- configurations and measured calls ----

// allow-all is a control: a one-instruction filter (return ALLOW). Every syscall under it is in
// the kernel's action cache, so it measures the price of having any filter at all (the syscall
// entry's seccomp work path), the floor for what a cached syscall can cost.
enum Config : int { kNone = 0, kAllowAll = 1, kCloister = 2, kUsual = 3, kConfigs = 4 };
constexpr const char* kConfigName[kConfigs] = {"none", "allow-all", "cloister", "usual"};
constexpr const char* kConfigKey[kConfigs] = {"none", "allowall", "cloister", "usual"};

enum Call : int { kGetppid = 0, kIoctl = 1, kSocket = 2, kCalls = 3 };
constexpr const char* kCallName[kCalls] = {"getppid", "ioctl FIONREAD", "socket+close"};
constexpr const char* kCallKey[kCalls] = {"getppid", "ioctl", "socket"};

struct Options {
  double scale = 1.0;
  int rounds = 7;
  int cpu = -1;  // pin the children to this CPU; -1: no pinning
};

void usage(const char* argv0) {
  std::printf(
      "usage: %s [--iterations-scale F] [--rounds R] [--cpu N]\n"
      "  --iterations-scale F  multiply the iteration counts (2,000,000 for getppid and ioctl,\n"
      "                        200,000 for socket+close) by F (default 1)\n"
      "  --rounds R            rounds, each running every configuration once (default 7)\n"
      "  --cpu N               pin the measuring children to CPU N (default: no pinning)\n",
      argv0);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--iterations-scale") {
        o.scale = std::stod(value());
        if (!(o.scale > 0) || o.scale > 1000)
          die("--iterations-scale: expected a number in (0, 1000]");
      } else if (a == "--rounds") {
        o.rounds = std::stoi(value());
        if (o.rounds < 1 || o.rounds > 1000) die("--rounds: expected 1 to 1000");
      } else if (a == "--cpu") {
        o.cpu = std::stoi(value());
        if (o.cpu < 0 || o.cpu >= CPU_SETSIZE) die("--cpu: bad CPU number");
      } else if (a == "-h" || a == "--help") {
        usage(argv[0]);
        std::exit(0);
      } else {
        usage(argv[0]);
        die("unknown option " + a);
      }
    } catch (const std::logic_error&) {
      die(a + ": not a number");
    }
  }
  return o;
}

// ---- the child: install, warm up, time ----

struct Sample {
  double ns[kCalls] = {};
  double insns[kCalls] = {};  // NaN when no counter
  int perf_errno = 0;         // 0: counter open
  int perf_user_errno = 0;  // after EACCES/EPERM: a user-only counter, to tell whether a PMU exists
  char error[160] = {};     // non-empty: the child failed
};

// Hardware instructions of this process, user and kernel. Opened before the filter is
// installed: cloister's default policy denies perf_event_open.
int open_instruction_counter(int& err, bool exclude_kernel = false) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = PERF_COUNT_HW_INSTRUCTIONS;
  attr.exclude_user = 0;
  attr.exclude_kernel = exclude_kernel ? 1 : 0;
  attr.exclude_hv = 1;
  const int fd =
      static_cast<int>(::syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
  err = fd < 0 ? errno : 0;
  return fd;
}

std::uint64_t read_counter(int fd) {
  std::uint64_t v = 0;
  if (fd < 0 || ::read(fd, &v, sizeof v) != static_cast<ssize_t>(sizeof v)) return 0;
  return v;
}

std::string seccomp_status() {
  std::ifstream in("/proc/self/status");
  std::string line, mode, filters;
  while (std::getline(in, line)) {
    if (line.rfind("Seccomp:", 0) == 0) mode = line.substr(line.find_first_not_of(" \t", 8));
    if (line.rfind("Seccomp_filters:", 0) == 0)
      filters = line.substr(line.find_first_not_of(" \t", 16));
  }
  return mode + "/" + filters;
}

template <class F>
void time_call(Sample& s, int call, long iterations, int counter, F&& f) {
  const long warmup = std::max(1000L, iterations / 20);
  for (long i = 0; i < warmup; ++i) f();
  const std::uint64_t c0 = read_counter(counter);
  const long long t0 = now_ns();
  for (long i = 0; i < iterations; ++i) f();
  const long long t1 = now_ns();
  const std::uint64_t c1 = read_counter(counter);
  s.ns[call] = static_cast<double>(t1 - t0) / static_cast<double>(iterations);
  s.insns[call] =
      counter >= 0 ? static_cast<double>(c1 - c0) / static_cast<double>(iterations) : NAN;
}

Sample run_child(Config config, const seccomp::Program* program, const long iterations[kCalls],
                 int cpu) {
  Sample s;
  auto fail = [&](const std::string& what) {
    std::snprintf(s.error, sizeof s.error, "%s", what.c_str());
    return s;
  };
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (::sched_setaffinity(0, sizeof set, &set) != 0)
      return fail(std::string("sched_setaffinity: ") + std::strerror(errno));
  }
  const int counter = open_instruction_counter(s.perf_errno);
  if (s.perf_errno == EACCES || s.perf_errno == EPERM) {
    // Only to explain the n/a: user-only counts would leave out the kernel work measured here.
    const int user_only = open_instruction_counter(s.perf_user_errno, true);
    if (user_only >= 0) ::close(user_only);
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return fail(std::string("PR_SET_NO_NEW_PRIVS: ") + std::strerror(errno));
  if (program) {
    auto st = seccomp::install(*program);
    if (!st) return fail(st.error().message());
  }
  // The filter must be in force (the policy's own socket layer refuses AF_PACKET), and absent
  // from the unfiltered child (a bench run inside a sandbox would measure nothing useful).
  const std::string status = seccomp_status();
  if (config == kNone && status.rfind("0/", 0) != 0)
    return fail("the unfiltered child already has a filter (" + status +
                "): run outside any sandbox");
  if (config != kNone && status != "2/1")
    return fail("Seccomp/Seccomp_filters is " + status + ", expected 2/1");
  if (config == kCloister || config == kUsual) {
    errno = 0;
    const int probe = ::socket(AF_PACKET, SOCK_DGRAM, 0);
    if (probe >= 0 || errno != EPERM) {
      if (probe >= 0) ::close(probe);
      return fail("socket(AF_PACKET) was not refused with EPERM: the filter is not in force");
    }
  }

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(std::string("pipe2: ") + std::strerror(errno));
  int n = 0;
  if (::ioctl(fds[0], FIONREAD, &n) != 0)
    return fail(std::string("ioctl(FIONREAD): ") + std::strerror(errno));
  const int probe = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  if (probe < 0) return fail(std::string("socket(AF_UNIX): ") + std::strerror(errno));
  ::close(probe);

  time_call(s, kGetppid, iterations[kGetppid], counter, [] { (void)::getppid(); });
  time_call(s, kIoctl, iterations[kIoctl], counter, [&] { (void)::ioctl(fds[0], FIONREAD, &n); });
  bool socket_failed = false;
  time_call(s, kSocket, iterations[kSocket], counter, [&] {
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd < 0)
      socket_failed = true;
    else
      ::close(fd);
  });
  if (socket_failed) return fail("socket(AF_UNIX) failed during the timed loop");
  return s;
}

Sample measure(Config config, const seccomp::Program* program, const long iterations[kCalls],
               int cpu) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) die(std::string("pipe2: ") + std::strerror(errno));
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(p[0]);
    const Sample s = run_child(config, program, iterations, cpu);
    const bool written = ::write(p[1], &s, sizeof s) == static_cast<ssize_t>(sizeof s);
    ::_exit(written ? 0 : 1);
  }
  ::close(p[1]);
  Sample s;
  std::size_t got = 0;
  while (got < sizeof s) {
    const ssize_t r = ::read(p[0], reinterpret_cast<char*>(&s) + got, sizeof s - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  ::close(p[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != sizeof s || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    char how[64];
    if (WIFSIGNALED(status))
      std::snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
    else
      std::snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
    die(std::string("child for '") + kConfigName[config] + "' gave no result (" + how + ")");
  }
  if (s.error[0]) die(std::string("child for '") + kConfigName[config] + "': " + s.error);
  return s;
}

// ---- the filters' paths, emulated ----

// What a filter does with one call: the classic BPF instructions it runs (the kernel's
// interpreter or JIT runs the same sequence) and the action it returns. `cached` applies the
// kernel's own rule (seccomp_is_const_allow, kernel/seccomp.c): a syscall whose path, with
// only nr and arch known, reaches RETURN ALLOW through loads of nr/arch, JA, JEQ/JGT/JGE/JSET
// with constants and AND is marked allowed in the per-filter bitmap at install time, and such
// calls never run the filter.
struct Path {
  bool ok = false;
  int executed = 0;
  std::uint32_t action = 0;
  bool cached = false;
  std::string error;
};

Path run_filter(const std::vector<sock_filter>& code, int nr, const std::uint64_t (&args)[6]) {
  seccomp_data d{};
  d.nr = nr;
  d.arch = AUDIT_ARCH_X86_64;
  d.instruction_pointer = 0x7f0000001000ULL;
  for (int i = 0; i < 6; ++i) d.args[i] = args[i];
  const auto v = cloister::seccomp::emulate(code, d);
  Path p;
  p.ok = v.valid;
  p.executed = v.executed;
  p.action = v.action | v.data;
  p.cached = cloister::seccomp::kernel_caches_allow(code, nr, AUDIT_ARCH_X86_64);
  if (!v.valid) p.error = "malformed program";
  return p;
}

std::string action_text(std::uint32_t action) {
  switch (action & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_ALLOW: return "ALLOW";
    case SECCOMP_RET_ERRNO: return "ERRNO(" + std::to_string(action & SECCOMP_RET_DATA) + ")";
    case SECCOMP_RET_KILL_PROCESS: return "KILL_PROCESS";
    case SECCOMP_RET_KILL_THREAD: return "KILL_THREAD";
    case SECCOMP_RET_TRAP: return "TRAP";
    case SECCOMP_RET_LOG: return "LOG";
    default: return "0x" + std::to_string(action);
  }
}

// ---- statistics and output ----

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

std::string read_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return "unreadable";
  return line;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::string errno_name(int err) {
  const char* name = err == ENOENT       ? "ENOENT"
                     : err == EACCES     ? "EACCES"
                     : err == EPERM      ? "EPERM"
                     : err == ENODEV     ? "ENODEV"
                     : err == EOPNOTSUPP ? "EOPNOTSUPP"
                     : err == ENOSYS     ? "ENOSYS"
                                         : nullptr;
  return name ? name : std::to_string(err);
}

std::string perf_reason(int err, int user_err) {
  std::string out = "perf_event_open: " + errno_name(err) + " - " + std::strerror(err);
  if (err == ENOENT || err == EOPNOTSUPP)
    out += "; no hardware PMU for instructions (usual in a VM without vPMU)";
  else if (err == EACCES || err == EPERM)
    out += "; kernel.perf_event_paranoid=" + read_line("/proc/sys/kernel/perf_event_paranoid") +
           " forbids counting kernel instructions for this user";
  if ((err == EACCES || err == EPERM) && user_err == 0)
    out += " (a user-only counter opens: the PMU exists)";
  else if ((err == EACCES || err == EPERM) && user_err != 0)
    out += " (a user-only counter fails too: " + errno_name(user_err) +
           (user_err == ENOENT || user_err == EOPNOTSUPP ? ", no hardware PMU)" : ")");
  return out;
}

std::string fmt(double v, int decimals) {
  if (std::isnan(v)) return "NA";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse_options(argc, argv);
  const long base_iterations[kCalls] = {2000000, 2000000, 200000};
  long iterations[kCalls];
  for (int c = 0; c < kCalls; ++c)
    iterations[c] = std::max(1L, std::lround(static_cast<double>(base_iterations[c]) * opt.scale));

  // The policy: cloister's default denylist plus a layer refusing AF_PACKET sockets, so that
  // socket's path in the filter has an argument comparison (ioctl has TIOCSTI/TIOCLINUX).
  SeccompPolicy policy;
  policy.layers.push_back({SeccompRule{"socket",
                                       {SeccompCondition{0, SeccompCondition::Op::Eq, AF_PACKET}},
                                       SeccompAction{SeccompAction::Kind::Errno, EPERM},
                                       "bench_syscall"}});
  auto cloister_filter = seccomp::compile(policy, seccomp::CompileOptions{.binary_tree = true});
  if (!cloister_filter) die("compile (binary tree): " + cloister_filter.error().message());
  auto usual_filter = seccomp::compile(policy, seccomp::CompileOptions{.binary_tree = false});
  if (!usual_filter) die("compile (usual): " + usual_filter.error().message());
  const seccomp::Compiled* compiled[kConfigs] = {nullptr, nullptr, &*cloister_filter,
                                                 &*usual_filter};
  seccomp::Program allow_all;
  allow_all.code.push_back(sock_filter BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  const seccomp::Program* programs[kConfigs] = {nullptr, &allow_all, &cloister_filter->program,
                                                &usual_filter->program};

  std::string reproduce = argv[0];
  {
    char buf[64];
    std::snprintf(buf, sizeof buf, " --iterations-scale %g --rounds %d", opt.scale, opt.rounds);
    reproduce += buf;
    if (opt.cpu >= 0) reproduce += " --cpu " + std::to_string(opt.cpu);
  }
  utsname u{};
  ::uname(&u);
  std::printf("reproduce: %s   (uid %u)\n", reproduce.c_str(), static_cast<unsigned>(::getuid()));
  std::printf("machine: %s %s %s, %ld CPUs, %s\n", u.sysname, u.release, u.machine,
              ::sysconf(_SC_NPROCESSORS_ONLN), cpu_model().c_str());
  std::printf("spec_store_bypass: %s; bpf_jit_enable: %s\n",
              read_line("/sys/devices/system/cpu/vulnerabilities/spec_store_bypass").c_str(),
              read_line("/proc/sys/net/core/bpf_jit_enable").c_str());
  std::printf(
      "iterations: getppid %ld, ioctl %ld, socket+close %ld; rounds %d (configurations "
      "interleaved, order rotated each round)\n",
      iterations[kGetppid], iterations[kIoctl], iterations[kSocket], opt.rounds);
  std::printf("policy: base \"default\" + layer {socket: errno:EPERM if arg0 == AF_PACKET}\n\n");
  std::printf("%-34s %12s %8s %22s %6s %9s\n", "filter", "BPF insns", "allowed",
              "allowed-conditionally", "known", "entries");
  const char* filter_label[kConfigs] = {"none", "allow-all", "cloister  (binary_tree = true)",
                                        "usual     (binary_tree = false)"};
  std::printf("%-34s %12zu %8s %22s %6s %9s\n", "allow-all (control: ret ALLOW)",
              allow_all.code.size(), "all", "-", "-", "-");
  for (int c = kCloister; c < kConfigs; ++c)
    std::printf("%-34s %12zu %8zu %22zu %6zu %9zu\n", filter_label[c],
                compiled[c]->program.code.size(), compiled[c]->allowed,
                compiled[c]->allowed_conditionally, compiled[c]->known,
                compiled[c]->entries.size());
  std::printf("\n");

  // The path each measured syscall takes through each filter.
  struct Probe {
    const char* name;
    int nr;
    std::uint64_t args[6];
  };
  const Probe probes[] = {
      {"getppid", SYS_getppid, {0, 0, 0, 0, 0, 0}},
      {"ioctl FIONREAD", SYS_ioctl, {3, FIONREAD, 0x7ffc12345678ULL, 0, 0, 0}},
      {"socket(AF_UNIX)", SYS_socket, {AF_UNIX, SOCK_DGRAM, 0, 0, 0, 0}},
      {"close", SYS_close, {4, 0, 0, 0, 0, 0}},
      {"socket(AF_PACKET)", SYS_socket, {AF_PACKET, SOCK_DGRAM, 0, 0, 0, 0}},
  };
  std::printf(
      "filter paths: BPF instructions run / action / in the kernel's action cache (then the filter "
      "is not run)\n");
  std::printf("%-10s", "filter");
  for (const auto& pr : probes) std::printf(" %-20s", pr.name);
  std::printf("\n");
  for (int k = kAllowAll; k < kConfigs; ++k) {
    std::printf("%-10s", kConfigName[k]);
    for (const auto& pr : probes) {
      const Path path = run_filter(programs[k]->code, pr.nr, pr.args);
      const std::string cell = path.ok ? std::to_string(path.executed) + " " +
                                             action_text(path.action) +
                                             (path.cached ? " cached" : " run")
                                       : "? (" + path.error + ")";
      std::printf(" %-20s", cell.c_str());
    }
    std::printf("\n");
  }
  std::printf("\n");

  std::vector<double> ns[kConfigs][kCalls], insns[kConfigs][kCalls];
  int perf_errno = 0, perf_user_errno = 0;
  const long long start = now_ns();
  for (int r = 0; r < opt.rounds; ++r) {
    for (int k = 0; k < kConfigs; ++k) {
      const auto config = static_cast<Config>((k + r) % kConfigs);
      const Sample s = measure(config, programs[config], iterations, opt.cpu);
      perf_errno = s.perf_errno;
      perf_user_errno = s.perf_user_errno;
      for (int c = 0; c < kCalls; ++c) {
        ns[config][c].push_back(s.ns[c]);
        insns[config][c].push_back(s.insns[c]);
      }
    }
    if (::isatty(STDERR_FILENO)) std::fprintf(stderr, "round %d/%d done\n", r + 1, opt.rounds);
  }
  const double elapsed = static_cast<double>(now_ns() - start) / 1e9;

  double med[kConfigs][kCalls], lo[kConfigs][kCalls], hi[kConfigs][kCalls], ins[kConfigs][kCalls];
  for (int k = 0; k < kConfigs; ++k)
    for (int c = 0; c < kCalls; ++c) {
      med[k][c] = median(ns[k][c]);
      lo[k][c] = *std::min_element(ns[k][c].begin(), ns[k][c].end());
      hi[k][c] = *std::max_element(ns[k][c].begin(), ns[k][c].end());
      ins[k][c] = perf_errno == 0 ? median(insns[k][c]) : NAN;
    }
  // Per-round ratios (the configurations of one round ran back to back): their range.
  auto ratio_range = [&](int a, int b, int c) {
    double mn = INFINITY, mx = -INFINITY;
    for (int r = 0; r < opt.rounds; ++r) {
      const double q =
          ns[a][c][static_cast<std::size_t>(r)] / ns[b][c][static_cast<std::size_t>(r)];
      mn = std::min(mn, q);
      mx = std::max(mx, q);
    }
    return fmt(med[a][c] / med[b][c], 3) + " [" + fmt(mn, 2) + "-" + fmt(mx, 2) + "]";
  };

  std::printf("ns/call: median of %d rounds [min-max]\n", opt.rounds);
  std::printf("%-15s %-22s %-22s %-22s %-22s\n", "syscall", "none", "allow-all", "cloister",
              "usual");
  for (int c = 0; c < kCalls; ++c) {
    std::printf("%-15s", kCallName[c]);
    for (int k = 0; k < kConfigs; ++k) {
      const std::string cell =
          fmt(med[k][c], 1) + " [" + fmt(lo[k][c], 1) + "-" + fmt(hi[k][c], 1) + "]";
      std::printf(" %-22s", cell.c_str());
    }
    std::printf("\n");
  }
  std::printf("\nratios of medians [range of the per-round ratios]\n");
  std::printf("%-15s %-22s %-22s %-22s %-22s\n", "syscall", "cloister/none", "cloister/usual",
              "usual/none", "cloister/allow-all");
  for (int c = 0; c < kCalls; ++c)
    std::printf("%-15s %-22s %-22s %-22s %-22s\n", kCallName[c],
                ratio_range(kCloister, kNone, c).c_str(), ratio_range(kCloister, kUsual, c).c_str(),
                ratio_range(kUsual, kNone, c).c_str(),
                ratio_range(kCloister, kAllowAll, c).c_str());
  std::printf("\ninstructions/call (user+kernel): ");
  if (perf_errno != 0) {
    std::printf("n/a (%s)\n", perf_reason(perf_errno, perf_user_errno).c_str());
  } else {
    std::printf("median of %d rounds\n", opt.rounds);
    std::printf("%-15s %-12s %-12s %-12s %-12s\n", "syscall", "none", "allow-all", "cloister",
                "usual");
    for (int c = 0; c < kCalls; ++c)
      std::printf("%-15s %-12s %-12s %-12s %-12s\n", kCallName[c], fmt(ins[kNone][c], 0).c_str(),
                  fmt(ins[kAllowAll][c], 0).c_str(), fmt(ins[kCloister][c], 0).c_str(),
                  fmt(ins[kUsual][c], 0).c_str());
  }
  std::printf("\nwall time of the measured rounds: %.1f s\n", elapsed);

  std::printf(
      "RESULT getppid_cloister_over_none=%.3f ioctl_cloister_over_usual=%.3f "
      "socket_cloister_over_usual=%.3f",
      med[kCloister][kGetppid] / med[kNone][kGetppid], med[kCloister][kIoctl] / med[kUsual][kIoctl],
      med[kCloister][kSocket] / med[kUsual][kSocket]);
  std::printf(
      " getppid_usual_over_none=%.3f getppid_cloister_over_allowall=%.3f "
      "ioctl_cloister_over_none=%.3f"
      " socket_cloister_over_none=%.3f",
      med[kUsual][kGetppid] / med[kNone][kGetppid],
      med[kCloister][kGetppid] / med[kAllowAll][kGetppid],
      med[kCloister][kIoctl] / med[kNone][kIoctl], med[kCloister][kSocket] / med[kNone][kSocket]);
  for (int k = 0; k < kConfigs; ++k)
    for (int c = 0; c < kCalls; ++c)
      std::printf(" %s_%s_ns=%.1f", kCallKey[c], kConfigKey[k], med[k][c]);
  for (int k = kCloister; k < kConfigs; ++k)
    std::printf(" %s_bpf_insns=%zu", kConfigName[k], compiled[k]->program.code.size());
  std::printf(" instructions=%s rounds=%d uid=%u\n", perf_errno == 0 ? "measured" : "NA",
              opt.rounds, static_cast<unsigned>(::getuid()));
  return 0;
}
