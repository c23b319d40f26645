// Seccomp user notification (SECCOMP_RET_USER_NOTIF), both sides of it: a filter whose answers come
// from a supervisor through a listener descriptor. cloister learn uses it to see every syscall of a
// sandbox outside a small base and let each go on (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
// The child installs the filter and hands the listener over a socket; the supervisor, an
// ancestor of the sandbox (so it may read the notifying process's memory), answers.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "cloister/error.hpp"
#include "kernel/fd.hpp"
#include "seccomp/filter.hpp"

namespace cloister::seccomp::notify {

// Child side, after every other filter and no_new_privs: installs `program` with
// SECCOMP_FILTER_FLAG_NEW_LISTENER, sends the listener over `socket_fd` (SCM_RIGHTS) and
// closes its copy. The program must let sendmsg on `socket_fd` and close through without a
// notification: nobody holds the listener before the send. Allocates nothing.
Status install_and_send(const Program& program, int socket_fd);

// Supervisor side: the listener install_and_send sent. An invalid UniqueFd at EOF (the child
// ended before installing its filter).
Result<UniqueFd> receive_listener(int socket_fd);

struct Notification {
  std::uint64_t id = 0;
  pid_t pid = 0;  // the calling thread, as the supervisor's PID namespace numbers it
  int nr = -1;
  std::uint32_t arch = 0;
  std::uint64_t args[6] = {};
};

// One listener: receive a notification, check it still stands after reading the caller's
// memory, let the call go on.
class Listener {
 public:
  explicit Listener(UniqueFd fd) : fd_(std::move(fd)) {}
  int fd() const { return fd_.get(); }
  // nullopt when the caller went away before it could be received (ENOENT) or on EINTR.
  Result<std::optional<Notification>> receive();
  // SECCOMP_IOCTL_NOTIF_ID_VALID: the caller still waits on this notification, so what was
  // read from its memory since receive() belongs to this call.
  bool still_waiting(std::uint64_t id) const;
  // Lets the call run as if no filter had stopped it. A caller already gone (ENOENT) is fine.
  Status let_continue(std::uint64_t id);

 private:
  UniqueFd fd_;
};

}  // namespace cloister::seccomp::notify
