// Group benchmark: how long `cloister supervise` takes until N trivial services are all
// ready, against N sequential `cloister run` spawns in the same rounds, and the manager's
// resident memory while the N services run. See bench/README.md.

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common.hpp"

#ifndef CLOISTER_BIN
#define CLOISTER_BIN "cloister"
#endif

namespace {

using namespace bench;

// ---------------------------------------------------------------------------------------
// Options

struct Options {
  int services = 200;
  int rounds = 10;
  int warmup = 1;
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::string cloister = CLOISTER_BIN;
  std::string service_program = "/bin/sleep";  // run by every service, with argument 1000
  std::string spawn_program = "/bin/true";     // run by each sequential `cloister run`
  int timeout_s = 300;                         // a group not all ready by then is a failure
  std::string csv;
};

void usage(const char* argv0) {
  std::printf(
      "usage: %s [--services N] [--rounds N] [--warmup N] [--seed S] [--cloister PATH]\n"
      "          [--timeout S] [--csv PATH]\n"
      "  --services N     services in the group, and sequential spawns per round (default 200)\n"
      "  --rounds N       measured rounds; each runs the group once and the N spawns once,\n"
      "                   in a shuffled order (default 10)\n"
      "  --warmup N       uncounted rounds first (default 1)\n"
      "  --seed S         seed of the per-round order (default: from the clock; printed)\n"
      "  --cloister PATH  cloister binary (default the one this was built with)\n"
      "  --timeout S      seconds a group may take to be all ready, or to stop (default 300)\n"
      "  --csv PATH       also write one line per measured round to PATH\n",
      argv0);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(arg + " takes an argument");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      usage(argv[0]);
      std::exit(0);
    } else if (arg == "--services") {
      o.services = parse_number<int>(arg, value(), 1);
    } else if (arg == "--rounds") {
      o.rounds = parse_number<int>(arg, value(), 1);
    } else if (arg == "--warmup") {
      o.warmup = parse_number<int>(arg, value(), 0);
    } else if (arg == "--seed") {
      o.seed = parse_number<std::uint64_t>(arg, value(), 0);
      o.seed_given = true;
    } else if (arg == "--cloister") {
      o.cloister = value();
    } else if (arg == "--timeout") {
      o.timeout_s = parse_number<int>(arg, value(), 1);
    } else if (arg == "--csv") {
      o.csv = value();
    } else {
      usage(argv[0]);
      die("unknown option '" + arg + "'");
    }
  }
  if (!o.seed_given) o.seed = fresh_seed();
  return o;
}

// ---------------------------------------------------------------------------------------
// The group file

// A private directory for the group file, removed at exit (also when a failure ends the
// bench through exit()). Under /tmp, so that an unprivileged run (uid 65534) can read what
// it wrote.
std::string temp_dir, group_file;

void remove_group_file() {
  if (!group_file.empty()) ::unlink(group_file.c_str());
  if (!temp_dir.empty()) ::rmdir(temp_dir.c_str());
}

void make_temp_dir() {
  char templ[] = "/tmp/bench-supervise-XXXXXX";
  if (!::mkdtemp(templ)) die_errno("mkdtemp /tmp/bench-supervise-XXXXXX");
  temp_dir = templ;
  group_file = temp_dir + "/group.toml";
  std::atexit(remove_group_file);
}

std::string service_name(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "benchsv%03d", i);
  return name;
}

// N services of cloister run's default sandbox (no profile), each `PROGRAM 1000`, ready once
// COMMAND was executed, each under its own uid from the range (as root; an unprivileged
// caller's services all run under its uid).
std::string group_text(const Options& o) {
  std::string t = "[group]\nname = \"bench\"\nshutdown-timeout = " + std::to_string(o.timeout_s) +
                  "\nuid-range = { first = 200000, count = " + std::to_string(o.services) + " }\n";
  for (int i = 0; i < o.services; ++i)
    t += "\n[service." + service_name(i) + "]\ncommand = [\"" + o.service_program +
         "\", \"1000\"]\nready = \"none\"\n";
  return t;
}

void write_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) die_errno("create " + path);
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    die_errno("write " + path);
  ::close(fd);
}

// ---------------------------------------------------------------------------------------
// Spawning with a status descriptor

constexpr int kStatusFd = 3;

