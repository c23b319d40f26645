#include "process/passwd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

#include "kernel/fd.hpp"
#include "kernel/io.hpp"

namespace cloister::passwd {

std::optional<std::string> home_in(std::string_view text, uid_t uid) {
  while (!text.empty()) {
    const auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    std::string_view fields[7];
    std::size_t count = 0;
    while (count < 7) {
      const auto colon = line.find(':');
      fields[count++] = line.substr(0, colon);
      if (colon == std::string_view::npos) break;
      line.remove_prefix(colon + 1);
    }
    if (count < 6) continue;  // a malformed line (or a NIS "+" entry) names no home
    unsigned long long value = 0;
    const auto& id = fields[2];
    const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
    if (ec != std::errc{} || end != id.data() + id.size() || id.empty() || value != uid) continue;
    return std::string(fields[5]);
  }
  return std::nullopt;
}

std::string home_of(uid_t uid, const char* file) {
  // The container's file, which its image made: a FIFO or a device there must not block or
  // feed the runtime's setup, only a regular file is read.
  UniqueFd fd(::open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return "/";
  const auto text = io::read_all(fd.get());
  if (!text) return "/";
  auto home = home_in(*text, uid);
  return home && !home->empty() ? *home : "/";
}

}  // namespace cloister::passwd
