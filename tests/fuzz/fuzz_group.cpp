// libFuzzer target: the group file loader of cloister supervise and, for groups it accepts,
// their invariants and a seccomp compile (tests/fuzz/targets.hpp says what each input must
// give).
#include <cstdio>
#include <cstdlib>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem =
      cloister_fuzz::group_input(std::string(reinterpret_cast<const char*>(data), size));
  if (problem.empty()) return 0;
  std::fprintf(stderr, "fuzz check failed: %s\n", problem.c_str());
  std::abort();
}
