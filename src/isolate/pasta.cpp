#include "isolate/pasta.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>

#include "kernel/io.hpp"
#include "kernel/syscalls.hpp"

extern char** environ;

namespace cloister::pasta {
namespace {

std::string temp_pid_file() {
  char name[] = "/tmp/cloister-pasta-XXXXXX";
  const int fd = ::mkstemp(name);
  if (fd < 0) return "";
  ::close(fd);
  return name;
}

}  // namespace

Result<Connection> Connection::start(const std::string& binary, pid_t pid,
                                     const std::vector<Forward>& forwards) {
  const std::string pid_file = temp_pid_file();
  if (pid_file.empty()) return Error{"--net=pasta", "mkstemp", "/tmp", errno, ""};
  std::vector<std::string> args = {binary, "--config-net", "--quiet", "-P", pid_file};
  // As root pasta would switch to nobody, who cannot enter the sandbox's user namespace.
  if (::geteuid() == 0) args.insert(args.end(), {"--runas", "0"});
  // pasta's default for every direction is "auto": each port bound in the sandbox would be
  // reachable from outside, and each loopback port of the host from the sandbox's own
  // 127.0.0.1. Only the --forward ports are forwarded; the host's loopback stays reachable
  // through the gateway address alone (pasta's mapping of it, which --net=pasta documents).
  bool tcp = false, udp = false;
  for (const auto& f : forwards) {
    args.emplace_back(f.udp ? "-u" : "-t");
    args.emplace_back(std::to_string(f.host_port) + ":" + std::to_string(f.sandbox_port));
    (f.udp ? udp : tcp) = true;
  }
  if (!tcp) args.insert(args.end(), {"-t", "none"});
  if (!udp) args.insert(args.end(), {"-u", "none"});
  args.insert(args.end(), {"-T", "none", "-U", "none"});
  args.push_back(std::to_string(pid));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // pasta's stderr is kept to explain a failure (its daemon closes it once ready).
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return Error{"--net=pasta", "pipe2", "", errno, ""};
  UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  // pasta starts with default signal dispositions and nothing blocked, whatever its spawner
  // ignores (the keeper ignores every catchable signal; pasta refuses to start then).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t launcher = -1;
  const int rc = ::posix_spawn(&launcher, binary.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  err_write.reset();
  if (rc != 0) {
    ::unlink(pid_file.c_str());
    return Error{"--net=pasta", "posix_spawn", binary, rc, ""};
  }
  int status = 0;
  while (::waitpid(launcher, &status, 0) < 0 && errno == EINTR) {
  }
  std::string said;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // Read what the failed launcher wrote (non-blocking: a daemon may hold the pipe).
    ::fcntl(err_read.get(), F_SETFL, O_NONBLOCK);
    char buf[2048];
    ssize_t n = ::read(err_read.get(), buf, sizeof buf);
    if (n > 0) said.assign(buf, static_cast<std::size_t>(n));
    std::string last;
    for (std::size_t start = 0; start < said.size();) {
      auto end = said.find('\n', start);
      if (end == std::string::npos) end = said.size();
      const std::string line = said.substr(start, end - start);
      if (!line.empty() && line.find("syslog") == std::string::npos) last = line;
      start = end + 1;
    }
    said = last;
  }
  // pasta forks into the background once the namespace is configured; it exits non-zero
  // when it cannot.
  UniqueFd pid_fd(::open(pid_file.c_str(), O_RDONLY | O_CLOEXEC));
  auto text = pid_fd ? io::read_all(pid_fd.get()) : std::nullopt;
  ::unlink(pid_file.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string hint = "run it by hand to see why: " + binary + " --config-net PID";
    if (said.find("tun") != std::string::npos && ::access("/dev/net/tun", R_OK | W_OK) != 0)
      hint = "pasta needs /dev/net/tun, which this user cannot open (`cloister check` tells more)";
    return Error{"--net=pasta", "pasta failed:",
                 said.empty() ? "exit status " + std::to_string(WEXITSTATUS(status)) : said, 0,
                 hint};
  }
  Connection c;
  pid_t daemon = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), daemon);
  if (daemon > 0) c.pidfd_.reset(sys::pidfd_open(daemon));
  return c;
}

Connection::~Connection() {
  if (!pidfd_) return;
  // SIGKILL: pasta's daemon is PID 1 of its own PID namespace, where SIGTERM is ignored.
  sys::pidfd_send_signal(pidfd_.get(), SIGKILL);
  // Reaped here when it is this process's child (the keeper is its subreaper); otherwise
  // its end is awaited, bounded, and its parent reaps it.
  siginfo_t info{};
  if (::waitid(P_PIDFD, static_cast<id_t>(pidfd_.get()), &info, WEXITED) == 0) return;
  pollfd gone{pidfd_.get(), POLLIN, 0};
  while (::poll(&gone, 1, 2000) < 0 && errno == EINTR) {
  }
}

}  // namespace cloister::pasta
