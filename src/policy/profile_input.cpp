#include "policy/profile_input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include "kernel/fd.hpp"

namespace cloister::profile {
namespace {

struct Decoded {
  std::uint32_t value = 0;
  std::size_t length = 1;
  bool utf8 = true;
};

// The code point starting at text[i]; a byte that starts no valid sequence stands alone.
Decoded decode(std::string_view text, std::size_t i) {
  const auto b = static_cast<unsigned char>(text[i]);
  if (b < 0x80) return {b, 1, true};
  const std::size_t n = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
  if (n == 0 || i + n > text.size()) return {b, 1, false};
  std::uint32_t cp = b & (0x7f >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xc0) != 0x80) return {b, 1, false};
    cp = cp << 6 | (c & 0x3f);
  }
  return {cp, n, true};
}

// Mirrors toml++ 3.3's generated is_non_ascii_horizontal_whitespace(): code points in
// U+00A0..U+FEFF fall into 64 blocks of 0x3FA; blocks whose bit is clear in its mask and that
// its switch has no case for (0, 11 and 63) end in the unreachable default. A byte that is
// not UTF-8 counts as its own value, which toml++'s reader may pass on.
bool mishandled(std::uint32_t cp) {
  if (cp <= 0xa0 || cp >= 0xfeff || cp == 0x3000) return false;
  const std::uint64_t block = (cp - 0xa0) / 0x3fa;
  return !((1ULL << block) & 0x7FFFFFFFFFFFF75EULL) && block != 5 && block != 7;
}

const char* file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Result<std::string> read_profile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) return Error{"", "cannot open", "", errno, ""};
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error{"", "fstat", "", errno, ""};
  if (!S_ISREG(st.st_mode))
    return Error{"", std::string("is ") + file_type(st.st_mode), "", 0,
                 "a profile must be a regular file"};
  std::string data;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{"", "read", "", errno, ""};
    if (n == 0) return data;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > kMaxProfileBytes)
      return Error{"", "is larger than 1 MiB", "", 0, "a profile is a small text file"};
  }
}

std::optional<UnsafeCharacter> find_unsafe_character(std::string_view text) {
  UnsafeCharacter at;
  for (std::size_t i = 0; i < text.size();) {
    const Decoded d = decode(text, i);
    if (mishandled(d.value)) {
      at.code_point = d.value;
      at.utf8 = d.utf8;
      return at;
    }
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
    i += d.length;
  }
  return std::nullopt;
}

std::optional<std::string> unsafe_character_problem(std::string_view text,
                                                    const std::string& name) {
  const auto bad = find_unsafe_character(text);
  if (!bad) return std::nullopt;
  char what[96];
  if (bad->utf8)
    std::snprintf(what, sizeof what, "character U+%04X (write it as \\u%04X in a string)",
                  bad->code_point, bad->code_point);
  else
    std::snprintf(what, sizeof what, "byte 0x%02X, which is not UTF-8,", bad->code_point);
  return bounded(name, 4096) + ":" + std::to_string(bad->line) + ":" + std::to_string(bad->column) +
         ": " + what + " cannot be read safely by the TOML library (toml++ 3.3), comments included";
}

}  // namespace cloister::profile
