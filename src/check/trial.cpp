#include "check/trial.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "kernel/fd.hpp"
#include "kernel/syscalls.hpp"

namespace cloister::check {
namespace {

struct Wire {
  int err;
  char step[768];
  char note[256];
};

}  // namespace

Attempt in_child(const std::function<Attempt()>& body, int timeout_ms) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Attempt{errno, "pipe2", ""};
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return Attempt{errno, "fork", ""};
  if (pid == 0) {
    read_end.reset();
    const Attempt a = body();
    Wire w{};
    w.err = a.err;
    std::snprintf(w.step, sizeof w.step, "%s", a.step.c_str());
    std::snprintf(w.note, sizeof w.note, "%s", a.note.c_str());
    (void)!::write(write_end.get(), &w, sizeof w);
    ::_exit(0);
  }
  write_end.reset();
  UniqueFd pidfd(sys::pidfd_open(pid));
  Wire w{};
  pollfd p{read_end.get(), POLLIN, 0};
  const bool answered = ::poll(&p, 1, timeout_ms) > 0 &&
                        ::read(read_end.get(), &w, sizeof w) == static_cast<ssize_t>(sizeof w);
  if (!answered) ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (!answered) return Attempt{EINTR, "child", "ended without a report"};
  return Attempt{w.err, w.step, w.note};
}

std::string errno_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOSPC: return "ENOSPC";
    case EUSERS: return "EUSERS";
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENOENT: return "ENOENT";
    case EBUSY: return "EBUSY";
    case ENODEV: return "ENODEV";
    case EROFS: return "EROFS";
    case EINTR: return "EINTR";
    case EBADF: return "EBADF";
    case EFAULT: return "EFAULT";
  }
  return std::to_string(err);
}

}  // namespace cloister::check
