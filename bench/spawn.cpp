// Startup benchmark: whole-process spawn time of cloister, bubblewrap, unshare(1) and a plain
// exec, interleaved in one run, plus the launcher's resident memory while its payload sleeps.
// See bench/README.md.

#include <dirent.h>
#include <fcntl.h>
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
#include <map>
#include <optional>
#include <random>
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
  int rounds = 200;
  int warmup = 10;
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::string bwrap = "/usr/bin/bwrap";
  std::string cloister = CLOISTER_BIN;
  int memory_samples = 5;
  std::string csv;                                            // per-run samples, if given
  std::vector<std::pair<std::string, std::string>> variants;  // --variant NAME=PATH
};

void usage(const char* argv0) {
  std::printf(
      "usage: %s [--rounds N] [--warmup N] [--seed S] [--bwrap PATH] [--cloister PATH]\n"
      "          [--memory-samples N] [--csv PATH] [--variant NAME=PATH]...\n"
      "  --rounds N          measured rounds; each runs every command once (default 200)\n"
      "  --warmup N          uncounted rounds first (default 10)\n"
      "  --seed S            seed of the per-round shuffle (default: from the clock; printed)\n"
      "  --bwrap PATH        bubblewrap to compare with (default /usr/bin/bwrap)\n"
      "  --cloister PATH     cloister binary (default the one this was built with)\n"
      "  --memory-samples N  launches per launcher for the memory figures, 0 = skip (default 5)\n"
      "  --csv PATH          also write every measured run (round,slot,command,us) to PATH\n"
      "  --variant NAME=PATH another cloister build, run with the same options as 'cloister'\n"
      "                      in the same interleaved rounds; reported as NAME/cloister\n",
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
    } else if (arg == "--rounds") {
      o.rounds = parse_number<int>(arg, value(), 1);
    } else if (arg == "--warmup") {
      o.warmup = parse_number<int>(arg, value(), 0);
    } else if (arg == "--seed") {
      o.seed = parse_number<std::uint64_t>(arg, value(), 0);
      o.seed_given = true;
    } else if (arg == "--bwrap") {
      o.bwrap = value();
    } else if (arg == "--cloister") {
      o.cloister = value();
    } else if (arg == "--csv") {
      o.csv = value();
    } else if (arg == "--variant") {
      const std::string v = value();
      const auto eq = v.find('=');
      if (eq == 0 || eq == std::string::npos || eq + 1 == v.size())
        die("--variant expects NAME=PATH, got '" + v + "'");
      const std::string name = v.substr(0, eq);
      if (name.find_first_not_of(
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
              std::string::npos ||
          name == "cloister" || name == "bwrap" || name == "unshare" || name == "plain")
        die("--variant NAME must be a new name of letters, digits and '_', got '" + name + "'");
      o.variants.emplace_back(name, v.substr(eq + 1));
    } else if (arg == "--memory-samples") {
      o.memory_samples = parse_number<int>(arg, value(), 0);
    } else {
      usage(argv[0]);
      die("unknown option '" + arg + "'");
    }
  }
  if (!o.seed_given) o.seed = fresh_seed();
  return o;
}

// ---------------------------------------------------------------------------------------
// The sandbox options shared by cloister and bwrap

