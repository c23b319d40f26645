// state, kill, pause, resume, ps, delete, list and features: the commands that work on a container
// by its state directory, from any process, after the one that created it is gone.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <set>
#include <vector>

#include "isolate/cgroups.hpp"
#include "kernel/fd.hpp"
#include "kernel/io.hpp"
#include "kernel/syscalls.hpp"
#include "oci/cgroup_parents.hpp"
#include "oci/hooks.hpp"
#include "oci/runtime.hpp"
#include "oci/state.hpp"

namespace cloister::oci {
namespace {

void write_log(const Global& g, const char* level, const std::string& text) {
  if (g.log.empty()) return;
  UniqueFd fd(::open(g.log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return;
  std::string line;
  if (g.log_json)
    line = Json{{"level", level}, {"msg", text}, {"time", now_rfc3339()}}.dump() + "\n";
  else
    line = now_rfc3339() + " " + level + ": " + text + "\n";
  (void)!::write(fd.get(), line.data(), line.size());
}

// A pidfd of the container's process, only if it is still that process (same start time).
UniqueFd pin_process(const State& s) {
  if (s.pid <= 0) return UniqueFd();
  UniqueFd fd(sys::pidfd_open(s.pid));
  if (!fd) return fd;
  const auto started = live_start_time(s.pid);
  if (!started || (s.start_time != 0 && *started != s.start_time)) return UniqueFd();
  return fd;
}

struct SignalName {
  const char* name;
  int number;
};
constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},   {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS}};

Result<int> parse_signal(const std::string& text) {
  char* end = nullptr;
  const long n = std::strtol(text.c_str(), &end, 10);
  if (!text.empty() && *end == '\0') {
    if (n > 0 && n < 65) return static_cast<int>(n);
  } else {
    std::string name = text;
    for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
    for (const auto& s : kSignals)
      if (name == s.name) return s.number;
    if (name.rfind("RTMIN+", 0) == 0) return SIGRTMIN + std::atoi(name.c_str() + 6);
  }
  return Error{"kill", "unknown signal", quote(text), 0, "a number or a name: TERM, SIGKILL, ..."};
}

// The processes of the container's cgroups (each listed once), as this process's PID
// namespace numbers them.
std::vector<pid_t> cgroup_pids(const State& s) {
  std::set<pid_t> pids;
  for (const auto& dir : s.cgroup_paths) {
    UniqueFd fd(::open((dir + "/cgroup.procs").c_str(), O_RDONLY | O_CLOEXEC));
    auto text = fd ? io::read_all(fd.get()) : std::nullopt;
    if (!text) continue;
    const char* p = text->c_str();
    while (*p) {
      char* end = nullptr;
      const long pid = std::strtol(p, &end, 10);
      if (end == p) break;
      p = end;
      while (*p == '\n') ++p;
      if (pid > 0) pids.insert(static_cast<pid_t>(pid));
    }
  }
  return {pids.begin(), pids.end()};
}

// Every process of the container's cgroup (kill --all), each pinned by a pidfd before the
// signal.
void signal_cgroup(const State& s, int signal) {
  for (pid_t pid : cgroup_pids(s)) {
    UniqueFd pidfd(sys::pidfd_open(pid));
    if (pidfd) sys::pidfd_send_signal(pidfd.get(), signal);
  }
}

ino_t pid_namespace_of(const std::string& pid) {
  struct stat st {};
  return ::stat(("/proc/" + pid + "/ns/pid").c_str(), &st) == 0 ? st.st_ino : 0;
}

// The processes of the container's own PID namespace (a container without a cgroup:
// rootless); only its own process when it shares the runtime's PID namespace.
std::vector<pid_t> pid_namespace_pids(const State& s) {
  const ino_t ns = pid_namespace_of(std::to_string(s.pid));
  if (ns == 0) return {};
  if (ns == pid_namespace_of("self")) return {s.pid};
  std::vector<pid_t> pids;
  DIR* d = ::opendir("/proc");
  if (!d) return pids;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid > 0 && *end == '\0' && pid_namespace_of(e->d_name) == ns)
      pids.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  std::sort(pids.begin(), pids.end());
  return pids;
}

// Every process of the container's own PID namespace (kill --all of a container without a
// cgroup), each pinned by a pidfd and signalled only if still in it. A container sharing the
// runtime's PID namespace has only its own process signalled.
void signal_pid_namespace(const State& s, int pidfd, int signal) {
  const ino_t ns = pid_namespace_of(std::to_string(s.pid));
  if (ns == 0 || ns == pid_namespace_of("self")) {
    sys::pidfd_send_signal(pidfd, signal);
    return;
  }
  for (pid_t pid : pid_namespace_pids(s)) {
    UniqueFd fd(sys::pidfd_open(pid));
    if (fd && pid_namespace_of(std::to_string(pid)) == ns) sys::pidfd_send_signal(fd.get(), signal);
  }
}

// Waits (bounded) until the pinned process has exited.
bool wait_gone(int pidfd, int timeout_ms) {
  pollfd p{pidfd, POLLIN, 0};
  int n;
  do n = ::poll(&p, 1, timeout_ms);
  while (n < 0 && errno == EINTR);
  return n > 0;
}

// After a SIGKILL to a paused container: thawed, or on cgroup v1 its processes would never
// see the signal (v2 lets a fatal signal through the freezer; thawing there is harmless).
// runc thaws likewise.
Status thaw_after_kill(const State& s) {
  const auto freezer = cgroups::freezer_of(s.cgroup_paths);
  if (freezer.empty() || !cgroups::is_frozen(freezer)) return ok_status();
  return cgroups::set_frozen(freezer, false);
}

Status end_container(const State& s) {
  UniqueFd pidfd = pin_process(s);
  // Everything of a paused container is sent SIGKILL before the thaw: nothing of it runs on.
  if (const auto freezer = cgroups::freezer_of(s.cgroup_paths);
      !freezer.empty() && cgroups::is_frozen(freezer)) {
    signal_cgroup(s, SIGKILL);
    CLOISTER_TRY(cgroups::set_frozen(freezer, false));
  }
  if (pidfd) {
    sys::pidfd_send_signal(pidfd.get(), SIGKILL);
    if (!wait_gone(pidfd.get(), 10000))
      return Error{"delete", "the container's process did not end after SIGKILL", "", 0, ""};
  }
  // What it left (without a PID namespace of its own, or when it was not PID 1 of one).
  for (const auto& dir : s.cgroup_paths) CLOISTER_TRY(cgroups::kill_and_remove_dir(dir));
  return ok_status();
}

}  // namespace

