// libcloister benchmark: what each phase of cloister::Sandbox costs in the process that
// confines itself (a fresh forked child, timed around each call and reported over a pipe),
// and that whole child next to `unshare -Urmin /bin/true` and a `cloister run` spawn with the
// same namespaces, with the bare seccomp(2) call as a control, all interleaved in one run.
// See bench/README.md.

#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cloister/sandbox.hpp"
#include "common.hpp"
#include "seccomp/precompiled.hpp"

#ifndef CLOISTER_BIN
#define CLOISTER_BIN "cloister"
#endif

namespace {

using bench::Argv;
using bench::die;
using bench::die_errno;
using bench::fmt;
using bench::now_ns;

// ---------------------------------------------------------------------------------------
// The sandboxes measured

// examples/echo-daemon/echo-daemon.toml (the README's passt-like daemon) without what a
// bench child cannot have: no PID namespace (that needs daemonize(), which forks) and no
// [seccomp] section (each variant below says how it gets its filter). No network namespace
// but an empty one, IPC and UTS namespaces, an empty root, uid/gid 65534 (root: the host's,
// no user namespace; otherwise inside a user namespace), Landlock scopes, rlimits.
constexpr const char* kPasstLike = R"toml([filesystem]
root = "empty"

[namespaces]
ipc = true
uts = true

[network]
mode = "none"

[process]
uid = 65534
gid = 65534

[landlock]
scope = ["abstract-unix", "signal"]

[rlimits]
nofile = 16
core = 0
)toml";

// A rule on top of strict-daemon: the filter is libseccomp's work at compile() time.
constexpr const char* kAddedRule = R"toml(
[seccomp]
base = "strict-daemon"
deny = [{ name = "socket", args = [{ index = 0, op = "==", value = "AF_PACKET" }], action = "errno:EPERM" }]
)toml";

struct LibraryVariant {
  std::string name;          // its row
  std::string profile;       // TOML text
  std::string profile_name;  // in error messages: a path, or what the text is
  std::string base_in_code;  // when set: policy().seccomp.base, with no [seccomp] layer
  std::string description;
};

std::vector<LibraryVariant> builtin_variants() {
  return {
      {"lib-precompiled", kPasstLike, "passt-like profile", "strict-daemon",
       "passt-like profile; seccomp base strict-daemon set in code, nothing added: the "
       "precompiled program"},
      {"lib-compiled", std::string(kPasstLike) + kAddedRule, "passt-like profile + rule", "",
       "passt-like profile + [seccomp] strict-daemon and one deny rule: compiled by libseccomp "
       "in compile()"},
  };
}

// The phases as the child times them; "load" is parsing the profile into a policy.
enum Phase : int { kLoad, kCompile, kNamespaces, kFilesystem, kPrivileges, kSeccomp, kPhases };
constexpr const char* kPhaseNames[kPhases] = {"load",       "compile",    "namespaces",
                                              "filesystem", "privileges", "seccomp"};

// What a library child sends back, in one write (smaller than PIPE_BUF, so atomic).
struct ChildReport {
  long long started_ns = 0;           // the child's first instruction after fork
  long long marks_ns[kPhases + 1]{};  // before "load", then after each phase
  int failed_phase = -1;              // or the phase that failed
  char message[2048]{};
};
static_assert(sizeof(ChildReport) <= PIPE_BUF);

