#include "oci/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <chrono>

#include "kernel/fd.hpp"
#include "kernel/syscalls.hpp"

namespace cloister::oci {
namespace {

using Clock = std::chrono::steady_clock;

struct Argv {
  std::vector<char*> args, env;
};

Argv argv_of(const Hook& hook) {
  Argv a;
  for (const auto& s : hook.args) a.args.push_back(const_cast<char*>(s.c_str()));
  a.args.push_back(nullptr);
  for (const auto& s : hook.env) a.env.push_back(const_cast<char*>(s.c_str()));
  a.env.push_back(nullptr);
  return a;
}

// The whole state on the hook's stdin, through a pipe the hook may leave unread.
Status feed(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EPIPE ? ok_status() : Status(Error{"hook", "write stdin", "", errno, ""});
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

Status run_one(const Hook& hook, const std::string& state) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error{hook.origin, "pipe2", "", errno, ""};
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  Argv argv = argv_of(hook);
  const pid_t pid = ::fork();
  if (pid < 0) return Error{hook.origin, "fork", "", errno, ""};
  if (pid == 0) {
    // What `run` blocks to forward to the container is not the hook's: a blocked mask
    // survives execve, and a hook with SIGTERM blocked could not be stopped.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (::dup2(read_end.get(), 0) < 0) ::_exit(127);
    ::execve(hook.path.c_str(), argv.args.data(), argv.env.data());
    ::_exit(errno == ENOENT ? 127 : 126);
  }
  UniqueFd pidfd(sys::pidfd_open(pid));
  read_end.reset();
  const auto saved = ::signal(SIGPIPE, SIG_IGN);
  auto fed = feed(write_end.get(), state);
  ::signal(SIGPIPE, saved);
  write_end.reset();
  bool timed_out = false;
  if (hook.timeout_s && pidfd) {
    pollfd p{pidfd.get(), POLLIN, 0};
    int n;
    do n = ::poll(&p, 1, *hook.timeout_s * 1000);
    while (n < 0 && errno == EINTR);
    if (n == 0) {
      timed_out = true;
      sys::pidfd_send_signal(pidfd.get(), SIGKILL);
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return Error{hook.origin, "timed out after " + std::to_string(*hook.timeout_s) + " s", hook.path,
                 0, "killed"};
  if (!fed) return fed;
  if (WIFSIGNALED(status))
    return Error{hook.origin, "killed by signal " + std::to_string(WTERMSIG(status)), hook.path, 0,
                 ""};
  if (WEXITSTATUS(status) == 127)
    return Error{hook.origin, "could not run", hook.path, ENOENT, ""};
  if (WEXITSTATUS(status) != 0)
    return Error{hook.origin, "exited with status " + std::to_string(WEXITSTATUS(status)),
                 hook.path, 0, ""};
  return ok_status();
}

}  // namespace

Status run_hooks(const std::vector<Hook>& hooks, const std::string& state_json) {
  for (const auto& hook : hooks) CLOISTER_TRY(run_one(hook, state_json));
  return ok_status();
}

}  // namespace cloister::oci
