#include "harness.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace cloister_it {

// ---- Fd ------------------------------------------------------------------------------------

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

int Fd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::pair<Fd, Fd> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2: " + errno_name(errno));
  return {Fd(fds[0]), Fd(fds[1])};
}

Fd data_fd(const std::string& content) {
  auto [read_end, write_end] = make_pipe();
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(write_end.get(), content.data() + done, content.size() - done);
    if (n <= 0) throw std::runtime_error("data_fd: write: " + errno_name(errno));
    done += static_cast<std::size_t>(n);
  }
  return std::move(read_end);
}

std::string nul_joined(const Argv& args) {
  std::string out;
  for (const auto& a : args) out += a + '\0';
  return out;
}

std::string read_all(int fd, milliseconds timeout) {
  std::string data;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return data;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return data;
    data.append(buf, static_cast<std::size_t>(n));
  }
}

RunOptions with_fds(std::vector<FdMapping> fds) {
  RunOptions options;
  options.fds = std::move(fds);
  return options;
}

std::string read_line(int fd, milliseconds timeout) {
  std::string line;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return line;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char c;
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') return line;
    line += c;
  }
}

// ---- RunResult -----------------------------------------------------------------------------

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::optional<std::string> RunResult::find(const std::string& key) const {
  std::optional<std::string> found;
  for (const auto& line : lines_of(out))
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
        line[key.size()] == '=')
      found = line.substr(key.size() + 1);
  return found;
}

std::vector<std::string> RunResult::list(const std::string& key) const {
  std::vector<std::string> items;
  auto text = find(key);
  if (!text) return {"<absent>"};
  std::istringstream in(*text);
  std::string item;
  while (std::getline(in, item, ',')) items.push_back(item);
  return items;
}

bool RunResult::has_line(const std::string& line) const {
  for (const auto& l : lines_of(out))
    if (l == line) return true;
  return false;
}

std::string RunResult::describe() const {
  std::string text = "exit code " + std::to_string(exit_code);
  if (term_signal) text += " (signal " + std::to_string(term_signal) + ")";
  if (timed_out) text += " (TIMED OUT)";
  return text + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err + "--------------";
}

// ---- Process -------------------------------------------------------------------------------

namespace {

std::vector<char*> c_strings(std::vector<std::string>& items) {
  std::vector<char*> out;
  for (auto& s : items) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the forked child: only async-signal-safe calls from here to execve.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, const RunOptions& options,
                             int stdin_fd, int out_fd, int err_fd, const char* cwd) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < 32; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  // Sources move out of the way first so no target overwrites a source still needed.
  constexpr int kHigh = 900;
  int moved[64];
  const std::size_t count = std::min<std::size_t>(options.fds.size(), 64);
  for (std::size_t i = 0; i < count; ++i) moved[i] = ::fcntl(options.fds[i].source, F_DUPFD, kHigh);
  if (::dup2(stdin_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(126);
  bool keep[kHigh] = {};
  for (std::size_t i = 0; i < count; ++i) {
    const int target = options.fds[i].target;
    if (moved[i] < 0 || target < 3 || target >= kHigh || ::dup2(moved[i], target) < 0) ::_exit(126);
    keep[target] = true;
  }
  for (int fd = 3; fd < kHigh; ++fd)
    if (!keep[fd]) ::close(fd);
  ::close_range(kHigh, ~0U, 0);
  if (::chdir(cwd) != 0) ::_exit(126);
  ::execve(argv[0], argv, envp);
  ::_exit(127);
}

}  // namespace

int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

void kill_by_pidfd(int pidfd, int sig) {
  if (pidfd >= 0) ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0);
}

std::vector<std::string> default_env() {
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=/", "CLOISTER_IT=1"};
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
  return env;
}

