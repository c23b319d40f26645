#include "process/report.hpp"

#include <unistd.h>

#include <csignal>

#include <cstring>
#include <string>

namespace cloister::report {
namespace {

template <std::size_t N>
void copy(char (&dst)[N], const std::string& src) {
  std::size_t n = src.size() < N - 1 ? src.size() : N - 1;
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

template <std::size_t N>
std::string text(const char (&src)[N]) {
  return std::string(src, ::strnlen(src, N));
}

}  // namespace

Record encode(const Error& error, int exit_code) {
  Record r;
  r.err = error.err;
  r.exit_code = exit_code;
  copy(r.step, error.step);
  copy(r.op, error.op);
  copy(r.object, error.object);
  copy(r.hint, error.hint);
  return r;
}

Error decode(const Record& r) {
  return Error{text(r.step), text(r.op), text(r.object), r.err, text(r.hint)};
}

void fail(int fd, const Error& error, int exit_code) {
  const Record r = encode(error, exit_code);
  // A parent that no longer reads (an OCI container's `create` has returned) must not turn
  // the exit code into a death by SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  ssize_t ignored = ::write(fd, &r, sizeof r);
  (void)ignored;  // nothing more can be done from here; the exit code still tells
  ::_exit(exit_code);
}

}  // namespace cloister::report
