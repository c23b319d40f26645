#include "isolate/descriptors.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>

namespace cloister::descriptors {
namespace {

// Before close_range (5.9): every open descriptor in [first, last], read from /proc/self/fd.
void close_listed(unsigned first, unsigned last) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return;
  std::vector<int> open;
  while (dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (*end == '\0' && end != e->d_name && fd != ::dirfd(dir))
      open.push_back(static_cast<int>(fd));
  }
  ::closedir(dir);
  for (int fd : open)
    if (static_cast<unsigned>(fd) >= first && static_cast<unsigned>(fd) <= last) ::close(fd);
}

Status close_range_of(unsigned first, unsigned last) {
  if (first > last) return ok_status();
  if (::close_range(first, last, 0) == 0) return ok_status();
  if (errno != ENOSYS)
    return Error{"close inherited descriptors", "close_range",
                 std::to_string(first) + "-" + std::to_string(last), errno, ""};
  close_listed(first, last);
  return ok_status();
}

}  // namespace

Status close_all_except(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned next = 3;
  for (int fd : keep) {
    if (fd < 3 || static_cast<unsigned>(fd) < next) continue;
    CLOISTER_TRY(close_range_of(next, static_cast<unsigned>(fd) - 1));
    next = static_cast<unsigned>(fd) + 1;
  }
  return close_range_of(next, UINT_MAX);
}

Status pass_on(const std::vector<int>& fds) {
  for (int fd : fds) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0 || ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) != 0)
      return Error{"--keep-fd", "fcntl(F_SETFD)", std::to_string(fd), errno,
                   "the descriptor must be open in the process that starts cloister"};
  }
  return ok_status();
}

bool is_open(int fd) { return fd >= 0 && ::fcntl(fd, F_GETFD) >= 0; }

}  // namespace cloister::descriptors
