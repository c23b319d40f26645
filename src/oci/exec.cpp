// exec: a new process in a running container. It enters the container's cgroup and
// namespaces (those that differ from the runtime's), then takes the same privileges phase as
// the container's own process (ids, capabilities, no_new_privs, Landlock, rlimits) and its
// seccomp filters, all planned from the bundle with the exec's process in place of config's.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "isolate/descriptors.hpp"
#include "kernel/fd.hpp"
#include "kernel/io.hpp"
#include "kernel/syscalls.hpp"
#include "oci/console_socket.hpp"
#include "oci/runtime.hpp"
#include "oci/spec.hpp"
#include "oci/state.hpp"
#include "plan/plan.hpp"
#include "process/engine.hpp"
#include "process/launcher.hpp"
#include "process/passwd.hpp"
#include "process/program.hpp"
#include "process/report.hpp"
#include "process/signals.hpp"

namespace cloister::oci {
namespace {

struct NsType {
  const char* name;
  int flag;
};
// The user namespace first (the rest are owned by it), the mount namespace last (it changes
// the root the others' paths were opened from).
constexpr NsType kJoinOrder[] = {{"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC},
                                 {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},
                                 {"pid", CLONE_NEWPID},   {"cgroup", CLONE_NEWCGROUP},
                                 {"mnt", CLONE_NEWNS}};

struct Join {
  UniqueFd fd;
  int flag = 0;
  std::string name;
};

ino_t ns_inode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// The container's namespaces that are not the runtime's own, opened now (pinned).
Result<std::vector<Join>> open_namespaces(pid_t pid) {
  std::vector<Join> joins;
  const std::string proc = "/proc/" + std::to_string(pid) + "/ns/";
  for (const auto& t : kJoinOrder) {
    const std::string theirs = proc + t.name;
    if (ns_inode(theirs) == ns_inode(std::string("/proc/self/ns/") + t.name)) continue;
    UniqueFd fd(::open(theirs.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error{"exec", "open", theirs, errno, ""};
    joins.push_back(Join{std::move(fd), t.flag, t.name});
  }
  return joins;
}

Result<Json> process_json(const ExecOptions& o, const std::string& bundle) {
  if (!o.process_file.empty()) {
    UniqueFd fd(::open(o.process_file.c_str(), O_RDONLY | O_CLOEXEC));
    auto text = fd ? io::read_all(fd.get()) : std::nullopt;
    if (!text) return Error{"--process", "read", o.process_file, errno, ""};
    Json j = Json::parse(*text, nullptr, false);
    if (!j.is_object()) return Error{"--process", "parse", o.process_file, 0, "not a JSON object"};
    return j;
  }
  UniqueFd fd(::open((bundle + "/config.json").c_str(), O_RDONLY | O_CLOEXEC));
  auto text = fd ? io::read_all(fd.get()) : std::nullopt;
  if (!text) return Error{"exec", "read", bundle + "/config.json", errno, ""};
  Json config = Json::parse(*text, nullptr, false);
  if (!config.is_object() || !config.contains("process"))
    return Error{"exec", "parse", bundle + "/config.json", 0, "no process in the bundle"};
  Json p = config["process"];
  if (o.args.empty()) return Error{"exec", "no command given", "", 0, "exec ID COMMAND [ARG...]"};
  p["args"] = o.args;
  p["terminal"] = o.tty;
  for (const auto& e : o.env) p["env"].push_back(e);
  if (!o.cwd.empty()) p["cwd"] = o.cwd;
  if (o.user) {
    p["user"]["uid"] = o.user->first;
    p["user"]["gid"] = o.user->second;
  }
  for (const auto& cap : o.caps)
    for (const char* set : {"bounding", "effective", "permitted"})
      p["capabilities"][set].push_back(cap);
  return p;
}

// The bundle's plan, with the exec's process, for a process that joins rather than creates:
// no namespace, root, cgroup or sysctl of its own. Its ids are switched to as host ids would
// be, after the user namespace (if any) is entered.
Result<Plan> exec_plan(Container& c, int preserve_fds) {
  Policy& p = c.policy;
  p.ns = Namespaces{};
  p.as_pid_1 = false;
  p.ns.mount = Want::No;
  c.namespace_fds.clear();
  p.fs.clear();
  p.root_read_only = false;
  p.hostname.reset();
  p.sysctls.clear();
  p.cgroup = CgroupPolicy{};
  p.id.uid_map.clear();
  p.id.gid_map.clear();
  p.id.host_ids = true;
  for (int fd = 3; fd < 3 + preserve_fds; ++fd) p.keep_fds.push_back(fd);
  // The ids are those of the container's user namespace, entered first, whose root the
  // process is until it switches.
  Caller caller = current_caller();
  caller.uid = 0;
  caller.gid = 0;
  caller.host_root = true;
  return resolve(p, caller);
}

[[noreturn]] void fail(int fd, const Error& e, int code = kExitSetupFailed) {
  report::fail(fd, e, code);
}

[[noreturn]] void become_process(const Plan& plan, int report_fd) {
  if (::chdir(plan.cwd.c_str()) != 0) fail(report_fd, Error{"exec", "chdir", plan.cwd, errno, ""});
  signals::reset_for_exec();
  if (auto st = engine::drop_privileges(plan, {}); !st) fail(report_fd, st.error());
  if (auto st = engine::install_seccomp(plan, false, false); !st) fail(report_fd, st.error());
  std::vector<char*> argv, envp;
  for (const auto& a : plan.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : plan.env) envp.push_back(const_cast<char*>(e.c_str()));
  // In the container's mount namespace now: its /etc/passwd.
  const std::string home =
      plan.home_of_uid ? "HOME=" + passwd::home_of(*plan.home_of_uid) : std::string();
  if (!home.empty()) envp.push_back(const_cast<char*>(home.c_str()));
  envp.push_back(nullptr);
  const char* path = program::path_of(envp.data(), plan.exec.default_path.c_str());
  const int err = program::exec(plan.exec_path.c_str(), argv.data(), envp.data(), path,
                                plan.exec.shell_fallback);
  fail(report_fd, program::oci_error(plan.exec_path, path, err), program::exit_code_for(err));
}

// The first child: into the cgroup and namespaces, then (a PID namespace applies to children
// only) forks the process that execs. It tells the runtime that process's pid, then waits
// for it, or with --detach leaves it to the runtime's caller's subreaper.
[[noreturn]] void enter_and_fork(const Plan& plan, const State& s, std::vector<Join>& joins,
                                 int report_fd, int pid_fd, bool detach) {
  const std::string self = std::to_string(::getpid());
  for (const auto& dir : s.cgroup_paths) {
    UniqueFd procs(::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
    if (!procs || ::write(procs.get(), self.data(), self.size()) < 0)
      fail(report_fd, Error{"exec", "join cgroup", dir, errno, ""});
  }
  for (auto& j : joins)
    if (::setns(j.fd.get(), j.flag) != 0)
      fail(report_fd, Error{"exec", "setns", j.name, errno, ""});
  const pid_t child = ::fork();
  if (child < 0) fail(report_fd, Error{"exec", "fork", "", errno, ""});
  if (child == 0) {
    ::close(pid_fd);
    become_process(plan, report_fd);
  }
  (void)!::write(pid_fd, &child, sizeof child);
  ::close(pid_fd);
  ::close(report_fd);
  if (detach) ::_exit(0);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

// The started process's pid, then EOF on the report pipe (it executed) or its failure.
Result<pid_t> wait_started(int pid_read, int report_read, pid_t first) {
  pid_t pid = 0;
  const ssize_t n = ::read(pid_read, &pid, sizeof pid);
  report::Record record;
  const ssize_t r = ::read(report_read, &record, sizeof record);
  if (r == static_cast<ssize_t>(sizeof record)) {
    int status = 0;
    ::waitpid(first, &status, 0);
    return report::decode(record);
  }
  if (n != sizeof pid) {
    int status = 0;
    ::waitpid(first, &status, 0);
    return Error{"exec", "the process ended before it ran", "", 0, ""};
  }
  return pid;
}

int wait_foreground(pid_t first, pid_t process) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH}) sigaddset(&set, sig);
  UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
  UniqueFd pidfd(sys::pidfd_open(first));
  UniqueFd target(sys::pidfd_open(process));
  for (;;) {
    pollfd fds[2] = {{pidfd.get(), POLLIN, 0}, {sfd.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[1].revents) {
      signalfd_siginfo info{};
      if (::read(sfd.get(), &info, sizeof info) == sizeof info && target)
        sys::pidfd_send_signal(target.get(), static_cast<int>(info.ssi_signo));
    }
    if (fds[0].revents) break;
  }
  int status = 0;
  while (::waitpid(first, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int exec(const Global& g, const std::string& id, const ExecOptions& o) {
  if (auto valid = check_id(id); !valid) return report_error(g, valid.error());
  StateDir dir(g.root, id);
  auto s = dir.load();
  if (!s) return report_error(g, s.error());
  const auto status = dir.status(*s);
  if (status != ContainerStatus::Running && status != ContainerStatus::Created)
    return report_error(
        g, Error{"exec", "container " + quote(id) + " is " + status_name(status), "", 0,
                 status == ContainerStatus::Paused ? "resume it first" : ""});
  auto process = process_json(o, s->bundle);
  if (!process) return report_error(g, process.error());
  LoadOptions load;
  load.process = &*process;
  auto container = load_bundle(s->bundle, load);
  if (!container) return report_error(g, container.error());
  auto console = connect_console(*container, o.console_socket);
  if (!console) return report_error(g, console.error());
  auto plan = exec_plan(*container, o.preserve_fds);
  if (!plan) return report_error(g, plan.error());
  for (const auto& n : container->notices) log_warning(g, n);
  if (auto closed = engine::close_inherited_descriptors(*plan); !closed)
    return report_error(g, closed.error());
  auto joins = open_namespaces(s->pid);
  if (!joins) return report_error(g, joins.error());
  if (!live_start_time(s->pid) || *live_start_time(s->pid) != s->start_time)
    return report_error(g, Error{"exec", "the container's process is gone", "", 0, ""});
  int report[2], pids[2];
  if (::pipe2(report, O_CLOEXEC) != 0 || ::pipe2(pids, O_CLOEXEC) != 0)
    return report_error(g, Error{"exec", "pipe2", "", errno, ""});
  UniqueFd report_read(report[0]), report_write(report[1]), pid_read(pids[0]), pid_write(pids[1]);
  sigset_t set, old;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH}) sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, &old);
  const pid_t first = ::fork();
  if (first < 0) return report_error(g, Error{"exec", "fork", "", errno, ""});
  if (first == 0) {
    report_read.reset();
    pid_read.reset();
    enter_and_fork(*plan, *s, *joins, report_write.get(), pid_write.get(), o.detach);
  }
  report_write.reset();
  pid_write.reset();
  auto started = wait_started(pid_read.get(), report_read.get(), first);
  if (!started) return report_error(g, started.error(), 125);
  if (auto st = write_pid_file(o.pid_file, *started); !st) return report_error(g, st.error());
  if (o.detach) {
    int st = 0;
    ::waitpid(first, &st, 0);
    return 0;
  }
  return wait_foreground(first, *started);
}

}  // namespace cloister::oci
