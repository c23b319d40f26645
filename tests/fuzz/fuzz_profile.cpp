// libFuzzer target: the TOML profile loader and, for profiles it accepts, the seccomp
// compiler (tests/fuzz/targets.hpp says what each input must give).
#include <cstdio>
#include <cstdlib>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem =
      cloister_fuzz::profile_input(std::string(reinterpret_cast<const char*>(data), size));
  if (problem.empty()) return 0;
  std::fprintf(stderr, "fuzz check failed: %s\n", problem.c_str());
  std::abort();
}