void send_report(int fd, const ChildReport& r) {
  const char* p = reinterpret_cast<const char*>(&r);
  std::size_t left = sizeof r;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(3);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// In the forked child: the phases in order, each between two reads of CLOCK_MONOTONIC (the
// vDSO: no syscall, so the strict-daemon filter does not see it). Nothing but write and
// _exit after the filter is in.
[[noreturn]] void run_library_child(const LibraryVariant& v, int report_fd) {
  ChildReport r;
  r.started_ns = now_ns();
  auto fail = [&](int phase, const cloister::Error& e) {
    r.failed_phase = phase;
    std::snprintf(r.message, sizeof r.message, "%s", e.message().c_str());
    send_report(report_fd, r);
    ::_exit(1);
  };
  r.marks_ns[0] = now_ns();
  cloister::Sandbox sandbox;
  if (auto s = sandbox.load_profile_text(v.profile, v.profile_name); !s) fail(kLoad, s.error());
  if (!v.base_in_code.empty()) sandbox.policy().seccomp.base = v.base_in_code;
  if (auto s = sandbox.keep(report_fd); !s) fail(kLoad, s.error());
  r.marks_ns[kLoad + 1] = now_ns();
  using Step = cloister::Status (cloister::Sandbox::*)();
  constexpr Step kSteps[] = {&cloister::Sandbox::compile, &cloister::Sandbox::enter_namespaces,
                             &cloister::Sandbox::enter_filesystem,
                             &cloister::Sandbox::drop_privileges,
                             &cloister::Sandbox::apply_seccomp};
  for (int phase = kCompile; phase < kPhases; ++phase) {
    if (auto s = (sandbox.*kSteps[phase - kCompile])(); !s) fail(phase, s.error());
    r.marks_ns[phase + 1] = now_ns();
  }
  send_report(report_fd, r);
  ::_exit(0);
}

// The controls: what the kernel takes to install a program, with nothing of the library
// around it. In the forked child: no_new_privs, 1 ms of sleep, then the one timed seccomp(2)
// call, with the flag the library uses (TSYNC). marks_ns[0] and [1] hold the times around it.
struct BareFilter {
  std::string name;
  std::vector<sock_filter> code;
  std::string description;
};

std::vector<BareFilter> bare_filters() {
  auto strict = cloister::seccomp::precompiled("strict-daemon");
  if (!strict || strict->size() != 1) die("no single precompiled strict-daemon program");
  const sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  return {
      {"seccomp-1insn",
       {allow},
       "fork, then in the child: no_new_privs, sleep 1 ms, seccomp(SET_MODE_FILTER, TSYNC) "
       "of a 1-instruction allow-all program, _exit(0)"},
      {"seccomp-bare", strict->front().code,
       "fork, then in the child: no_new_privs, sleep 1 ms, seccomp(SET_MODE_FILTER, TSYNC) "
       "of the precompiled strict-daemon program (" +
           std::to_string(strict->front().code.size()) + " instructions), _exit(0)"},
  };
}

[[noreturn]] void run_bare_seccomp_child(const std::vector<sock_filter>& code, int report_fd) {
  ChildReport r;
  r.started_ns = now_ns();
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    std::snprintf(r.message, sizeof r.message, "prctl(PR_SET_NO_NEW_PRIVS): %s",
                  std::strerror(errno));
    r.failed_phase = kSeccomp;
    send_report(report_fd, r);
    ::_exit(1);
  }
  sock_fprog prog{static_cast<unsigned short>(code.size()), const_cast<sock_filter*>(code.data())};
  // Right after fork the call is slowed by the fork's aftermath (the parent's copy-on-write
  // faults and their TLB-shootdown IPIs, costly in a VM); the library's phase runs later.
  bench::sleep_us(1000);
  r.marks_ns[0] = now_ns();
  const long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
  r.marks_ns[1] = now_ns();
  if (rc != 0) {
    std::snprintf(r.message, sizeof r.message, "seccomp(SECCOMP_SET_MODE_FILTER): %s",
                  rc < 0 ? std::strerror(errno) : "another thread could not take the filter");
    r.failed_phase = kSeccomp;
    send_report(report_fd, r);
    ::_exit(1);
  }
  send_report(report_fd, r);
  ::_exit(0);
}

// ---------------------------------------------------------------------------------------
// Options

struct Options {
  int rounds = 200;
  int warmup = 10;
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::string cloister = CLOISTER_BIN;
  std::string csv;
  std::vector<std::pair<std::string, std::string>> profiles;  // --profile NAME=PATH
};