// argv with stdin/stdout on /dev/null, stderr on err_fd and, if status_fd >= 0, that pipe
// as fd 3 in the child.
pid_t spawn_with(const Argv& argv, int devnull, int err_fd, int status_fd) {
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, devnull, 0);
  posix_spawn_file_actions_adddup2(&fa, devnull, 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  if (status_fd >= 0) posix_spawn_file_actions_adddup2(&fa, status_fd, kStatusFd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, cargv[0], &fa, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    die_errno("posix_spawn " + argv[0]);
  }
  return pid;
}

// A descriptor numbered above kStatusFd, so that dup2 onto 3 always makes a new one.
int above_status_fd(int fd) {
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
  if (moved < 0) die_errno("fcntl(F_DUPFD_CLOEXEC)");
  ::close(fd);
  return moved;
}

[[noreturn]] void fail(const std::string& what, const Argv& argv, int err_fd) {
  std::fprintf(stderr, "bench_supervise: %s\n  command: %s\n", what.c_str(),
               join_argv(argv).c_str());
  const std::string err = read_fd_text(err_fd);
  if (err.empty())
    std::fprintf(stderr, "  (no output on stderr)\n");
  else
    std::fprintf(stderr, "  its stderr:\n%s%s", err.c_str(), err.back() == '\n' ? "" : "\n");
  std::exit(1);
}

// ---------------------------------------------------------------------------------------
// Memory

struct Memory {
  double vm_rss_kb = NAN, vm_hwm_kb = NAN, rss_anon_kb = NAN, rss_file_kb = NAN;
  double pss_kb = NAN, private_kb = NAN;  // smaps_rollup: Pss, Private_Clean + Private_Dirty
};

double field_kb(const std::string& path, const char* name) {
  FILE* f = std::fopen(path.c_str(), "re");
  if (!f) return NAN;
  char line[256];
  double value = NAN;
  const std::size_t len = std::strlen(name);
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, name, len) == 0 && line[len] == ':') {
      value = std::strtod(line + len + 1, nullptr);
      break;
    }
  }
  std::fclose(f);
  return value;
}

Memory read_memory(pid_t pid) {
  Memory m;
  const std::string base = "/proc/" + std::to_string(pid);
  m.vm_rss_kb = field_kb(base + "/status", "VmRSS");
  m.vm_hwm_kb = field_kb(base + "/status", "VmHWM");
  m.rss_anon_kb = field_kb(base + "/status", "RssAnon");
  m.rss_file_kb = field_kb(base + "/status", "RssFile");
  m.pss_kb = field_kb(base + "/smaps_rollup", "Pss");
  m.private_kb = field_kb(base + "/smaps_rollup", "Private_Clean") +
                 field_kb(base + "/smaps_rollup", "Private_Dirty");
  return m;
}

