#include "library/daemon.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cloister::daemon {
namespace {

constexpr char kConfined = 'R';
constexpr char kFailed = 'E';
constexpr std::size_t kMessageLimit = 4000;  // one atomic pipe write (PIPE_BUF)

void exit_on_signal(int) { ::_exit(0); }

Status ending_signals_exit() {
  struct sigaction action {};
  action.sa_handler = exit_on_signal;
  ::sigemptyset(&action.sa_mask);
  for (int sig : {SIGTERM, SIGQUIT, SIGINT})
    if (::sigaction(sig, &action, nullptr) != 0)
      return Error{"daemonize", "sigaction", ::strsignal(sig), errno, ""};
  return ok_status();
}

Status become_daemon(int dev_null) {
  if (::setsid() < 0) return Error{"daemonize", "setsid", "", errno, ""};
  for (int fd = 0; fd <= 2; ++fd)
    if (::dup2(dev_null, fd) < 0) return Error{"daemonize", "dup2", "/dev/null", errno, ""};
  return ending_signals_exit();
}

std::string how_it_ended(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    std::string text = std::string("was killed by SIG") + ::sigabbrev_np(WTERMSIG(status));
    if (WTERMSIG(status) == SIGSYS) text += " (its seccomp filter denies a call it made)";
    return text;
  }
  return "ended";
}

// The daemon's one message, or how it ended without one.
Result<pid_t> wait_for_report(pid_t daemon, int from_daemon) {
  std::string message;
  char buf[512];
  ssize_t n;
  while ((n = ::read(from_daemon, buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    message.append(buf, static_cast<std::size_t>(n));
    if (message.front() == kConfined) return daemon;
    if (message.back() == '\0') break;
  }
  if (!message.empty() && message.front() == kFailed) {
    ::kill(daemon, SIGKILL);
    ::waitpid(daemon, nullptr, 0);
    return Error{"daemonize", "the daemon could not confine itself",
                 std::string(message.c_str() + 1), 0, ""};
  }
  int status = 0;
  while (::waitpid(daemon, &status, 0) < 0 && errno == EINTR) {
  }
  return Error{"daemonize", "the daemon " + how_it_ended(status) + " before it was confined", "", 0,
               "a daemon's phases must run to apply_seccomp()"};
}

}  // namespace

void Report::confined() {
  if (!fd_) return;
  const char byte = kConfined;
  (void)!::write(fd_.get(), &byte, 1);
}

void Report::failed(const Error& error) {
  if (!fd_) return;
  std::string message = std::string(1, kFailed) + error.message().substr(0, kMessageLimit);
  message.push_back('\0');
  (void)!::write(fd_.get(), message.data(), message.size());
  fd_.reset();
}

Result<Forked> fork_daemon(const std::string& pid_file, std::uint64_t namespaces) {
  UniqueFd pid_fd;
  if (!pid_file.empty()) {
    pid_fd.reset(::open(pid_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!pid_fd)
      return Error{"daemonize", "open", pid_file, errno,
                   "the PID file's directory must exist and be writable"};
  }
  UniqueFd dev_null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!dev_null) return Error{"daemonize", "open", "/dev/null", errno, ""};
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return Error{"daemonize", "pipe2", "", errno, ""};
  UniqueFd from_daemon(ends[0]), to_caller(ends[1]);
  // clone() as a fork. CLONE_NEWPID: the daemon is born PID 1 of its namespace, and the
  // calling process's own later children stay in its namespace (unshare would move them).
  // CLONE_NEWNS: the daemon's pivot_root must not move the caller, which shares the mount
  // namespace enter_namespaces() made, into the daemon's root.
  const pid_t pid = namespaces ? static_cast<pid_t>(::syscall(SYS_clone, namespaces | SIGCHLD,
                                                              nullptr, nullptr, nullptr, 0))
                               : ::fork();
  if (pid < 0)
    return Error{"daemonize", namespaces ? "clone(CLONE_NEWPID|CLONE_NEWNS)" : "fork", "", errno,
                 namespaces ? "new namespaces need CAP_SYS_ADMIN in the user namespace: "
                              "enter_namespaces() first"
                            : ""};
  if (pid == 0) {
    from_daemon.reset();
    Report report(std::move(to_caller));
    if (auto s = become_daemon(dev_null.get()); !s) {
      report.failed(s.error());
      ::_exit(1);
    }
    return Forked{0, std::move(report)};
  }
  to_caller.reset();
  if (pid_fd) {
    const std::string text = std::to_string(pid) + "\n";
    errno = 0;
    if (::write(pid_fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      const int err = errno ? errno : EIO;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      ::unlink(pid_file.c_str());
      return Error{"daemonize", "write", pid_file, err, ""};
    }
    pid_fd.reset();
  }
  auto confined = wait_for_report(pid, from_daemon.get());
  if (!confined) {
    if (!pid_file.empty()) ::unlink(pid_file.c_str());
    return confined.take_error();
  }
  return Forked{pid, Report{}};
}

}  // namespace cloister::daemon
