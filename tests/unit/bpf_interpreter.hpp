// A classic-BPF interpreter for seccomp programs, so tests can check the verdict of a
// compiled filter for any syscall, architecture and arguments without installing it.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <vector>

namespace cloister::testing {

struct Verdict {
  std::uint32_t action = 0;  // SECCOMP_RET_ACTION_FULL part
  std::uint16_t data = 0;    // SECCOMP_RET_DATA part (errno for SECCOMP_RET_ERRNO)
  bool valid = true;         // false: the program is malformed (bad jump, no return)
  bool read_args = false;    // the path taken loaded an argument or the instruction pointer
};

Verdict run_filter(const std::vector<sock_filter>& program, const seccomp_data& data);

}  // namespace cloister::testing
