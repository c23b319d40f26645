#include "process/init.hpp"

#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "process/signals.hpp"

namespace cloister::init {

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

namespace {

// Reaps every child that has exited; returns COMMAND's exit code once it is among them.
int reap(pid_t command) {
  int result = -1;
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return result;
    if (pid == command) result = exit_code_of(status);
  }
}

}  // namespace

void run(pid_t command) {
  signals::install_noop_handlers();
  const sigset_t set = signals::watched();
  int sfd = ::signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) ::_exit(125);
  for (;;) {
    signalfd_siginfo info{};
    ssize_t n = ::read(sfd, &info, sizeof info);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof info)) ::_exit(125);
    const int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGCHLD) {
      int code = reap(command);
      if (code >= 0) ::_exit(code);
    } else {
      ::kill(command, sig);
    }
  }
}

namespace {
char* environment_begin = nullptr;
char* environment_end = nullptr;
}  // namespace

void remember_environment(char** envp) {
  for (char** entry = envp; entry && *entry; ++entry) {
    char* end = *entry + std::strlen(*entry) + 1;
    if (!environment_begin || *entry < environment_begin) environment_begin = *entry;
    if (end > environment_end) environment_end = end;
  }
}

void forget_environment() {
  if (environment_begin)
    std::memset(environment_begin, 0,
                static_cast<std::size_t>(environment_end - environment_begin));
}

}  // namespace cloister::init
