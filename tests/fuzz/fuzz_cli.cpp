// libFuzzer target: the command line of both dialects (tests/fuzz/targets.hpp says how an
// input is read and what it must give).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "targets.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // --args FD reads a descriptor to its end: stdin must end (a terminal would wait forever).
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0) ::dup2(null, 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem =
      cloister_fuzz::cli_input(std::string(reinterpret_cast<const char*>(data), size));
  if (problem.empty()) return 0;
  std::fprintf(stderr, "fuzz check failed: %s\n", problem.c_str());
  std::abort();
}
