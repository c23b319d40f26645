// Integration test harness: runs the real cloister binary with fork/exec, captures its stdout,
// stderr and exit status with a timeout, and builds small sandboxes around the probe
// (tests/probe/probe.cpp, static, bound at /probe). Everything it creates (temporary
// directories, processes) it removes or ends itself, by path or by PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cloister_it {

// Built-in paths, or copies named by the environment (the unprivileged run uses copies in a
// directory uid 65534 can reach, whatever the permissions of the build tree).
inline const char* env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}
inline const char* const kCloister = env_or("CLOISTER_TEST_BIN", CLOISTER_BIN);
// The probe as sandboxes open it: root's sandboxes run as nobody, who may not reach the
// build tree (a checkout under /root), so unless the environment names a copy already, the
// probe is copied once into a directory of its own under /tmp, removed when the run exits.
const char* probe_everyone_reaches();
inline const char* const kProbe = probe_everyone_reaches();

using Argv = std::vector<std::string>;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release();
  void reset(int fd = -1);
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

struct FdMapping {
  int target;  // descriptor number in the started process
  int source;  // our descriptor
};

struct RunOptions {
  std::vector<FdMapping> fds;  // extra descriptors; every other one above 2 is closed
  int stdin_fd = -1;           // default: /dev/null
  std::optional<std::vector<std::string>> env;  // default: default_env()
  std::string cwd = "/";
  milliseconds timeout{20000};
};

RunOptions with_fds(std::vector<FdMapping> fds);

struct RunResult {
  int exit_code = -1;  // exit status, or 128+N when killed by signal N
  int term_signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;

  // The value of the last "key=value" line of stdout with this key.
  std::optional<std::string> find(const std::string& key) const;
  std::string value(const std::string& key) const { return find(key).value_or("<absent>"); }
  std::vector<std::string> list(const std::string& key) const;  // value split on ','
  bool has_line(const std::string& line) const;
  // Exit status and both outputs, for assertion messages.
  std::string describe() const;
};

// A process started with fork/exec whose stdout and stderr are captured. The destructor
// kills it (SIGKILL, by PID) if it still runs, and reaps it.
class Process {
 public:
  Process(const Argv& argv, const RunOptions& options);
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }
  // Reads stdout until it contains `needle`; false after `timeout` or once it ends.
  bool wait_for_output(const std::string& needle, milliseconds timeout);
  void signal(int sig);
  // Waits for the exit (the options' timeout; then SIGTERM, and SIGKILL 2 s later).
  RunResult finish();
  const std::string& out() const { return result_.out; }

 private:
  bool pump(Clock::time_point deadline);  // reads what arrives before deadline
  bool reap(int options);
  void drain(milliseconds limit);

  pid_t pid_ = -1;
  Fd pidfd_, out_, err_;
  bool exited_ = false;
  milliseconds timeout_;
  RunResult result_;
};

RunResult run(const Argv& argv, const RunOptions& options = {});

// `cloister run ARGS...`
Argv cloister(const Argv& args);
// A minimal sandbox: --empty-root --ro-bind PROBE /probe --proc /proc --dev /dev
// --unshare-all OPTIONS -- /probe PROBE_ARGS.
Argv sandbox(const Argv& options, const Argv& probe_args);
RunResult run_sandbox(const Argv& options, const Argv& probe_args, const RunOptions& run = {});
// The default sandbox (`cloister run OPTIONS -- COMMAND`, no filesystem option): the probe
// is not visible there, so /bin/sh copies it from stdin into the sandbox's /tmp and runs it.
RunResult run_default(const Argv& options, const Argv& probe_args, RunOptions run = {});

std::vector<std::string> default_env();

// A directory under /tmp (mode 0755), removed with everything in it.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& content, mode_t mode = 0644) const;
  std::string mkdir(const std::string& name, mode_t mode = 0755) const;
  std::string symlink(const std::string& target, const std::string& name) const;
  // World-writable: a root caller's sandbox runs as nobody (65534) on the host, so a
  // directory it writes into through --bind must let others write.
  const TempDir& writable_by_sandbox() const;

 private:
  std::string path_;
};

// The read end of a pipe that holds `content` (which must fit in the pipe) and then EOF.
Fd data_fd(const std::string& content);
// "a\0b\0c\0": arguments as --args FD reads them.
std::string nul_joined(const Argv& args);
// A pipe: [0] read end, [1] write end (both close-on-exec in this process).
std::pair<Fd, Fd> make_pipe();
// Reads a descriptor until EOF or the timeout.
std::string read_all(int fd, milliseconds timeout);
// Reads one line (without its newline); what arrived so far after EOF or the timeout.
std::string read_line(int fd, milliseconds timeout);

bool is_root();
// The host uid (and gid) the sandbox's ids map onto in `cloister run`: 65534 for a root
// caller (root's sandbox is not host root), the caller's own otherwise.
unsigned sandbox_host_uid();
unsigned sandbox_host_gid();

// Why this machine refuses the namespace sandboxes most tests build, "" when it does not.
// Decided once, by asking the kernel directly what cloister needs (a user namespace, then a
// mount tree made private from the process's root), so a bug in
// cloister fails the tests instead of skipping them; cloister's own message is quoted after.
const std::string& namespaces_refused();
bool exists(const std::string& path);  // lstat succeeds
std::vector<std::string> list_dir(const std::string& path);
std::string read_text(const std::string& path);
std::vector<std::string> host_interfaces();

// Process helpers, by PID, for processes started by the tests (directly or in sandboxes).
bool alive(pid_t pid);  // exists and is not a zombie
bool wait_gone(pid_t pid, milliseconds timeout);
int open_pidfd(pid_t pid);  // -1 when the process is gone
void kill_by_pidfd(int pidfd, int sig);
std::vector<pid_t> processes_in_pid_namespace(unsigned long ns_id);
unsigned long own_namespace(const char* name);  // inode of /proc/self/ns/NAME

// The first --json-status-fd record of a running sandbox (read within 10 s).
struct StartRecord {
  pid_t child_pid = 0;
  unsigned long pid_ns = 0;
  std::string line;
};
StartRecord read_start(int fd);
// True once no process is left in PID namespace `ns`, within `timeout`.
bool pid_namespace_empties(unsigned long ns, milliseconds timeout);

// --json-status-fd / --info-fd records: "key": number pairs of one JSON object.
std::map<std::string, long> json_numbers(const std::string& object);
std::vector<std::string> lines_of(const std::string& text);

std::string errno_name(int err);

}  // namespace cloister_it