// /lib, /lib64, /bin, /sbin as on the host (bench::host_root_links).
Argv sandbox_options() {
  Argv o = {"--unshare-all", "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr"};
  o = concat(o, host_root_links());
  o.insert(o.end(), {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"});
  return o;
}

// ---------------------------------------------------------------------------------------
// Spawning

struct Command {
  std::string name;
  Argv argv;
  std::vector<char*> cargv;
  int err_fd = -1;
  std::vector<double> us;        // one sample per measured round, in round order
  bool dies_with_parent = true;  // memory runs: killing the launcher ends the sandbox

  // Pointers into argv: rebuilt before each spawn, since moving a Command moves short strings.
  void refresh_cargv() {
    cargv.clear();
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
  }
};

Command make_command(std::string name, Argv argv, bool dies_with_parent = true) {
  Command c;
  c.name = std::move(name);
  c.argv = std::move(argv);
  c.dies_with_parent = dies_with_parent;
  c.err_fd = Spawner::make_stderr_sink(c.name);
  return c;
}

[[noreturn]] void report_failure(const Command& c, int status, const std::string& when) {
  std::fprintf(stderr, "bench_spawn: '%s' %s (%s)\n  command: %s\n", c.name.c_str(),
               describe_status(status).c_str(), when.c_str(), join_argv(c.argv).c_str());
  const std::string err = read_fd_text(c.err_fd);
  if (err.empty())
    std::fprintf(stderr, "  (no output on stderr)\n");
  else
    std::fprintf(stderr, "  its stderr:\n%s%s", err.c_str(), err.back() == '\n' ? "" : "\n");
  std::exit(1);
}

// One timed run: posix_spawn .. waitpid, CLOCK_MONOTONIC.
double time_once(const Spawner& spawner, Command& c, const std::string& when) {
  c.refresh_cargv();
  if (::ftruncate(c.err_fd, 0) != 0) die_errno("ftruncate");
  const long long t0 = now_ns();
  const pid_t pid = spawner.spawn(c.cargv, c.err_fd);
  const int status = wait_for(pid);
  const long long t1 = now_ns();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) report_failure(c, status, when);
  return static_cast<double>(t1 - t0) / 1000.0;
}

// ---------------------------------------------------------------------------------------
// Statistics

struct Ratio {
  std::string key;    // RESULT key, e.g. cloister_over_bwrap
  std::string label;  // cloister/bwrap
  const Command* num = nullptr;
  const Command* den = nullptr;
  double value = NAN, lo = NAN, hi = NAN;  // ratio of medians and its 95% bootstrap interval
};

// Rounds are paired (every command ran once per round), so the bootstrap resamples rounds.
void bootstrap(std::vector<Ratio>& ratios, std::size_t rounds, std::uint64_t seed) {
  std::map<const Command*, std::size_t> index;
  std::vector<const std::vector<double>*> series;
  for (const auto& r : ratios)
    for (const Command* c : {r.num, r.den})
      if (index.emplace(c, series.size()).second) series.push_back(&c->us);
  const auto medians = resampled_medians(series, rounds, seed);
  for (auto& r : ratios) {
    const Interval i = ratio_interval(medians[index[r.num]], medians[index[r.den]]);
    r.lo = i.lo;
    r.hi = i.hi;
  }
}

// ---------------------------------------------------------------------------------------
// Memory of the launcher while the payload sleeps

std::vector<ProcStat> descendants_of(pid_t root) {
  std::vector<ProcStat> out;
  std::vector<pid_t> queue = {root};
  while (!queue.empty()) {
    const pid_t p = queue.back();
    queue.pop_back();
    for (pid_t c : children_of(p)) {
      if (auto st = read_stat(c)) {
        out.push_back(*st);
        queue.push_back(c);
      }
    }
  }
  return out;
}

struct Memory {
  double rss_anon_kb = NAN, rss_file_kb = NAN, vm_rss_kb = NAN;
};

Memory read_memory(pid_t pid) {
  Memory m;
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  FILE* f = std::fopen(path.c_str(), "re");
  if (!f) return m;
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    double kb = 0;
    if (std::sscanf(line, "RssAnon: %lf", &kb) == 1)
      m.rss_anon_kb = kb;
    else if (std::sscanf(line, "RssFile: %lf", &kb) == 1)
      m.rss_file_kb = kb;
    else if (std::sscanf(line, "VmRSS: %lf", &kb) == 1)
      m.vm_rss_kb = kb;
  }
  std::fclose(f);
  return m;
}

bool still_there(const ProcStat& p) {
  auto now = read_stat(p.pid);
  return now && now->start == p.start;
}

struct MemorySample {
  Memory launcher, init;
  std::string init_comm;
  int processes = 0;  // descendants of the launcher, payload included
  double payload_after_ms = 0;
};

