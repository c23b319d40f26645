#include "process/parent_watch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <string>

#include "kernel/fd.hpp"
#include "kernel/io.hpp"
#include "kernel/syscalls.hpp"

namespace cloister::parent_watch {
namespace {

// A pidfd is readable once its process has exited (a zombie included).
bool exited(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  int n;
  do n = ::poll(&p, 1, 0);
  while (n < 0 && errno == EINTR);
  return n > 0;
}

std::string process_name(const Parent& parent, pid_t pid) {
  if (pid <= 0) return "the process of pidfd " + std::to_string(parent.pidfd);
  if (parent.pidfd >= 0)
    return "process " + std::to_string(pid) + " (pidfd " + std::to_string(parent.pidfd) + ")";
  return "process " + std::to_string(pid);
}

Error already_exited(const Parent& parent, pid_t pid) {
  return Error{parent.option, "the parent already exited:", process_name(parent, pid), 0,
               "cloister started nothing: it must not outlive that process"};
}

// The parent's pidfd: the caller's (--parent-pidfd), or opened now.
Result<int> parent_pidfd(const Parent& parent, pid_t pid, UniqueFd& opened) {
  if (parent.pidfd >= 0) return parent.pidfd;
  opened.reset(sys::pidfd_open(pid));
  if (opened) return opened.get();
  if (errno == ESRCH) return already_exited(parent, pid);
  return Error{parent.option, "pidfd_open", std::to_string(pid), errno, ""};
}

}  // namespace

Result<pid_t> pid_of_pidfd(int fd) {
  const std::string path = "/proc/self/fdinfo/" + std::to_string(fd);
  UniqueFd info(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!info)
    return Error{"--parent-pidfd", "open", path, errno,
                 errno == ENOENT ? "the file descriptor is not open" : ""};
  auto text = io::read_all(info.get());
  if (!text) return Error{"--parent-pidfd", "read", path, errno, ""};
  const auto at = text->find("\nPid:");
  if (at == std::string::npos)
    return Error{"--parent-pidfd", "fd " + std::to_string(fd) + " is not a pidfd", "", 0,
                 "pass a descriptor from pidfd_open(2) or clone3's CLONE_PIDFD"};
  return static_cast<pid_t>(std::strtol(text->c_str() + at + 5, nullptr, 10));
}

Status die_with(const Parent& parent) {
  // First: from here on the parent's death kills cloister; what the checks below see can
  // only have happened before.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    return Error{parent.option, "prctl(PR_SET_PDEATHSIG)", "", errno, ""};
  pid_t pid = parent.pid;
  if (parent.pidfd >= 0) {
    auto of_fd = pid_of_pidfd(parent.pidfd);
    if (!of_fd) return of_fd.take_error();
    pid = *of_fd;
    if (pid <= 0) return already_exited(parent, pid);
  }
  if (pid == 0) return ok_status();  // a parent outside cloister's PID namespace: no pid to check
  UniqueFd opened;
  auto pidfd = parent_pidfd(parent, pid, opened);
  if (!pidfd) return pidfd.take_error();
  // A parent that died before the prctl has exited (the pidfd says so, even for a zombie),
  // and cloister was moved to another parent.
  if (exited(*pidfd)) return already_exited(parent, pid);
  if (pid == ::getpid())
    return Error{parent.option, "names cloister itself:", process_name(parent, pid), 0,
                 "pass the PID of the process that starts cloister; after `exec cloister`, a "
                 "shell's $$ is cloister's own PID"};
  const pid_t actual = ::getppid();
  if (actual != pid)
    return Error{parent.option, "is not cloister's parent:", process_name(parent, pid), 0,
                 "cloister's parent is process " + std::to_string(actual) +
                     "; name the process that starts cloister, e.g. a shell's $$ for "
                     "`cloister run --parent-pid $$ ... &`"};
  return ok_status();
}

}  // namespace cloister::parent_watch
