// Landlock grants from the paths a run used: exact where few paths were used, collapsed to
// their directory where many were, and every grant wider than what was used says why.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "learn/recording.hpp"

namespace cloister::learn {

struct Grant {
  std::string path;
  std::string wider;  // empty when exactly what was used; else what more it grants and why
};

struct Grants {
  std::vector<Grant> read, write, exec, ioctl_dev;
};

// A directory holding at least this many used entries (files, or directories already
// collapsed) is granted as a whole; never "/" or a top-level directory such as /usr or /etc.
inline constexpr std::size_t kCollapseAt = 4;

Grants grants_for(const std::map<std::string, PathUse>& paths);

}  // namespace cloister::learn