// Starts `argv` (ending in /bin/sleep 5), waits until a descendant named "sleep" exists, reads
// the launcher's and its child's memory, then kills the launcher and reaps everything.
MemorySample sample_memory(const Spawner& spawner, Command& c) {
  c.refresh_cargv();
  if (::ftruncate(c.err_fd, 0) != 0) die_errno("ftruncate");
  const long long t0 = now_ns();
  const pid_t launcher = spawner.spawn(c.cargv, c.err_fd);
  std::vector<ProcStat> tree;
  bool running = false;
  while (now_ns() - t0 < 3000000000LL) {  // bounded: 3 s
    int status = 0;
    if (::waitpid(launcher, &status, WNOHANG) == launcher)
      report_failure(c, status, "exited before its payload was seen running");
    tree = descendants_of(launcher);
    running =
        std::any_of(tree.begin(), tree.end(), [](const ProcStat& p) { return p.comm == "sleep"; });
    if (running) break;
    sleep_us(500);
  }
  MemorySample s;
  s.payload_after_ms = static_cast<double>(now_ns() - t0) / 1e6;
  if (running) {
    s.launcher = read_memory(launcher);
    s.processes = static_cast<int>(tree.size());
    for (const auto& p : tree) {
      if (p.ppid != launcher) continue;
      s.init = read_memory(p.pid);
      s.init_comm = p.comm;
      break;
    }
  }
  // Only what we started, by pid: the launcher; with --die-with-parent that takes its child,
  // and the end of the PID namespace takes the payload. Without it (cloister's default
  // sandbox), the tree seen above is ended by pid, top down, each pid checked against its
  // start time. Then reap, and wait (bounded) for the tree to be gone.
  ::kill(launcher, SIGKILL);
  wait_for(launcher);
  if (!c.dies_with_parent)
    for (const auto& p : tree)
      if (still_there(p)) ::kill(p.pid, SIGKILL);
  const long long t1 = now_ns();
  for (;;) {
    reap_orphans();
    const bool left = std::any_of(tree.begin(), tree.end(), still_there);
    if (!left) break;
    if (now_ns() - t1 > 2000000000LL) {
      for (const auto& p : tree)
        if (still_there(p)) {
          std::fprintf(stderr,
                       "bench_spawn: %s: pid %d (%s) outlived the launcher by 2 s; "
                       "killing it\n",
                       c.name.c_str(), p.pid, p.comm.c_str());
          ::kill(p.pid, SIGKILL);
        }
      sleep_us(10000);
      reap_orphans();
      break;
    }
    sleep_us(1000);
  }
  if (!running) {
    std::fprintf(stderr, "bench_spawn: %s: payload 'sleep' not seen within 3 s\n  command: %s\n",
                 c.name.c_str(), join_argv(c.argv).c_str());
    const std::string err = read_fd_text(c.err_fd);
    if (!err.empty()) std::fprintf(stderr, "  its stderr:\n%s\n", err.c_str());
    std::exit(1);
  }
  return s;
}

struct MemoryRow {
  std::string name;
  Memory launcher, init;  // medians over the samples
  std::string init_comm;
  int processes = 0;
};

