// What `cloister learn` saw a sandbox do: plain data, filled by the observer while the
// sandbox runs (or from an existing profile for --append) and turned into a profile.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace cloister::learn {

// How a path inside the sandbox was used. `create` and `remove` are said of the entry; the
// right they need (Landlock's make_*/remove_*) is checked on its directory.
struct PathUse {
  bool read = false;
  bool write = false;
  bool exec = false;
  bool list = false;  // a directory opened for reading: its entries were listed
  bool create = false;
  bool remove = false;
  bool ioctl_dev = false;  // an ioctl on a device the sandbox opened by this path
  void merge(const PathUse& o) {
    read |= o.read, write |= o.write, exec |= o.exec, list |= o.list;
    create |= o.create, remove |= o.remove, ioctl_dev |= o.ioctl_dev;
  }
};

struct Recording {
  // Syscalls seen, by name; those profiles condition on an argument (ioctl, socket, clone,
  // prctl, ...) are in `values` with every value seen, not here.
  std::set<std::string> syscalls;
  std::map<std::string, std::set<std::uint64_t>> values;
  std::map<std::string, PathUse> paths;  // resolved inside the sandbox
  // Sockets: families of socket()/socketpair(), TCP ports bound and connected, and what a
  // TCP-only network cannot give.
  std::set<std::uint16_t> tcp_bind;
  std::set<std::uint16_t> tcp_connect;
  bool inet = false;           // an AF_INET or AF_INET6 socket was created
  bool not_tcp = false;        // UDP, raw or packet sockets, or UDP sends
  bool abstract_unix = false;  // an abstract AF_UNIX address was bound or connected
  std::uint64_t notifications = 0;

  void merge(const Recording& o);
};

// The argument index a profile conditions each of these syscalls on (socket families,
// ioctl requests, clone flags, prctl options, ...). -1 for every other syscall.
int conditioned_argument(std::string_view syscall);

}  // namespace cloister::learn
