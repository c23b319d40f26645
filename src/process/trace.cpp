#include "process/trace.hpp"

#include <unistd.h>

#include <cstdio>

namespace cloister {

long long SetupTrace::now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

void SetupTrace::mark(std::string_view what) {
  if (!enabled_) return;
  const long long t = now();
  char line[512];
  int n = std::snprintf(line, sizeof line, "cloister: trace %s %7.1f us  %.*s\n", side_,
                        static_cast<double>(t - last_) / 1000.0, static_cast<int>(what.size()),
                        what.data());
  if (n > 0) {
    ssize_t ignored = ::write(
        2, line,
        static_cast<std::size_t>(n) < sizeof line ? static_cast<std::size_t>(n) : sizeof line - 1);
    (void)ignored;
  }
  last_ = now();  // the printing itself is not charged to the next step
}

}  // namespace cloister