int count_descendants(pid_t root) {
  int n = 0;
  std::vector<pid_t> queue = {root};
  while (!queue.empty()) {
    const pid_t p = queue.back();
    queue.pop_back();
    for (pid_t c : children_of(p)) {
      ++n;
      queue.push_back(c);
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------
// Cgroups: the directories cloister made must all be gone after each group

// Every directory under /sys/fs/cgroup/*/ (v1 hierarchies and the v2 one) whose path holds
// "cloister", a few levels deep.
void cloister_cgroups(const std::string& dir, int depth, bool inside, std::set<std::string>& out) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.' || e->d_type != DT_DIR) continue;
    const std::string path = dir + "/" + e->d_name;
    const bool ours = inside || std::strstr(e->d_name, "cloister") != nullptr;
    if (ours) out.insert(path);
    if (depth > 0) cloister_cgroups(path, depth - 1, ours, out);
  }
  ::closedir(d);
}

std::set<std::string> cloister_cgroups() {
  std::set<std::string> out;
  cloister_cgroups("/sys/fs/cgroup", 4, false, out);
  return out;
}

// Ours: a service's cgroup (named after the service, "benchsvNNN-...") or the cgroup of one
// of our `cloister run`s ("cloister-PID-..."). Others on the machine may be using the shared
// "cloister" holder and make leaves of their own at the same time: those are not ours.
bool our_cgroup(const std::string& path, const std::set<pid_t>& run_pids) {
  const std::string name = path.substr(path.rfind('/') + 1);
  if (name.rfind("benchsv", 0) == 0) return true;
  if (name.rfind("cloister-", 0) != 0) return false;
  const pid_t pid = static_cast<pid_t>(std::strtol(name.c_str() + 9, nullptr, 10));
  return run_pids.count(pid) != 0;
}

// What is ours and new since `before`, after a grace of up to 2 s (removal may trail exit).
std::vector<std::string> cgroups_left(const std::set<std::string>& before,
                                      const std::set<pid_t>& run_pids) {
  std::vector<std::string> left;
  const long long t0 = now_ns();
  for (;;) {
    left.clear();
    for (const auto& c : cloister_cgroups())
      if (!before.count(c) && our_cgroup(c, run_pids)) left.push_back(c);
    if (left.empty() || now_ns() - t0 > 2000000000LL) return left;
    sleep_us(20000);
  }
}

// ---------------------------------------------------------------------------------------
// One group run

struct GroupRun {
  double first_started_ms = NAN;  // spawn of `cloister supervise` .. first "started"
  double first_ready_ms = NAN;
  double all_ready_ms = NAN;  // .. the Nth "ready": the measured figure
  double stop_ms = NAN;       // SIGTERM .. waitpid
  Memory manager, outer;
  int manager_descendants = 0;
};

// Reads the status pipe until `done(line)` says so or the deadline passes; returns false on
// EOF or timeout. `on_line` sees each complete line with the time it was read.
template <class OnLine>
bool read_events(int fd, std::string& pending, long long deadline_ns, OnLine on_line) {
  for (;;) {
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (on_line(line, now_ns())) return true;
    }
    const long long left_ms = (deadline_ns - now_ns()) / 1000000;
    if (left_ms <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left_ms, 1000)));
    if (r < 0 && errno != EINTR) die_errno("poll");
    if (r <= 0) continue;
    char buf[65536];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die_errno("read status pipe");
    if (n == 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

std::string json_field(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\": ";
  const auto at = line.find(k);
  if (at == std::string::npos) return "";
  auto begin = at + k.size();
  if (begin < line.size() && line[begin] == '"') {
    const auto end = line.find('"', begin + 1);
    return end == std::string::npos ? "" : line.substr(begin + 1, end - begin - 1);
  }
  const auto end = line.find_first_of(",}", begin);
  return line.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

GroupRun run_group(const Options& o, const Argv& argv, int devnull, int err_fd,
                   const std::string& when) {
  if (::ftruncate(err_fd, 0) != 0) die_errno("ftruncate");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) die_errno("pipe2");
  const int status_read = above_status_fd(fds[0]);
  const int status_write = above_status_fd(fds[1]);
  const long long t0 = now_ns();
  const pid_t pid = spawn_with(argv, devnull, err_fd, status_write);
  ::close(status_write);  // EOF once the manager and cloister supervise are gone

  GroupRun run;
  std::set<std::string> started, ready;
  std::string pending, unexpected;
  auto ms_since = [t0](long long t) { return static_cast<double>(t - t0) / 1e6; };
  const long long deadline = t0 + static_cast<long long>(o.timeout_s) * 1000000000LL;
  const bool all_ready =
      read_events(status_read, pending, deadline, [&](const std::string& line, long long t) {
        const std::string event = json_field(line, "event");
        const std::string service = json_field(line, "service");
        if (event == "started") {
          if (started.empty()) run.first_started_ms = ms_since(t);
          started.insert(service);
        } else if (event == "ready") {
          if (ready.empty()) run.first_ready_ms = ms_since(t);
          ready.insert(service);
          if (static_cast<int>(ready.size()) == o.services) {
            run.all_ready_ms = ms_since(t);
            return true;
          }
        } else if (unexpected.empty()) {
          unexpected = line;  // an exit or a restart before all were ready
        }
        return false;
      });
  if (!all_ready) {
    ::kill(pid, SIGTERM);
    const int status = wait_for(pid);
    ::close(status_read);
    fail(when + ": " + std::to_string(ready.size()) + " of " + std::to_string(o.services) +
             " services ready (" + std::to_string(started.size()) + " started)" +
             (unexpected.empty() ? "" : ", event: " + unexpected) + "; cloister supervise " +
             describe_status(status),
         argv, err_fd);
  }

  // All N run now: the manager is the child of cloister supervise named cloister-mgr (the
  // other child, when services have cgroups, is the keeper).
  for (pid_t child : children_of(pid)) {
    auto st = read_stat(child);
    if (!st || st->comm != "cloister-mgr") continue;
    run.manager = read_memory(child);
    run.manager_descendants = count_descendants(child);
  }
  run.outer = read_memory(pid);
  if (std::isnan(run.manager.vm_rss_kb))
    fail(when + ": no child named cloister-mgr under cloister supervise (pid " +
             std::to_string(pid) + ")",
         argv, err_fd);

  // Stop: SIGTERM to the process we started; every service must end, the group exit 0.
  const long long t_stop = now_ns();
  if (::kill(pid, SIGTERM) != 0) die_errno("kill cloister supervise");
  int exited = 0;
  std::string done_line;
  const long long stop_deadline = t_stop + static_cast<long long>(o.timeout_s) * 1000000000LL;
  read_events(status_read, pending, stop_deadline, [&](const std::string& line, long long) {
    const std::string event = json_field(line, "event");
    if (event == "exited") ++exited;
    if (event == "done") done_line = line;
    return false;  // until EOF
  });
  ::close(status_read);
  const int status = wait_for(pid);
  run.stop_ms = static_cast<double>(now_ns() - t_stop) / 1e6;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || exited != o.services ||
      json_field(done_line, "exit-code") != "0")
    fail(when + ": stopping the group: cloister supervise " + describe_status(status) + ", " +
             std::to_string(exited) + " of " + std::to_string(o.services) +
             " services exited, done event: " + (done_line.empty() ? "none" : done_line),
         argv, err_fd);
  reap_orphans();
  return run;
}