int report_error(const Global& g, const Error& e, int code) {
  const auto text = e.message();
  std::cerr << "cloister-oci: " << text << std::endl;
  write_log(g, "error", text);
  return code;
}

// With a log, warnings go there only: an engine passes the container's own stderr as the
// runtime's, and a warning is not the container's output.
void log_warning(const Global& g, const std::string& text) {
  if (g.log.empty())
    std::cerr << "cloister-oci: " << text << std::endl;
  else
    write_log(g, "warning", text);
}

int state(const Global& g, const std::string& id) {
  if (auto valid = check_id(id); !valid) return report_error(g, valid.error());
  StateDir dir(g.root, id);
  auto s = dir.load();
  if (!s) return report_error(g, s.error());
  std::cout << Json::parse(state_json(*s, dir.status(*s))).dump(2) << std::endl;
  return 0;
}

int kill(const Global& g, const std::string& id, const std::string& signal_text, bool all) {
  if (auto valid = check_id(id); !valid) return report_error(g, valid.error());
  auto signal = parse_signal(signal_text);
  if (!signal) return report_error(g, signal.error());
  StateDir dir(g.root, id);
  auto s = dir.load();
  if (!s) return report_error(g, s.error());
  // A stopped container has nothing left to signal: done, not an error (engines stop and
  // kill containers that may have exited meanwhile).
  if (dir.status(*s) == ContainerStatus::Stopped) return 0;
  UniqueFd pidfd = pin_process(*s);
  if (all && !s->cgroup_paths.empty()) {
    signal_cgroup(*s, *signal);
  } else if (all) {
    if (pidfd) signal_pid_namespace(*s, pidfd.get(), *signal);
  } else if (pidfd && sys::pidfd_send_signal(pidfd.get(), *signal) != 0 && errno != ESRCH) {
    return report_error(g, Error{"kill", "pidfd_send_signal", std::to_string(s->pid), errno, ""});
  }
  if (*signal == SIGKILL)
    if (auto st = thaw_after_kill(*s); !st) return report_error(g, st.error());
  return 0;
}

