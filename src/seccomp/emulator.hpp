// A classic-BPF interpreter for seccomp programs: the verdict of a compiled filter for any
// syscall, architecture and arguments, without installing it (tests, benchmarks, explain).
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <vector>

namespace cloister::seccomp {

struct Verdict {
  std::uint32_t action = 0;  // SECCOMP_RET_ACTION_FULL part
  std::uint16_t data = 0;    // SECCOMP_RET_DATA part (errno for SECCOMP_RET_ERRNO)
  bool valid = true;         // false: the program is malformed (bad jump, no return)
  bool read_args = false;    // the path taken loaded an argument or the instruction pointer
  int executed = 0;          // instructions run on the path taken
};

Verdict emulate(const std::vector<sock_filter>& program, const seccomp_data& data);

// The kernel's own rule (seccomp_is_const_allow): whether the action cache marks `nr` as
// allowed for `arch` at install time, so the filter never runs for it.
bool kernel_caches_allow(const std::vector<sock_filter>& program, int nr, std::uint32_t arch);

}  // namespace cloister::seccomp
