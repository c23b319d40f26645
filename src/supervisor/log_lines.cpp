#include "supervisor/log_lines.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cloister::supervisor {

void LineLog::emit(const char* data, std::size_t size) {
  std::string line = prefix_;
  line.append(data, size);
  line += '\n';
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(out_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr gone: nothing better to do with the output
    done += static_cast<std::size_t>(n);
  }
}

void LineLog::feed(const char* data, std::size_t size) {
  while (size > 0) {
    const void* nl = std::memchr(data, '\n', size);
    if (!nl) {
      pending_.append(data, size);
      while (pending_.size() >= kMaxLine) {
        emit(pending_.data(), kMaxLine);
        pending_.erase(0, kMaxLine);
      }
      return;
    }
    const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - data);
    if (pending_.empty()) {
      emit(data, len);
    } else {
      pending_.append(data, len);
      emit(pending_.data(), pending_.size());
      pending_.clear();
    }
    data += len + 1;
    size -= len + 1;
  }
}

void LineLog::flush() {
  if (!pending_.empty()) emit(pending_.data(), pending_.size());
  pending_.clear();
}

}  // namespace cloister::supervisor
