// --trace-setup: how long each setup step takes, printed to stderr as it happens, so the
// cost of every millisecond of a sandbox start is known.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace cloister {

class SetupTrace {
 public:
  explicit SetupTrace(bool enabled, const char* side) : enabled_(enabled), side_(side) {
    if (enabled_) last_ = now();
  }
  // Prints the time since the previous mark (or construction), labelled `what`.
  void mark(std::string_view what);  // a view: marking allocates nothing

  static long long now();

 private:
  bool enabled_;
  const char* side_;
  long long last_ = 0;
};

}  // namespace cloister