// N sequential `cloister run -- PROGRAM`; returns the time from the first spawn to the last
// waitpid, in ms, and fills the per-spawn times.
double run_sequential(const Options& o, const Argv& argv, int devnull, int err_fd,
                      const std::string& when, std::vector<double>& per_spawn_us,
                      std::set<pid_t>& pids) {
  const long long t0 = now_ns();
  for (int i = 0; i < o.services; ++i) {
    if (::ftruncate(err_fd, 0) != 0) die_errno("ftruncate");
    const long long s0 = now_ns();
    const pid_t pid = spawn_with(argv, devnull, err_fd, -1);
    pids.insert(pid);
    const int status = wait_for(pid);
    per_spawn_us.push_back(static_cast<double>(now_ns() - s0) / 1e3);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      fail(when + ", spawn " + std::to_string(i + 1) + ": " + describe_status(status), argv,
           err_fd);
  }
  const double ms = static_cast<double>(now_ns() - t0) / 1e6;
  reap_orphans();
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  bench::program = "bench_supervise";
  const Options opt = parse_options(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // Anything a killed cloister leaves comes back to us to be reaped.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) die_errno("prctl(PR_SET_CHILD_SUBREAPER)");
  if (!executable(opt.cloister))
    die("cloister binary not found or not executable: " + opt.cloister);
  for (const auto& p : {opt.service_program, opt.spawn_program})
    if (!executable(p)) die(p + " not found or not executable");

  make_temp_dir();
  write_file(group_file, group_text(opt));
  const Argv group_argv = {opt.cloister, "supervise", "--status-fd", std::to_string(kStatusFd),
                           group_file};
  const Argv spawn_argv = {opt.cloister, "run", "--", opt.spawn_program};

  utsname uts{};
  ::uname(&uts);
  std::string repro = shell_quote(argv[0]) + " --services " + std::to_string(opt.services) +
                      " --rounds " + std::to_string(opt.rounds) + " --warmup " +
                      std::to_string(opt.warmup) + " --seed " + std::to_string(opt.seed) +
                      " --cloister " + shell_quote(opt.cloister) + " --timeout " +
                      std::to_string(opt.timeout_s);
  if (::geteuid() != 0)
    repro = "setpriv --reuid " + std::to_string(::geteuid()) + " --regid " +
            std::to_string(::getegid()) + " --clear-groups " + repro;
  std::printf(
      "bench_supervise: uid %d, kernel %s, %ld CPUs, %d services, %d rounds + %d warm-up, "
      "seed %llu\n",
      static_cast<int>(::geteuid()), uts.release, ::sysconf(_SC_NPROCESSORS_ONLN), opt.services,
      opt.rounds, opt.warmup, static_cast<unsigned long long>(opt.seed));
  std::printf("reproduce: %s\n", repro.c_str());
  std::printf("  group      %s  (%d x [\"%s\", \"1000\"], ready = \"none\", uid-range 200000+)\n",
              join_argv(group_argv).c_str(), opt.services, opt.service_program.c_str());
  std::printf("  spawns     %d x %s  (one after the other)\n", opt.services,
              join_argv(spawn_argv).c_str());

  const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) die_errno("open /dev/null");
  const int group_err = Spawner::make_stderr_sink("group");
  const int spawn_err = Spawner::make_stderr_sink("spawn");
  FILE* csv = nullptr;
  if (!opt.csv.empty()) {
    csv = std::fopen(opt.csv.c_str(), "we");
    if (!csv) die_errno("open " + opt.csv);
    std::fprintf(csv,
                 "round,group_first,all_ready_ms,first_started_ms,first_ready_ms,stop_ms,"
                 "sequential_ms,manager_vmrss_kb,manager_vmhwm_kb\n");
  }

  const std::set<std::string> cgroups_before = cloister_cgroups();
  std::vector<double> ready_ms, seq_ms, ratio, first_started_ms, stop_ms, spawn_us;
  std::vector<double> mgr_rss, mgr_hwm, mgr_anon, mgr_file, mgr_pss, mgr_private, outer_rss;
  std::vector<int> mgr_procs;
  std::mt19937_64 rng(opt.seed);
  const std::string load_before = loadavg();
  const CpuSnapshot cpu_before = CpuSnapshot::take();
  std::printf("\n%-6s %-6s %12s %12s %8s %10s %10s %10s\n", "round", "first", "ready-all ms",
              (std::to_string(opt.services) + " runs ms").c_str(), "ratio", "stop ms", "mgr VmRSS",
              "mgr VmHWM");
  for (int round = -opt.warmup; round < opt.rounds; ++round) {
    const bool group_first = std::bernoulli_distribution(0.5)(rng);
    const std::string when = round < 0 ? "warm-up round " + std::to_string(round + opt.warmup + 1)
                                       : "round " + std::to_string(round + 1);
    GroupRun g;
    double seq = 0;
    std::vector<double> per_spawn;
    std::set<pid_t> run_pids;
    if (group_first) g = run_group(opt, group_argv, devnull, group_err, when);
    seq = run_sequential(opt, spawn_argv, devnull, spawn_err, when, per_spawn, run_pids);
    if (!group_first) g = run_group(opt, group_argv, devnull, group_err, when);
    for (const auto& c : cgroups_left(cgroups_before, run_pids))
      die(when + ": a cgroup was left behind: " + c);
    std::printf("%-6s %-6s %12.0f %12.0f %8.3f %10.0f %7.0f kB %7.0f kB\n",
                round < 0 ? "warmup" : std::to_string(round + 1).c_str(),
                group_first ? "group" : "runs", g.all_ready_ms, seq, g.all_ready_ms / seq,
                g.stop_ms, g.manager.vm_rss_kb, g.manager.vm_hwm_kb);
    if (round < 0) continue;
    ready_ms.push_back(g.all_ready_ms);
    seq_ms.push_back(seq);
    ratio.push_back(g.all_ready_ms / seq);
    first_started_ms.push_back(g.first_started_ms);
    stop_ms.push_back(g.stop_ms);
    spawn_us.insert(spawn_us.end(), per_spawn.begin(), per_spawn.end());
    mgr_rss.push_back(g.manager.vm_rss_kb);
    mgr_hwm.push_back(g.manager.vm_hwm_kb);
    mgr_anon.push_back(g.manager.rss_anon_kb);
    mgr_file.push_back(g.manager.rss_file_kb);
    mgr_pss.push_back(g.manager.pss_kb);
    mgr_private.push_back(g.manager.private_kb);
    outer_rss.push_back(g.outer.vm_rss_kb);
    mgr_procs.push_back(g.manager_descendants);
    if (csv)
      std::fprintf(csv, "%d,%d,%.1f,%.1f,%.1f,%.1f,%.1f,%.0f,%.0f\n", round + 1,
                   group_first ? 1 : 0, g.all_ready_ms, g.first_started_ms, g.first_ready_ms,
                   g.stop_ms, seq, g.manager.vm_rss_kb, g.manager.vm_hwm_kb);
  }
  if (csv) std::fclose(csv);
  const CpuSnapshot cpu_after = CpuSnapshot::take();
  std::printf("\nload average before: %s, after: %s\n", load_before.c_str(), loadavg().c_str());
  report_cpu(cpu_before, cpu_after);

  const auto rounds = static_cast<std::size_t>(opt.rounds);
  const auto medians = resampled_medians({&ready_ms, &seq_ms}, rounds, opt.seed);
  const Interval ratio_ci = ratio_interval(medians[0], medians[1]);
  const double ratio_of_medians = median(ready_ms) / median(seq_ms);
  const int n = opt.services;
  std::printf("\n%-34s %10s %10s %10s\n", "ms (over rounds)", "median", "min", "max");
  auto row = [](const char* name, const std::vector<double>& v) {
    std::printf("%-34s %10.0f %10.0f %10.0f\n", name, median(v),
                *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
  };
  row(("group: all " + std::to_string(n) + " ready").c_str(), ready_ms);
  row("group: first started", first_started_ms);
  row(("sequential: " + std::to_string(n) + " cloister runs").c_str(), seq_ms);
  row("group: SIGTERM .. exit 0", stop_ms);
  std::printf("one `cloister run -- %s`: median %.0f us, p10 %.0f, p90 %.0f (%zu spawns)\n",
              opt.spawn_program.c_str(), median(spawn_us), percentile(spawn_us, 0.1),
              percentile(spawn_us, 0.9), spawn_us.size());
  std::printf("group: per service after the first start: %.0f us\n",
              (median(ready_ms) - median(first_started_ms)) * 1000.0 / std::max(1, n - 1));

  std::printf(
      "\nready-all / %d sequential runs = %s  [%s, %s] (95%% bootstrap over rounds); "
      "per-round ratios %s .. %s (target <= 1.0)\n",
      n, fmt(3, ratio_of_medians).c_str(), fmt(3, ratio_ci.lo).c_str(), fmt(3, ratio_ci.hi).c_str(),
      fmt(3, *std::min_element(ratio.begin(), ratio.end())).c_str(),
      fmt(3, *std::max_element(ratio.begin(), ratio.end())).c_str());

  std::printf(
      "\nmanager (cloister-mgr, PID 1 of the group) with %d services running, kB, median "
      "over rounds (max):\n",
      n);
  auto mem = [](const char* name, const std::vector<double>& v) {
    std::printf("  %-14s %8.0f (%.0f)\n", name, median(v), *std::max_element(v.begin(), v.end()));
  };
  mem("VmRSS", mgr_rss);
  mem("VmHWM", mgr_hwm);
  mem("RssAnon", mgr_anon);
  mem("RssFile", mgr_file);
  mem("Pss", mgr_pss);
  mem("Private", mgr_private);
  std::printf("  processes under it: %d; cloister supervise (outside) VmRSS %.0f kB\n",
              mgr_procs.empty() ? 0 : mgr_procs.back(), median(outer_rss));
  const double hwm_max = *std::max_element(mgr_hwm.begin(), mgr_hwm.end());
  std::printf("  VmHWM %.2f MiB against the target of 4 MiB: %s\n", hwm_max / 1024.0,
              hwm_max <= 4096 ? "met" : "missed");

  std::printf(
      "\nRESULT ready_all_over_sequential=%s ratio_lo=%s ratio_hi=%s ready_all_ms=%s "
      "sequential_ms=%s first_started_ms=%s stop_ms=%s spawn_median_us=%s "
      "manager_vmrss_kb=%s manager_vmhwm_kb=%s manager_rssanon_kb=%s "
      "manager_private_kb=%s services=%d rounds=%d seed=%llu uid=%d\n",
      fmt(4, ratio_of_medians).c_str(), fmt(4, ratio_ci.lo).c_str(), fmt(4, ratio_ci.hi).c_str(),
      fmt(1, median(ready_ms)).c_str(), fmt(1, median(seq_ms)).c_str(),
      fmt(1, median(first_started_ms)).c_str(), fmt(1, median(stop_ms)).c_str(),
      fmt(1, median(spawn_us)).c_str(), fmt(0, median(mgr_rss)).c_str(), fmt(0, hwm_max).c_str(),
      fmt(0, median(mgr_anon)).c_str(), fmt(0, median(mgr_private)).c_str(), n, opt.rounds,
      static_cast<unsigned long long>(opt.seed), static_cast<int>(::geteuid()));
  ::close(devnull);
  return 0;
}