MemoryRow measure_memory(const Spawner& spawner, Command& c, int samples) {
  std::vector<MemorySample> all;
  for (int i = 0; i < samples; ++i) all.push_back(sample_memory(spawner, c));
  auto med = [&](auto field) {
    std::vector<double> v;
    for (const auto& s : all) v.push_back(field(s));
    return median(v);
  };
  MemoryRow row;
  row.name = c.name;
  row.launcher.rss_anon_kb = med([](const MemorySample& s) { return s.launcher.rss_anon_kb; });
  row.launcher.rss_file_kb = med([](const MemorySample& s) { return s.launcher.rss_file_kb; });
  row.launcher.vm_rss_kb = med([](const MemorySample& s) { return s.launcher.vm_rss_kb; });
  row.init.rss_anon_kb = med([](const MemorySample& s) { return s.init.rss_anon_kb; });
  row.init.rss_file_kb = med([](const MemorySample& s) { return s.init.rss_file_kb; });
  row.init.vm_rss_kb = med([](const MemorySample& s) { return s.init.vm_rss_kb; });
  row.init_comm = all.back().init_comm;
  row.processes = all.back().processes;
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  bench::program = "bench_spawn";
  const Options opt = parse_options(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  // Orphans of a killed launcher come back to us to be reaped.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) die_errno("prctl(PR_SET_CHILD_SUBREAPER)");

  if (!executable(opt.cloister))
    die("cloister binary not found or not executable: " + opt.cloister);
  const bool have_bwrap = executable(opt.bwrap);
  if (!have_bwrap)
    std::printf("NOTE: bwrap not found at %s (try --bwrap PATH): its row and ratios are skipped\n",
                opt.bwrap.c_str());
  const std::string unshare = find_in_path("unshare");
  if (unshare.empty())
    std::printf("NOTE: unshare(1) not found in PATH: its row and ratios are skipped\n");

  const Argv sandbox = sandbox_options();
  std::vector<Command> cmds;
  cmds.push_back(make_command(
      "cloister", concat(concat({opt.cloister, "run", "--empty-root"}, sandbox), {"/bin/true"})));
  if (have_bwrap)
    cmds.push_back(make_command("bwrap", concat(concat({opt.bwrap}, sandbox), {"/bin/true"})));
  if (!unshare.empty()) cmds.push_back(make_command("unshare", {unshare, "-Urmpfin", "/bin/true"}));
  cmds.push_back(make_command("plain", {"/bin/true"}));
  cmds.push_back(make_command("cloister-default", {opt.cloister, "run", "/bin/true"}));
  for (const auto& [name, path] : opt.variants) {
    if (!executable(path)) die("--variant " + name + ": not found or not executable: " + path);
    cmds.push_back(
        make_command(name, concat(concat({path, "run", "--empty-root"}, sandbox), {"/bin/true"})));
  }
  auto find = [&cmds](const std::string& name) -> Command* {
    for (auto& c : cmds)
      if (c.name == name) return &c;
    return nullptr;
  };

  utsname uts{};
  ::uname(&uts);
  std::string repro = shell_quote(argv[0]) + " --rounds " + std::to_string(opt.rounds) +
                      " --warmup " + std::to_string(opt.warmup) + " --seed " +
                      std::to_string(opt.seed) + " --bwrap " + shell_quote(opt.bwrap) +
                      " --cloister " + shell_quote(opt.cloister) + " --memory-samples " +
                      std::to_string(opt.memory_samples);
  for (const auto& [name, path] : opt.variants)
    repro += " --variant " + shell_quote(name + "=" + path);
  if (::geteuid() != 0)
    repro = "setpriv --reuid " + std::to_string(::geteuid()) + " --regid " +
            std::to_string(::getegid()) + " --clear-groups " + repro;
  std::printf("bench_spawn: uid %d, kernel %s, %ld CPUs, %d rounds + %d warm-up, seed %llu\n",
              static_cast<int>(::geteuid()), uts.release, ::sysconf(_SC_NPROCESSORS_ONLN),
              opt.rounds, opt.warmup, static_cast<unsigned long long>(opt.seed));
  std::printf("reproduce: %s\n", repro.c_str());
  for (const auto& c : cmds) std::printf("  %-16s %s\n", c.name.c_str(), join_argv(c.argv).c_str());

  // --- timing: each round runs every command once, in a shuffled order -----------------
  Spawner spawner;
  std::mt19937_64 rng(opt.seed);
  std::vector<std::size_t> order(cmds.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (auto& c : cmds) c.us.reserve(static_cast<std::size_t>(opt.rounds));
  FILE* csv = nullptr;
  if (!opt.csv.empty()) {
    csv = std::fopen(opt.csv.c_str(), "we");
    if (!csv) die_errno("open " + opt.csv);
    std::fprintf(csv, "round,slot,command,us\n");
  }
  const std::string load_before = loadavg();
  const CpuSnapshot cpu_before = CpuSnapshot::take();
  for (int round = -opt.warmup; round < opt.rounds; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    const std::string when = round < 0 ? "warm-up round " + std::to_string(round + opt.warmup + 1)
                                       : "round " + std::to_string(round + 1);
    for (std::size_t slot = 0; slot < order.size(); ++slot) {
      Command& c = cmds[order[slot]];
      const double us = time_once(spawner, c, when);
      if (round < 0) continue;
      c.us.push_back(us);
      if (csv) std::fprintf(csv, "%d,%zu,%s,%.1f\n", round + 1, slot, c.name.c_str(), us);
    }
    reap_orphans();
  }
  if (csv) std::fclose(csv);
  const CpuSnapshot cpu_after = CpuSnapshot::take();
  std::printf("load average before: %s, after: %s\n", load_before.c_str(), loadavg().c_str());
  report_cpu(cpu_before, cpu_after);

  std::printf("\n%-16s %9s %9s %9s %9s   (wall time of spawn..waitpid, us)\n", "command", "median",
              "p10", "p90", "min");
  for (const auto& c : cmds)
    std::printf("%-16s %9.1f %9.1f %9.1f %9.1f\n", c.name.c_str(), median(c.us),
                percentile(c.us, 0.10), percentile(c.us, 0.90),
                *std::min_element(c.us.begin(), c.us.end()));

  std::vector<Ratio> ratios;
  auto add_ratio = [&](const std::string& key, const std::string& label, const std::string& num,
                       const std::string& den) {
    Ratio r{key, label, find(num), find(den), NAN, NAN, NAN};
    if (r.num && r.den) r.value = median(r.num->us) / median(r.den->us);
    ratios.push_back(r);
  };
  add_ratio("cloister_over_bwrap", "cloister/bwrap", "cloister", "bwrap");
  add_ratio("cloister_over_unshare", "cloister/unshare", "cloister", "unshare");
  add_ratio("bwrap_over_plain", "bwrap/plain", "bwrap", "plain");
  add_ratio("unshare_over_plain", "unshare/plain", "unshare", "plain");
  add_ratio("bwrap_over_unshare", "bwrap/unshare", "bwrap", "unshare");
  add_ratio("cloister_default_over_cloister", "cloister-default/cloister", "cloister-default",
            "cloister");
  for (const auto& v : opt.variants)
    add_ratio(v.first + "_over_cloister", v.first + "/cloister", v.first, "cloister");
  std::vector<Ratio> present;
  for (const auto& r : ratios)
    if (r.num && r.den) present.push_back(r);
  bootstrap(present, static_cast<std::size_t>(opt.rounds), opt.seed);
  for (auto& r : ratios)
    for (const auto& p : present)
      if (p.key == r.key) r = p;
  std::printf("\nratio of medians          value   95%% interval (bootstrap over rounds)\n");
  for (const auto& r : ratios)
    std::printf("%-25s %6s   [%s, %s]\n", r.label.c_str(), fmt(3, r.value).c_str(),
                fmt(3, r.lo).c_str(), fmt(3, r.hi).c_str());

  // --- memory: launcher and sandbox init while the payload sleeps -----------------------
  std::vector<MemoryRow> memory;
  if (opt.memory_samples > 0) {
    std::vector<Command> sleepers;
    sleepers.push_back(make_command(
        "cloister",
        concat(concat({opt.cloister, "run", "--empty-root"}, sandbox), {"/bin/sleep", "5"})));
    if (have_bwrap)
      sleepers.push_back(
          make_command("bwrap", concat(concat({opt.bwrap}, sandbox), {"/bin/sleep", "5"})));
    sleepers.push_back(
        make_command("cloister-default", {opt.cloister, "run", "/bin/sleep", "5"}, false));
    for (auto& c : sleepers) memory.push_back(measure_memory(spawner, c, opt.memory_samples));
    std::printf("\nresident memory while the payload sleeps (kB, median of %d launches)\n",
                opt.memory_samples);
    std::printf("%-16s %9s %9s %9s   %-9s %9s %9s %9s  %s\n", "launcher", "RssAnon", "RssFile",
                "VmRSS", "init", "RssAnon", "RssFile", "VmRSS", "procs");
    for (const auto& m : memory)
      std::printf("%-16s %9.0f %9.0f %9.0f   %-9s %9.0f %9.0f %9.0f  %d\n", m.name.c_str(),
                  m.launcher.rss_anon_kb, m.launcher.rss_file_kb, m.launcher.vm_rss_kb,
                  m.init_comm.substr(0, 9).c_str(), m.init.rss_anon_kb, m.init.rss_file_kb,
                  m.init.vm_rss_kb, m.processes);
  }
  auto mem = [&memory](const std::string& name) -> const MemoryRow* {
    for (const auto& m : memory)
      if (m.name == name) return &m;
    return nullptr;
  };
  const MemoryRow* mc = mem("cloister");
  const MemoryRow* mb = mem("bwrap");
  const double anon_ratio = mc && mb ? mc->launcher.rss_anon_kb / mb->launcher.rss_anon_kb : NAN;
  if (mc && mb) std::printf("launcher RssAnon cloister/bwrap = %s\n", fmt(3, anon_ratio).c_str());

  // --- machine-readable ------------------------------------------------------------------
  std::string result = "RESULT";
  for (const auto& r : ratios) result += " " + r.key + "=" + fmt(4, r.value);
  std::vector<std::string> row_names = {"cloister", "bwrap", "unshare", "plain",
                                        "cloister-default"};
  for (const auto& v : opt.variants) row_names.push_back(v.first);
  for (const auto& name : row_names) {
    std::string key = name;
    std::replace(key.begin(), key.end(), '-', '_');
    const Command* c = find(name);
    result += " " + key + "_median_us=" + fmt(1, c ? median(c->us) : NAN);
  }
  auto kb = [](const MemoryRow* m, bool launcher) {
    return fmt(0, m ? (launcher ? m->launcher.rss_anon_kb : m->init.rss_anon_kb) : NAN);
  };
  result += " launcher_rssanon_kb_cloister=" + kb(mc, true) +
            " launcher_rssanon_kb_bwrap=" + kb(mb, true) +
            " launcher_rssanon_cloister_over_bwrap=" + fmt(4, anon_ratio) +
            " init_rssanon_kb_cloister=" + kb(mc, false) +
            " init_rssanon_kb_bwrap=" + kb(mb, false) + " rounds=" + std::to_string(opt.rounds) +
            " seed=" + std::to_string(opt.seed) + " uid=" + std::to_string(::geteuid());
  std::printf("\n%s\n", result.c_str());
  return 0;
}