void usage(const char* argv0) {
  std::printf(
      "usage: %s [--rounds N] [--warmup N] [--seed S] [--cloister PATH] [--csv PATH]\n"
      "          [--profile NAME=PATH]...\n"
      "  --rounds N          measured rounds; each runs every row once (default 200)\n"
      "  --warmup N          uncounted rounds first (default 10)\n"
      "  --seed S            seed of the per-round shuffle (default: from the clock; printed)\n"
      "  --cloister PATH     cloister binary for the spawn row (default the one built with)\n"
      "  --csv PATH          also write every measured run (round,slot,row,what,us) to PATH\n"
      "  --profile NAME=PATH another library row: the phases of this profile file, in the\n"
      "                      same interleaved rounds (the library refuses a command line,\n"
      "                      environment changes, cgroups, pasta and a PID namespace here)\n",
      argv0);
}

bool valid_row_name(const std::string& name) {
  return !name.empty() && name.find_first_not_of(
                              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                              std::string::npos;
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
      o.rounds = bench::parse_number<int>(arg, value(), 1);
    } else if (arg == "--warmup") {
      o.warmup = bench::parse_number<int>(arg, value(), 0);
    } else if (arg == "--seed") {
      o.seed = bench::parse_number<std::uint64_t>(arg, value(), 0);
      o.seed_given = true;
    } else if (arg == "--cloister") {
      o.cloister = value();
    } else if (arg == "--csv") {
      o.csv = value();
    } else if (arg == "--profile") {
      const std::string v = value();
      const auto eq = v.find('=');
      if (eq == std::string::npos || eq + 1 == v.size() || !valid_row_name(v.substr(0, eq)))
        die("--profile expects NAME=PATH (NAME of letters, digits, '_', '-'), got '" + v + "'");
      o.profiles.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else {
      usage(argv[0]);
      die("unknown option '" + arg + "'");
    }
  }
  if (!o.seed_given) o.seed = bench::fresh_seed();
  return o;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) die_errno("read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---------------------------------------------------------------------------------------
// The rows: forked library children, a bare fork, bare seccomp(2) controls, and spawned
// commands

struct Row {
  std::string name;
  enum class Kind { Fork, Library, BareSeccomp, Spawn } kind = Kind::Spawn;
  LibraryVariant library;        // Kind::Library
  std::vector<sock_filter> bpf;  // Kind::BareSeccomp
  Argv argv;                     // Kind::Spawn
  std::vector<char*> cargv;
  int err_fd = -1;
  std::string description;
  // Per measured round: the wall time, and for a library child each part of it.
  std::vector<double> wall_us;
  std::map<std::string, std::vector<double>> parts_us;
};

// A run that did not go as it should: what happened, to print.
struct Outcome {
  double wall_us = 0;
  std::map<std::string, double> parts_us;
  std::string failure;  // empty when the run exited 0 (and, for a library child, reported)
};

// The parts of a library child's time: fork until the child runs, each phase, the phases
// from compile to seccomp together, and from the filter's installation to the parent's
// waitpid returning (exit, namespace teardown that is not deferred, reaping).
// A bare seccomp(2) child has fork, seccomp and exit.
std::map<std::string, double> parts_of(const ChildReport& r, bool library, long long t0,
                                       long long t1) {
  std::map<std::string, double> parts;
  auto us = [](long long a, long long b) { return static_cast<double>(b - a) / 1000.0; };
  parts["fork"] = us(t0, r.started_ns);
  if (!library) {
    parts["seccomp"] = us(r.marks_ns[0], r.marks_ns[1]);
    parts["exit"] = us(r.marks_ns[1], t1);
    return parts;
  }
  for (int p = 0; p < kPhases; ++p) parts[kPhaseNames[p]] = us(r.marks_ns[p], r.marks_ns[p + 1]);
  parts["phases"] = us(r.marks_ns[kCompile], r.marks_ns[kPhases]);
  parts["exit"] = us(r.marks_ns[kPhases], t1);
  return parts;
}

Outcome run_forked(const Row& row) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) die_errno("pipe2");
  const long long t0 = now_ns();
  const pid_t pid = ::fork();
  if (pid < 0) die_errno("fork");
  if (pid == 0) {
    if (row.kind == Row::Kind::Fork) ::_exit(0);
    ::close(fds[0]);
    if (row.kind == Row::Kind::BareSeccomp) run_bare_seccomp_child(row.bpf, fds[1]);
    run_library_child(row.library, fds[1]);
  }
  const int status = bench::wait_for(pid);
  const long long t1 = now_ns();
  ::close(fds[1]);
  ChildReport report;
  std::size_t got = 0;
  while (got < sizeof report) {
    const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(&report) + got, sizeof report - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  Outcome o;
  o.wall_us = static_cast<double>(t1 - t0) / 1000.0;
  const bool reports = row.kind != Row::Kind::Fork;
  if (reports && got == sizeof report && report.failed_phase >= 0)
    o.failure = std::string("phase ") + kPhaseNames[report.failed_phase] +
                " failed: " + report.message + " (child " + bench::describe_status(status) + ")";
  else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    o.failure = "child " + bench::describe_status(status);
  else if (reports && got != sizeof report)
    o.failure = "the child exited 0 without its report";
  else if (reports)
    o.parts_us = parts_of(report, row.kind == Row::Kind::Library, t0, t1);
  return o;
}

