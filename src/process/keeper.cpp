#include "process/keeper.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "isolate/cgroups.hpp"
#include "kernel/io.hpp"
#include "process/report.hpp"

namespace cloister::keeper {
namespace {

// One message per datagram (SOCK_SEQPACKET keeps the boundaries): a kind byte, then data.
enum Kind : char {
  kOwnedCgroup = 'C',   // + path: kill what is in it, remove it
  kSharedCgroup = 'H',  // + path: remove it if empty (other sandboxes may use it)
  kSandbox = 'S',       // + a pidfd (SCM_RIGHTS)
  kPasta = 'P',         // + pid_t: start pasta for its network namespace; answered
  kFinish = 'F',        // clean up now and exit
};

constexpr std::size_t kMaxMessage = 4096;

Status send_message(int sock, Kind kind, const void* data, std::size_t size, int pass_fd = -1) {
  if (size + 1 > kMaxMessage) return Error{"keeper", "message too long", "", EMSGSIZE, ""};
  std::array<char, kMaxMessage> buf{};
  buf[0] = kind;
  if (size) std::memcpy(buf.data() + 1, data, size);
  const long n = io::send_with_fd(sock, buf.data(), size + 1, pass_fd);
  if (n < 0) return Error{"keeper", "sendmsg", "", errno, "the keeper process is gone"};
  return ok_status();
}

// One datagram; a passed descriptor lands in `passed`. 0: the other side is gone.
ssize_t receive(int sock, char* buf, std::size_t size, UniqueFd& passed) {
  iovec iov{buf, size};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n <= 0) return n;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int fd;
    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    passed.reset(fd);
  }
  return n;
}

// What the keeper holds for the sandbox. Cleaning up is idempotent: cloister removes its
// cgroups itself on a normal end, and a directory already gone is simply skipped.
struct Holdings {
  std::vector<std::string> owned_cgroups;
  std::vector<std::string> shared_cgroups;
  UniqueFd sandbox;
  std::vector<pasta::Connection> pastas;

  void clean_up() {
    pastas.clear();  // SIGKILL, then reaped: pasta's daemon is the keeper's child
    for (auto it = owned_cgroups.rbegin(); it != owned_cgroups.rend(); ++it)
      (void)cgroups::kill_and_remove_dir(*it);
    for (const auto& dir : shared_cgroups) ::rmdir(dir.c_str());  // busy: still in use
    reap_children();
  }

  // Whatever else pasta left to the keeper (it is their subreaper) is killed and reaped:
  // only pasta's processes can be its children, and none may outlive the sandbox.
  static void reap_children() {
    for (int round = 0; round < 100; ++round) {
      const auto children = own_children();
      // A child is not reaped before the kill, so its pid cannot have been reused.
      for (pid_t child : children) ::kill(child, SIGKILL);
      pid_t reaped;
      do reaped = ::waitpid(-1, nullptr, children.empty() ? WNOHANG : 0);
      while (reaped > 0 || (reaped < 0 && errno == EINTR));
      if (reaped < 0 && errno == ECHILD) return;  // none left
      if (children.empty()) {
        // Children that /proc did not list (no /proc): wait for their own end.
        while (::waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
        }
        return;
      }
    }
  }

  // This process's children, from /proc/self/task/*/children (one task: the keeper's).
  static std::vector<pid_t> own_children() {
    std::vector<pid_t> pids;
    const std::string path = "/proc/self/task/" + std::to_string(::getpid()) + "/children";
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    auto text = fd ? io::read_all(fd.get()) : std::nullopt;
    if (!text) return pids;
    const char* p = text->c_str();
    char* end = nullptr;
    for (long pid = std::strtol(p, &end, 10); end != p; pid = std::strtol(p, &end, 10)) {
      pids.push_back(static_cast<pid_t>(pid));
      p = end;
    }
    return pids;
  }
};

