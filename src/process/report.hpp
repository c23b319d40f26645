// The record a failing child sends its parent across clone: fixed size, so one write() is
// atomic (PIPE_BUF), and EOF without a record means COMMAND was executed.
#pragma once

#include <cstdint>

#include "cloister/error.hpp"

namespace cloister::report {

struct Record {
  std::int32_t err = 0;
  std::int32_t exit_code = 0;
  char step[256] = {};
  char op[96] = {};
  char object[512] = {};
  char hint[256] = {};
};
static_assert(sizeof(Record) <= 4096, "a record must fit in one atomic pipe write");

Record encode(const Error& error, int exit_code);
Error decode(const Record& record);

// Child side: write the record to `fd` and _exit(exit_code).
[[noreturn]] void fail(int fd, const Error& error, int exit_code);

}  // namespace cloister::report