int pause(const Global& g, const std::string& id, bool frozen) {
  const char* command = frozen ? "pause" : "resume";
  if (auto valid = check_id(id); !valid) return report_error(g, valid.error());
  StateDir dir(g.root, id);
  auto s = dir.load();
  if (!s) return report_error(g, s.error());
  const auto status = dir.status(*s);
  // runc's rule: pause a created or running container, resume a paused one.
  const bool can = frozen ? status == ContainerStatus::Running || status == ContainerStatus::Created
                          : status == ContainerStatus::Paused;
  if (!can)
    return report_error(
        g, Error{command, "container " + quote(id) + " is " + status_name(status), "", 0,
                 frozen ? (status == ContainerStatus::Paused ? "it is paused already"
                                                             : "only a created or running "
                                                               "container can be paused")
                        : "only a paused container can be resumed"});
  if (s->cgroup_paths.empty())
    return report_error(
        g, Error{command, "container " + quote(id) + " has no cgroup", "", 0,
                 std::string(command) +
                     " freezes or thaws the container's cgroup, and this one got none (a "
                     "rootless container where no cgroup is delegated to the user)"});
  const auto freezer = cgroups::freezer_of(s->cgroup_paths);
  if (freezer.empty())
    return report_error(
        g, Error{command, "no freezer in the cgroups of container " + quote(id), "", 0,
                 "cgroup v2 (Linux 5.2) or the v1 freezer hierarchy mounted at create time is "
                 "needed; the container is in " +
                     s->cgroup_paths.front() + (s->cgroup_paths.size() > 1 ? " and others" : "")});
  if (auto st = cgroups::set_frozen(freezer, frozen); !st) return report_error(g, st.error());
  return 0;
}

int ps(const Global& g, const std::string& id, bool json) {
  if (auto valid = check_id(id); !valid) return report_error(g, valid.error());
  StateDir dir(g.root, id);
  auto s = dir.load();
  if (!s) return report_error(g, s.error());
  // The cgroup holds what the container left behind too (without a PID namespace of its own,
  // its init's children outlive it): listed whatever the init's status, as runc lists them.
  std::vector<pid_t> pids;
  if (!s->cgroup_paths.empty())
    pids = cgroup_pids(*s);
  else if (dir.status(*s) != ContainerStatus::Stopped)
    pids = pid_namespace_pids(*s);
  if (json) {
    std::cout << Json(pids).dump() << std::endl;
    return 0;
  }
  std::cout << "PID\tCMD\n";
  for (pid_t pid : pids) {
    UniqueFd fd(
        ::open(("/proc/" + std::to_string(pid) + "/cmdline").c_str(), O_RDONLY | O_CLOEXEC));
    std::string command = fd ? io::read_all(fd.get()).value_or("") : "";
    while (!command.empty() && command.back() == '\0') command.pop_back();
    for (auto& ch : command)
      if (ch == '\0') ch = ' ';
    std::cout << pid << "\t" << command << "\n";
  }
  std::cout.flush();
  return 0;
}

int remove(const Global& g, const std::string& id, bool force) {
  if (auto valid = check_id(id); !valid) return report_error(g, valid.error());
  StateDir dir(g.root, id);
  auto s = dir.load();
  if (!s && s.error().err == EBUSY && force) {
    // A create that crashed before it saved anything: nothing runs that the state could name.
    if (auto st = dir.remove(); !st) return report_error(g, st.error());
    return 0;
  }
  // --force makes sure the container is gone: one that is not there already is (runc and crun
  // agree; engines delete --force after a failed create, which removed everything itself).
  if (!s && s.error().err == ENOENT && force && !dir.exists()) return 0;
  if (!s) return report_error(g, s.error());
  const auto status = dir.status(*s);
  if ((status == ContainerStatus::Running || status == ContainerStatus::Paused) && !force)
    return report_error(g, Error{"delete", "container " + quote(id) + " is " + status_name(status),
                                 "", 0, "stop it first, or delete --force"});
  if (auto st = end_container(*s); !st) return report_error(g, st.error());
  remove_cgroup_parents(s->cgroup_parents_made);
  if (auto st = run_hooks(s->poststop, state_json(*s, ContainerStatus::Stopped)); !st)
    log_warning(g, st.error().message());
  if (auto st = dir.remove(); !st) return report_error(g, st.error());
  return 0;
}

int list(const Global& g) {
  std::cout << "ID\tPID\tSTATUS\tBUNDLE\tCREATED\n";
  DIR* d = ::opendir(g.root.c_str());
  if (!d) return 0;
  while (dirent* e = ::readdir(d)) {
    const std::string id = e->d_name;
    if (id == "." || id == "..") continue;
    StateDir dir(g.root, id);
    auto s = dir.load();
    if (!s) continue;
    std::cout << id << "\t" << s->pid << "\t" << status_name(dir.status(*s)) << "\t" << s->bundle
              << "\t" << s->created << "\n";
  }
  ::closedir(d);
  return 0;
}

}  // namespace cloister::oci