Outcome run_spawned(const bench::Spawner& spawner, Row& row) {
  row.cargv.clear();
  for (auto& a : row.argv) row.cargv.push_back(a.data());
  row.cargv.push_back(nullptr);
  if (::ftruncate(row.err_fd, 0) != 0) die_errno("ftruncate");
  const long long t0 = now_ns();
  const pid_t pid = spawner.spawn(row.cargv, row.err_fd);
  const int status = bench::wait_for(pid);
  const long long t1 = now_ns();
  Outcome o;
  o.wall_us = static_cast<double>(t1 - t0) / 1000.0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    o.failure = bench::describe_status(status);
    std::string err = bench::read_fd_text(row.err_fd);
    while (!err.empty() && err.back() == '\n') err.pop_back();
    o.failure += err.empty() ? " (no output on stderr)" : "; its stderr:\n" + err;
  }
  return o;
}

Outcome run_row(const bench::Spawner& spawner, Row& row) {
  return row.kind == Row::Kind::Spawn ? run_spawned(spawner, row) : run_forked(row);
}

std::string describe_row(const Row& row) {
  if (row.kind == Row::Kind::Spawn) return bench::join_argv(row.argv);
  return row.description;
}

// ---------------------------------------------------------------------------------------
// Reporting

const Row* find_row(const std::vector<Row>& rows, const std::string& name) {
  for (const auto& r : rows)
    if (r.name == name) return &r;
  return nullptr;
}

std::string key_of(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// One series of paired samples: a row's wall time or one part of a library child's.
struct SeriesRef {
  std::string label;  // "lib-precompiled" or "lib-precompiled:seccomp"
  const std::vector<double>* us = nullptr;
};

SeriesRef series(const std::vector<Row>& rows, const std::string& row, const std::string& part) {
  const Row* r = find_row(rows, row);
  if (!r) return {row + (part.empty() ? "" : ":" + part), nullptr};
  if (part.empty()) return {row, &r->wall_us};
  auto it = r->parts_us.find(part);
  return {row + ":" + part, it == r->parts_us.end() ? nullptr : &it->second};
}

struct RatioSpec {
  std::string key;
  SeriesRef num, den;
};

}  // namespace