void answer_pasta(int sock, Holdings& held, const PastaSpec& spec, pid_t pid) {
  auto started = pasta::Connection::start(spec.binary, pid, spec.forwards);
  report::Record record;
  if (started) {
    held.pastas.push_back(std::move(*started));
  } else {
    record = report::encode(started.error(), 1);
  }
  ssize_t n;
  do n = ::send(sock, &record, sizeof record, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
}

void wait_until_exited(int pidfd) {
  pollfd p{pidfd, POLLIN, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
}

// Nothing of cloister's but the socket: no caller descriptor, no pipe a reader waits on.
void become_keeper(int sock) {
  ::setsid();
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM,
                  SIGTSTP, SIGTTIN, SIGTTOU})
    ::signal(sig, SIG_IGN);
  ::signal(SIGCHLD, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  ::prctl(PR_SET_NAME, "cloister-keeper", 0, 0, 0);
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3; ++fd) {
    if (null >= 0)
      ::dup2(null, fd);
    else
      ::close(fd);
  }
  if (sock > 3) ::close_range(3, static_cast<unsigned>(sock) - 1, 0);
  ::close_range(static_cast<unsigned>(sock) + 1, ~0U, 0);
}

[[noreturn]] void serve(int sock, const PastaSpec& spec) {
  become_keeper(sock);
  Holdings held;
  std::array<char, kMaxMessage> buf{};
  for (;;) {
    UniqueFd passed;
    const ssize_t n = receive(sock, buf.data(), buf.size(), passed);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // cloister ended without saying so: SIGKILLed, or its parent died
    const std::string data(buf.data() + 1, static_cast<std::size_t>(n) - 1);
    switch (buf[0]) {
      case kOwnedCgroup: held.owned_cgroups.push_back(data); break;
      case kSharedCgroup: held.shared_cgroups.push_back(data); break;
      case kSandbox: held.sandbox = std::move(passed); break;
      case kPasta: {
        pid_t pid = 0;
        std::memcpy(&pid, data.data(), std::min(data.size(), sizeof pid));
        answer_pasta(sock, held, spec, pid);
        break;
      }
      case kFinish: held.clean_up(); ::_exit(0);
      default: break;
    }
  }
  // Without --die-with-parent the sandbox may run on: its cgroup and network stay with it.
  if (held.sandbox) wait_until_exited(held.sandbox.get());
  held.clean_up();
  ::_exit(0);
}

}  // namespace

Result<Keeper> Keeper::start(const PastaSpec& pasta) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return Error{"keeper", "socketpair", "", errno, ""};
  UniqueFd ours(sv[0]), theirs(sv[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return Error{"keeper", "fork", "", errno, ""};
  if (pid == 0) serve(theirs.release(), pasta);
  return Keeper(pid, std::move(ours));
}

Keeper::Keeper(Keeper&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), socket_(std::move(other.socket_)) {}

Keeper::~Keeper() { finish(); }

Status Keeper::guard_cgroup(const std::string& path, bool shared) {
  return send_message(socket_.get(), shared ? kSharedCgroup : kOwnedCgroup, path.data(),
                      path.size());
}

Status Keeper::guard_sandbox(int pidfd) {
  return send_message(socket_.get(), kSandbox, nullptr, 0, pidfd);
}

Status Keeper::start_pasta(pid_t pid) {
  CLOISTER_TRY(send_message(socket_.get(), kPasta, &pid, sizeof pid));
  report::Record record;
  ssize_t n;
  do n = ::recv(socket_.get(), &record, sizeof record, 0);
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof record))
    return Error{"--net=pasta", "no answer from the keeper process", "", n < 0 ? errno : EPIPE, ""};
  if (record.exit_code != 0) return report::decode(record);
  return ok_status();
}

void Keeper::finish() {
  if (pid_ < 0) return;
  (void)send_message(socket_.get(), kFinish, nullptr, 0);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  socket_.reset();
  pid_ = -1;
}

void Keeper::disown_in_child() {
  socket_.reset();
  pid_ = -1;
}

}  // namespace cloister::keeper