Process::Process(const Argv& argv, const RunOptions& options) : timeout_(options.timeout) {
  std::vector<std::string> args = argv;
  std::vector<std::string> env = options.env.value_or(default_env());
  auto c_argv = c_strings(args);
  auto c_env = c_strings(env);
  Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto [out_read, out_write] = make_pipe();
  auto [err_read, err_write] = make_pipe();
  const int stdin_fd = options.stdin_fd >= 0 ? options.stdin_fd : null.get();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork: " + errno_name(errno));
  if (pid_ == 0)
    exec_child(c_argv.data(), c_env.data(), options, stdin_fd, out_write.get(), err_write.get(),
               options.cwd.c_str());
  pidfd_.reset(open_pidfd(pid_));
  out_ = std::move(out_read);
  err_ = std::move(err_read);
}

Process::~Process() {
  if (!exited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    reap(0);
  }
}

bool Process::reap(int options) {
  if (exited_) return true;
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid_, &status, options);
  while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  exited_ = true;
  if (WIFEXITED(status)) {
    result_.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result_.term_signal = WTERMSIG(status);
    result_.exit_code = 128 + result_.term_signal;
  }
  return true;
}

bool Process::pump(Clock::time_point deadline) {
  pollfd fds[3] = {{out_.get(), POLLIN, 0}, {err_.get(), POLLIN, 0}, {pidfd_.get(), POLLIN, 0}};
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return false;
  if (::poll(fds, 3, static_cast<int>(std::min<long>(left, 100))) < 0) return errno == EINTR;
  bool progress = false;
  for (int i = 0; i < 2; ++i) {
    if (!fds[i].revents) continue;
    char buf[8192];
    ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
    Fd& fd = i == 0 ? out_ : err_;
    std::string& text = i == 0 ? result_.out : result_.err;
    if (n > 0)
      text.append(buf, static_cast<std::size_t>(n)), progress = true;
    else if (n == 0 || errno != EINTR)
      fd.reset();
  }
  if (fds[2].revents || !pidfd_) progress = reap(pidfd_ ? 0 : WNOHANG) || progress;
  return progress;
}

bool Process::wait_for_output(const std::string& needle, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (result_.out.find(needle) == std::string::npos) {
    if (Clock::now() >= deadline || (!out_ && exited_)) return false;
    if (!out_) std::this_thread::sleep_for(milliseconds(10));
    pump(deadline);
  }
  return true;
}

void Process::signal(int sig) {
  if (!exited_) ::kill(pid_, sig);
}

void Process::drain(milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while ((out_ || err_) && Clock::now() < deadline) pump(deadline);
}

RunResult Process::finish() {
  auto deadline = Clock::now() + timeout_;
  while (!exited_ && Clock::now() < deadline) pump(deadline);
  if (!exited_) {
    result_.timed_out = true;
    ::kill(pid_, SIGTERM);  // forwarded into the sandbox
    deadline = Clock::now() + milliseconds(2000);
    while (!exited_ && Clock::now() < deadline) pump(deadline);
    if (!exited_) ::kill(pid_, SIGKILL);
    reap(0);
  }
  // Sandbox processes hold the pipes only while they live; they end with the sandbox.
  drain(milliseconds(2000));
  return result_;
}

RunResult run(const Argv& argv, const RunOptions& options) {
  Process process(argv, options);
  return process.finish();
}

// ---- sandboxes -----------------------------------------------------------------------------