int main(int argc, char** argv) {
  bench::program = "bench_library";
  const Options opt = parse_options(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // A library child never forks, but a spawned command's orphans come back to be reaped.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) die_errno("prctl(PR_SET_CHILD_SUBREAPER)");

  std::vector<Row> rows;
  {
    Row fork_row;
    fork_row.name = "fork";
    fork_row.kind = Row::Kind::Fork;
    fork_row.description = "fork() of this bench, the child _exit(0)s at once";
    rows.push_back(std::move(fork_row));
  }
  std::vector<LibraryVariant> variants = builtin_variants();
  for (const auto& [name, path] : opt.profiles)
    variants.push_back({name, read_text_file(path), path, "", "the profile " + path});
  for (auto& v : variants) {
    Row r;
    r.name = v.name;
    r.kind = Row::Kind::Library;
    r.description = "fork, then in the child: " + v.description +
                    "; load, compile, enter_namespaces, enter_filesystem, drop_privileges, "
                    "apply_seccomp, _exit(0)";
    r.library = std::move(v);
    rows.push_back(std::move(r));
  }
  for (auto& f : bare_filters()) {
    Row r;
    r.name = f.name;
    r.kind = Row::Kind::BareSeccomp;
    r.description = f.description;
    r.bpf = std::move(f.code);
    rows.push_back(std::move(r));
  }
  auto add_spawn = [&rows](const std::string& name, Argv command) {
    Row r;
    r.name = name;
    r.argv = std::move(command);
    r.err_fd = bench::Spawner::make_stderr_sink(name);
    rows.push_back(std::move(r));
  };
  const std::string unshare = bench::find_in_path("unshare");
  if (unshare.empty())
    std::printf("NOTE: unshare(1) not found in PATH: its row and ratios are left out\n");
  else
    add_spawn("unshare", {unshare, "-Urmin", "/bin/true"});
  if (!bench::executable(opt.cloister))
    die("cloister binary not found or not executable: " + opt.cloister);
  // The namespaces of `unshare -Urmin` (user, mount, IPC, network, UTS), the host's /usr.
  add_spawn("cloister",
            bench::concat(bench::concat({opt.cloister, "run", "--empty-root", "--unshare-user",
                                         "--unshare-ipc", "--unshare-net", "--unshare-uts",
                                         "--ro-bind", "/usr", "/usr"},
                                        bench::host_root_links()),
                          {"/bin/true"}));
  add_spawn("plain", {"/bin/true"});

  utsname uts{};
  ::uname(&uts);
  std::string repro = bench::shell_quote(argv[0]) + " --rounds " + std::to_string(opt.rounds) +
                      " --warmup " + std::to_string(opt.warmup) + " --seed " +
                      std::to_string(opt.seed) + " --cloister " + bench::shell_quote(opt.cloister);
  for (const auto& [name, path] : opt.profiles)
    repro += " --profile " + bench::shell_quote(name + "=" + path);
  if (::geteuid() != 0)
    repro = "setpriv --reuid " + std::to_string(::geteuid()) + " --regid " +
            std::to_string(::getegid()) + " --clear-groups " + repro;
  std::printf("bench_library: uid %d, kernel %s, %ld CPUs, %d rounds + %d warm-up, seed %llu\n",
              static_cast<int>(::geteuid()), uts.release, ::sysconf(_SC_NPROCESSORS_ONLN),
              opt.rounds, opt.warmup, static_cast<unsigned long long>(opt.seed));
  std::printf("reproduce: %s\n", repro.c_str());
  for (const auto& r : rows) std::printf("  %-16s %s\n", r.name.c_str(), describe_row(r).c_str());

  // --- one trial run each: a row this machine or caller cannot run is said and left out ---
  bench::Spawner spawner;
  for (auto it = rows.begin(); it != rows.end();) {
    const Outcome o = run_row(spawner, *it);
    bench::reap_orphans();
    if (o.failure.empty()) {
      ++it;
      continue;
    }
    if (it->kind == Row::Kind::Fork || it->name == "plain")
      die("'" + it->name + "' failed: " + o.failure);
    std::printf("NOTE: '%s' does not run here for uid %d, left out with its ratios: %s\n",
                it->name.c_str(), static_cast<int>(::geteuid()), o.failure.c_str());
    it = rows.erase(it);
  }

  // --- timing: each round runs every row once, in a shuffled order ----------------------
  std::mt19937_64 rng(opt.seed);
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  FILE* csv = nullptr;
  if (!opt.csv.empty()) {
    csv = std::fopen(opt.csv.c_str(), "we");
    if (!csv) die_errno("open " + opt.csv);
    std::fprintf(csv, "round,slot,row,what,us\n");
  }
  const std::string load_before = bench::loadavg();
  const bench::CpuSnapshot cpu_before = bench::CpuSnapshot::take();
  for (int round = -opt.warmup; round < opt.rounds; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t slot = 0; slot < order.size(); ++slot) {
      Row& row = rows[order[slot]];
      const Outcome o = run_row(spawner, row);
      if (!o.failure.empty()) {
        std::fprintf(stderr, "bench_library: '%s' failed in %s round %d: %s\n  row: %s\n",
                     row.name.c_str(), round < 0 ? "warm-up" : "measured",
                     round < 0 ? round + opt.warmup + 1 : round + 1, o.failure.c_str(),
                     describe_row(row).c_str());
        return 1;
      }
      if (round < 0) continue;
      row.wall_us.push_back(o.wall_us);
      for (const auto& [part, us] : o.parts_us) row.parts_us[part].push_back(us);
      if (!csv) continue;
      std::fprintf(csv, "%d,%zu,%s,wall,%.1f\n", round + 1, slot, row.name.c_str(), o.wall_us);
      for (const auto& [part, us] : o.parts_us)
        std::fprintf(csv, "%d,%zu,%s,%s,%.1f\n", round + 1, slot, row.name.c_str(), part.c_str(),
                     us);
    }
    bench::reap_orphans();
  }
  if (csv) std::fclose(csv);
  const bench::CpuSnapshot cpu_after = bench::CpuSnapshot::take();
  std::printf("load average before: %s, after: %s\n", load_before.c_str(),
              bench::loadavg().c_str());
  bench::report_cpu(cpu_before, cpu_after);

  // --- statistics: every series is paired by round, one bootstrap for all ----------------
  std::vector<SeriesRef> all;
  for (const auto& r : rows) {
    all.push_back({r.name, &r.wall_us});
    for (const auto& [part, us] : r.parts_us) all.push_back({r.name + ":" + part, &us});
  }
  std::vector<const std::vector<double>*> samples;
  for (const auto& s : all) samples.push_back(s.us);
  const auto boot =
      bench::resampled_medians(samples, static_cast<std::size_t>(opt.rounds), opt.seed);
  auto boot_of = [&](const SeriesRef& s) -> const std::vector<double>* {
    for (std::size_t i = 0; i < all.size(); ++i)
      if (all[i].us == s.us) return &boot[i];
    return nullptr;
  };

  const std::vector<std::string> part_order = {"fork",       "load",       "compile",
                                               "namespaces", "filesystem", "privileges",
                                               "seccomp",    "phases",     "exit"};
  for (const auto& r : rows) {
    if (r.kind != Row::Kind::Library) continue;
    std::printf("\n%s: %s\n", r.name.c_str(), r.library.description.c_str());
    std::printf("  %-12s %9s %9s %9s %9s   %s\n", "part", "median", "p10", "p90", "min",
                "95% interval of the median (us)");
    for (const auto& part : part_order) {
      const SeriesRef s = series(rows, r.name, part);
      if (!s.us) continue;
      const bench::Interval ci = bench::median_interval(*boot_of(s));
      std::printf("  %-12s %9.1f %9.1f %9.1f %9.1f   [%s, %s]\n", part.c_str(),
                  bench::median(*s.us), bench::percentile(*s.us, 0.10),
                  bench::percentile(*s.us, 0.90), *std::min_element(s.us->begin(), s.us->end()),
                  fmt(1, ci.lo).c_str(), fmt(1, ci.hi).c_str());
    }
  }
  std::printf(
      "  (fork: from before fork() to the child's first instruction; phases: compile to "
      "seccomp;\n   exit: from the filter's installation to waitpid() returning in the bench)\n");
  std::printf(
      "\nseccomp(2) alone, in a fresh child   median       p10       p90       min   "
      "95%% interval of the median (us)\n");
  for (const auto& r : rows) {
    if (r.kind != Row::Kind::BareSeccomp) continue;
    const SeriesRef s = series(rows, r.name, "seccomp");
    const bench::Interval ci = bench::median_interval(*boot_of(s));
    std::printf("  %-34s %9.1f %9.1f %9.1f %9.1f   [%s, %s]\n", r.name.c_str(),
                bench::median(*s.us), bench::percentile(*s.us, 0.10),
                bench::percentile(*s.us, 0.90), *std::min_element(s.us->begin(), s.us->end()),
                fmt(1, ci.lo).c_str(), fmt(1, ci.hi).c_str());
  }

  std::printf("\n%-16s %9s %9s %9s %9s   (wall time, us: fork or spawn .. waitpid)\n", "row",
              "median", "p10", "p90", "min");
  for (const auto& r : rows)
    std::printf("%-16s %9.1f %9.1f %9.1f %9.1f\n", r.name.c_str(), bench::median(r.wall_us),
                bench::percentile(r.wall_us, 0.10), bench::percentile(r.wall_us, 0.90),
                *std::min_element(r.wall_us.begin(), r.wall_us.end()));

  std::vector<RatioSpec> ratio_specs = {
      {"lib_precompiled_over_unshare", series(rows, "lib-precompiled", ""),
       series(rows, "unshare", "")},
      {"lib_precompiled_over_cloister", series(rows, "lib-precompiled", ""),
       series(rows, "cloister", "")},
      {"cloister_over_unshare", series(rows, "cloister", ""), series(rows, "unshare", "")},
      {"lib_compiled_over_lib_precompiled", series(rows, "lib-compiled", ""),
       series(rows, "lib-precompiled", "")},
      {"compile_compiled_over_precompiled", series(rows, "lib-compiled", "compile"),
       series(rows, "lib-precompiled", "compile")},
      {"seccomp_compiled_over_precompiled", series(rows, "lib-compiled", "seccomp"),
       series(rows, "lib-precompiled", "seccomp")},
      {"seccomp_phase_over_bare", series(rows, "lib-precompiled", "seccomp"),
       series(rows, "seccomp-bare", "seccomp")},
      {"seccomp_bare_over_1insn", series(rows, "seccomp-bare", "seccomp"),
       series(rows, "seccomp-1insn", "seccomp")},
  };
  for (const auto& [name, path] : opt.profiles) {
    (void)path;
    ratio_specs.push_back({key_of(name) + "_over_lib_precompiled", series(rows, name, ""),
                           series(rows, "lib-precompiled", "")});
  }
  std::printf("\nratio of medians                       value   95%% interval (bootstrap)\n");
  std::string result = "RESULT";
  for (const auto& spec : ratio_specs) {
    double value = NAN;
    bench::Interval ci;
    if (spec.num.us && spec.den.us) {
      value = bench::median(*spec.num.us) / bench::median(*spec.den.us);
      ci = bench::ratio_interval(*boot_of(spec.num), *boot_of(spec.den));
    }
    const std::string label = spec.num.label + " / " + spec.den.label;
    std::printf("%-38s %6s   [%s, %s]\n", label.c_str(), fmt(3, value).c_str(),
                fmt(3, ci.lo).c_str(), fmt(3, ci.hi).c_str());
    result += " " + spec.key + "=" + fmt(4, value);
  }

  // --- machine-readable ------------------------------------------------------------------
  std::vector<std::string> library_rows = {"lib-precompiled", "lib-compiled"};
  for (const auto& p : opt.profiles) library_rows.push_back(p.first);
  for (const auto& name : library_rows)
    for (const auto& part : part_order) {
      const SeriesRef s = series(rows, name, part);
      result +=
          " " + key_of(name) + "_" + part + "_us=" + fmt(1, s.us ? bench::median(*s.us) : NAN);
    }
  for (const char* name : {"seccomp-1insn", "seccomp-bare"}) {
    const SeriesRef s = series(rows, name, "seccomp");
    result += " " + key_of(name) + "_us=" + fmt(1, s.us ? bench::median(*s.us) : NAN);
  }
  for (const char* name : {"fork", "unshare", "cloister", "plain"}) {
    const SeriesRef s = series(rows, name, "");
    result += " " + std::string(name) + "_median_us=" + fmt(1, s.us ? bench::median(*s.us) : NAN);
  }
  for (const auto& name : library_rows) {
    const SeriesRef s = series(rows, name, "");
    result += " " + key_of(name) + "_median_us=" + fmt(1, s.us ? bench::median(*s.us) : NAN);
  }
  result += " rounds=" + std::to_string(opt.rounds) + " seed=" + std::to_string(opt.seed) +
            " uid=" + std::to_string(::geteuid());
  std::printf("\n%s\n", result.c_str());
  return 0;
}
