#include "isolate/seccomp_notify.hpp"

#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kernel/io.hpp"

namespace cloister::seccomp::notify {

Status install_and_send(const Program& program, int socket_fd) {
  sock_fprog prog{static_cast<unsigned short>(program.code.size()),
                  const_cast<sock_filter*>(program.code.data())};
  const int listener = static_cast<int>(
      ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
  if (listener < 0)
    return Error{"learn", "seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER)", "", errno,
                 "seccomp user notification needs Linux 5.0 (cloister check tells)"};
  const char byte = 'L';
  const long sent = io::send_with_fd(socket_fd, &byte, 1, listener);
  const int err = errno;
  ::close(listener);
  if (sent != 1) return Error{"learn", "sendmsg", "the seccomp listener", err, ""};
  return ok_status();
}

Result<UniqueFd> receive_listener(int socket_fd) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = ::recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return Error{"learn", "recvmsg", "the seccomp listener", errno, ""};
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  if (n == 0 || !cmsg || cmsg->cmsg_type != SCM_RIGHTS) return UniqueFd{};
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
  return UniqueFd(fd);
}

Result<std::optional<Notification>> Listener::receive() {
  seccomp_notif raw;
  std::memset(&raw, 0, sizeof raw);  // the kernel refuses a buffer that is not zeroed
  if (::ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_RECV, &raw) != 0) {
    if (errno == ENOENT || errno == EINTR) return std::optional<Notification>{};
    return Error{"learn", "ioctl(SECCOMP_IOCTL_NOTIF_RECV)", "", errno, ""};
  }
  Notification n;
  n.id = raw.id;
  n.pid = static_cast<pid_t>(raw.pid);
  n.nr = raw.data.nr;
  n.arch = raw.data.arch;
  for (int i = 0; i < 6; ++i) n.args[i] = raw.data.args[i];
  return std::optional<Notification>{n};
}

bool Listener::still_waiting(std::uint64_t id) const {
  return ::ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

Status Listener::let_continue(std::uint64_t id) {
  seccomp_notif_resp resp;
  std::memset(&resp, 0, sizeof resp);
  resp.id = id;
  resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  if (::ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0 || errno == ENOENT)
    return ok_status();
  return Error{"learn", "ioctl(SECCOMP_IOCTL_NOTIF_SEND)", "", errno, ""};
}

}  // namespace cloister::seccomp::notify