Argv cloister(const Argv& args) {
  Argv argv = {kCloister, "run"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

Argv sandbox(const Argv& options, const Argv& probe_args) {
  Argv args = {"--empty-root", "--ro-bind", kProbe, "/probe",       "--proc",
               "/proc",        "--dev",     "/dev", "--unshare-all"};
  args.insert(args.end(), options.begin(), options.end());
  args.insert(args.end(), {"--", "/probe"});
  args.insert(args.end(), probe_args.begin(), probe_args.end());
  return cloister(args);
}

RunResult run_sandbox(const Argv& options, const Argv& probe_args, const RunOptions& run_options) {
  return run(sandbox(options, probe_args), run_options);
}

RunResult run_default(const Argv& options, const Argv& probe_args, RunOptions run_options) {
  Fd probe(::open(kProbe, O_RDONLY | O_CLOEXEC));
  if (!probe) throw std::runtime_error(std::string("open ") + kProbe + ": " + errno_name(errno));
  run_options.stdin_fd = probe.get();
  Argv args = options;
  args.insert(args.end(),
              {"--", "/bin/sh", "-c",
               "cat > /tmp/.probe && chmod 0755 /tmp/.probe && exec /tmp/.probe \"$@\"", "probe"});
  args.insert(args.end(), probe_args.begin(), probe_args.end());
  return run(cloister(args), run_options);
}

// ---- files ---------------------------------------------------------------------------------

TempDir::TempDir() {
  char name[] = "/tmp/cloister-it-XXXXXX";
  if (!::mkdtemp(name)) throw std::runtime_error("mkdtemp: " + errno_name(errno));
  path_ = name;
  ::chmod(path_.c_str(), 0755);
}

namespace {

// Pre-order: a directory a test made unreadable or unwritable is opened up before descending.
int open_up(const char* path, const struct stat* st, int type, struct FTW*) {
  if (type == FTW_D || type == FTW_DNR) ::chmod(path, (st->st_mode & 07777) | 0700);
  return 0;
}

// Post-order removal; keeps going past what cannot be removed.
int remove_entry(const char* path, const struct stat*, int, struct FTW*) {
  ::remove(path);
  return 0;
}

}  // namespace

TempDir::~TempDir() {
  // FTW_MOUNT: never crosses into a mount point (the tests mount nothing on the host).
  ::nftw(path_.c_str(), open_up, 16, FTW_PHYS | FTW_MOUNT);
  ::nftw(path_.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

std::string TempDir::write(const std::string& name, const std::string& content, mode_t mode) const {
  const std::string path = *this / name;
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd ||
      ::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size()))
    throw std::runtime_error("write " + path + ": " + errno_name(errno));
  ::fchmod(fd.get(), mode);
  return path;
}

const TempDir& TempDir::writable_by_sandbox() const {
  ::chmod(path_.c_str(), 0777);
  return *this;
}

std::string TempDir::mkdir(const std::string& name, mode_t mode) const {
  const std::string path = *this / name;
  if (::mkdir(path.c_str(), mode) != 0 || ::chmod(path.c_str(), mode) != 0)
    throw std::runtime_error("mkdir " + path + ": " + errno_name(errno));
  return path;
}

std::string TempDir::symlink(const std::string& target, const std::string& name) const {
  const std::string path = *this / name;
  if (::symlink(target.c_str(), path.c_str()) != 0)
    throw std::runtime_error("symlink " + path + ": " + errno_name(errno));
  return path;
}

bool is_root() { return ::geteuid() == 0; }

const char* probe_everyone_reaches() {
  static const std::string path = [] {
    const char* given = std::getenv("CLOISTER_TEST_PROBE");
    if (given && *given) return std::string(given);
    static TempDir dir;  // removed at exit
    std::ifstream in(CLOISTER_PROBE, std::ios::binary);
    std::stringstream data;
    data << in.rdbuf();
    if (!in) throw std::runtime_error(std::string("read ") + CLOISTER_PROBE);
    return dir.write("probe", data.str(), 0755);
  }();
  return path.c_str();
}

unsigned sandbox_host_uid() { return is_root() ? 65534 : ::geteuid(); }
unsigned sandbox_host_gid() { return is_root() ? 65534 : ::getegid(); }
namespace {

// In a child: what of a namespace sandbox's first steps the kernel refuses, "" if nothing.
std::string kernel_refusal() {
  auto [read_end, write_end] = make_pipe();
  const pid_t pid = ::fork();
  if (pid < 0) return "fork: " + errno_name(errno);
  if (pid == 0) {
    // `cloister run` needs a user namespace for root too (root's sandbox maps onto nobody).
    std::string what;
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
      what = "unshare(CLONE_NEWUSER|CLONE_NEWNS): " + errno_name(errno);
    else if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      what = "mount(\"/\", MS_REC|MS_PRIVATE): " + errno_name(errno);
    ssize_t ignored = ::write(write_end.get(), what.data(), what.size());
    (void)ignored;
    ::_exit(0);
  }
  write_end.reset();
  std::string what = read_all(read_end.get(), milliseconds(10000));
  ::waitpid(pid, nullptr, 0);
  return what;
}

}  // namespace

const std::string& namespaces_refused() {
  static const std::string why = [] {
    const std::string refused = kernel_refusal();
    if (refused.empty()) return refused;
    auto r =
        run(cloister({"--empty-root", "--ro-bind", kProbe, "/probe", "--", "/probe", "exit", "0"}));
    const auto lines = lines_of(r.err);
    return "the kernel refuses namespace sandboxes here (" + refused + "); cloister says: " +
           (lines.empty() ? "(nothing, exit code " + std::to_string(r.exit_code) + ")"
                          : lines.back());
  }();
  return why;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return {"<" + errno_name(errno) + ">"};
  while (dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_text(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return "<" + errno_name(errno) + ">";
  return read_all(fd.get(), milliseconds(2000));
}

std::vector<std::string> host_interfaces() {
  std::vector<std::string> names;
  struct if_nameindex* ifs = ::if_nameindex();
  if (!ifs) return names;
  for (struct if_nameindex* i = ifs; i->if_index != 0; ++i) names.push_back(i->if_name);
  ::if_freenameindex(ifs);
  std::sort(names.begin(), names.end());
  return names;
}

// ---- processes -----------------------------------------------------------------------------

namespace {

char state_of(pid_t pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (stat.empty() || stat[0] == '<' || close == std::string::npos || close + 2 >= stat.size())
    return 0;
  return stat[close + 2];
}

}  // namespace

bool alive(pid_t pid) {
  const char state = state_of(pid);
  return state != 0 && state != 'Z' && state != 'X';
}

bool wait_gone(pid_t pid, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (alive(pid)) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

std::vector<pid_t> processes_in_pid_namespace(unsigned long ns_id) {
  std::vector<pid_t> pids;
  for (const auto& name : list_dir("/proc")) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    struct stat st {};
    if (::stat(("/proc/" + name + "/ns/pid").c_str(), &st) != 0) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
    if (st.st_ino == ns_id && alive(pid)) pids.push_back(pid);
  }
  return pids;
}

unsigned long own_namespace(const char* name) {
  struct stat st {};
  if (::stat((std::string("/proc/self/ns/") + name).c_str(), &st) != 0) return 0;
  return static_cast<unsigned long>(st.st_ino);
}

StartRecord read_start(int fd) {
  StartRecord record;
  record.line = read_line(fd, std::chrono::seconds(10));
  auto values = json_numbers(record.line);
  record.child_pid = values.count("child-pid") ? static_cast<pid_t>(values["child-pid"]) : 0;
  record.pid_ns =
      values.count("pid-namespace") ? static_cast<unsigned long>(values["pid-namespace"]) : 0;
  return record;
}

bool pid_namespace_empties(unsigned long ns, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!processes_in_pid_namespace(ns).empty()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

std::map<std::string, long> json_numbers(const std::string& object) {
  std::map<std::string, long> values;
  static const std::regex pair("\"([a-z-]+)\"\\s*:\\s*(-?[0-9]+)");
  for (auto it = std::sregex_iterator(object.begin(), object.end(), pair);
       it != std::sregex_iterator(); ++it)
    values[(*it)[1].str()] = std::stol((*it)[2].str());
  return values;
}

std::string errno_name(int err) {
  const char* name = ::strerrorname_np(err);
  return name ? name : "E" + std::to_string(err);
}

}  // namespace cloister_it
