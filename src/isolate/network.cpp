#include "isolate/network.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "kernel/fd.hpp"

namespace cloister::net {

Status bring_up_loopback() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return Error{"loopback", "socket(AF_INET)", "", errno, ""};
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0)
    return Error{"loopback", "ioctl(SIOCGIFFLAGS)", "lo", errno, ""};
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0)
    return Error{"loopback", "ioctl(SIOCSIFFLAGS)", "lo", errno, ""};
  return ok_status();
}

}  // namespace cloister::net
