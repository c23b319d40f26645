// A service's output on the manager's stderr: each line prefixed with the service's name and
// written whole (one write per line), so lines of different services never interleave.
#pragma once

#include <string>

namespace cloister::supervisor {

class LineLog {
 public:
  // `out`: where lines go (the manager's stderr).
  LineLog(std::string prefix, int out) : prefix_(std::move(prefix)), out_(out) {}

  // Bytes read from the service's pipe: complete lines are written, the rest waits for the
  // next bytes (a line longer than kMaxLine is cut and written in pieces).
  void feed(const char* data, std::size_t size);
  // End of the pipe: what is left goes out as a last line.
  void flush();

  static constexpr std::size_t kMaxLine = 4096;

 private:
  void emit(const char* data, std::size_t size);
  std::string prefix_;
  int out_;
  std::string pending_;
};

}  // namespace cloister::supervisor
