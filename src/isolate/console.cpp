#include "isolate/console.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "kernel/io.hpp"

namespace cloister::console {
namespace {

constexpr const char* kMultiplexer = "/dev/ptmx";

Error console_error(const char* op, const std::string& path, int err, std::string hint = "") {
  return Error{"console", op, path, err, std::move(hint)};
}

// The peer through the master (TIOCGPTPEER, Linux 4.13): no path lookup a sandboxed process
// could race. Older kernels: the peer's name under the sandbox's /dev/pts.
Result<UniqueFd> open_peer(int master, const std::string& name) {
  UniqueFd peer(::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (peer) return peer;
  if (errno != EINVAL && errno != ENOTTY) return console_error("ioctl(TIOCGPTPEER)", name, errno);
  peer = UniqueFd(::open(name.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!peer) return console_error("open", name, errno);
  return peer;
}

// The master end as SCM_RIGHTS, with the terminal's name as the message (as runc sends it).
Status send_master(int socket_fd, int master, const std::string& name) {
  if (io::send_with_fd(socket_fd, name.data(), name.size(), master) < 0)
    return console_error("sendmsg", "--console-socket", errno,
                         errno == EPIPE ? "the console socket's listener went away" : "");
  return ok_status();
}

// COMMAND's controlling terminal needs a session without one: setsid, unless this process
// leads its session already (--new-session did it).
Status make_controlling(UniqueFd peer) {
  if (::getsid(0) != ::getpid() && ::setsid() < 0) return console_error("setsid", "", errno);
  if (::ioctl(peer.get(), TIOCSCTTY, 0) != 0) return console_error("ioctl(TIOCSCTTY)", "", errno);
  for (int fd = 0; fd <= 2; ++fd) {
    // dup2 onto itself would keep close-on-exec (the peer lands at 0-2 when those were closed).
    const bool same = fd == peer.get();
    if (same ? ::fcntl(fd, F_SETFD, 0) < 0 : ::dup2(peer.get(), fd) < 0)
      return console_error("dup2", "fd " + std::to_string(fd), errno);
  }
  if (peer.get() <= 2) (void)peer.release();
  return ok_status();
}

}  // namespace

Result<UniqueFd> connect_socket(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path)
    return Error{"--console-socket", "the path is empty or too long for a socket address", path, 0,
                 "at most " + std::to_string(sizeof address.sun_path - 1) + " bytes"};
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error{"--console-socket", "socket", path, errno, ""};
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    return Error{"--console-socket", "connect", path, errno,
                 "the engine listens there for the terminal; is it still waiting?"};
  return fd;
}

Status attach(const ConsolePolicy& console) {
  UniqueFd master(::open(kMultiplexer, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master)
    return console_error("open", kMultiplexer, errno,
                         errno == ENOENT ? "a terminal needs /dev/ptmx and a devpts at /dev/pts "
                                           "in the sandbox"
                                         : "");
  int unlock = 0;
  if (::ioctl(master.get(), TIOCSPTLCK, &unlock) != 0)
    return console_error("ioctl(TIOCSPTLCK)", kMultiplexer, errno);
  unsigned number = 0;
  if (::ioctl(master.get(), TIOCGPTN, &number) != 0)
    return console_error("ioctl(TIOCGPTN)", kMultiplexer, errno);
  const std::string name = "/dev/pts/" + std::to_string(number);
  auto peer = open_peer(master.get(), name);
  if (!peer) return peer.take_error();
  if (console.rows != 0 || console.columns != 0) {
    winsize size{console.rows, console.columns, 0, 0};
    if (::ioctl(master.get(), TIOCSWINSZ, &size) != 0)
      return console_error("ioctl(TIOCSWINSZ)", name, errno);
  }
  CLOISTER_TRY(send_master(console.socket_fd, master.get(), name));
  ::close(console.socket_fd);
  return make_controlling(std::move(*peer));
}

}  // namespace cloister::console
