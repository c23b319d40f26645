// What a profile must be before the TOML parser sees it: a regular file of bounded size, and
// text without the characters the parser cannot handle.
//
// toml++ up to at least 3.3 (Debian's) reaches __builtin_unreachable() -- undefined
// behaviour, not an error -- when it asks whether a code point in U+00A1..U+0499,
// U+2C5E..U+3057 (but U+3000) or U+FB26..U+FEFE is whitespace (toml++ issues 190 and 295).
// It asks that in more places than can be told apart without parsing (between tokens, while
// reading a bare value, after a line-ending backslash in a multi-line string), so a profile
// holding such a character anywhere is refused, with its location, before toml++ sees it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cloister/error.hpp"

namespace cloister::profile {

// Profiles are small text files; the cap keeps /dev/zero-like input from exhausting memory.
inline constexpr std::size_t kMaxProfileBytes = 1 << 20;

// The contents of a profile: a regular file of at most kMaxProfileBytes. Opened without
// blocking (a FIFO, /proc/kmsg), checked before anything is read, read no further than the
// cap (it may grow meanwhile). The error says what is wrong; the caller names the path.
Result<std::string> read_profile(const std::string& path);

struct UnsafeCharacter {
  std::uint32_t code_point = 0;  // or the byte, when it does not start valid UTF-8
  bool utf8 = true;
  std::uint32_t line = 1;    // 1-based, as toml++ counts
  std::uint32_t column = 1;  // 1-based, in code points
};

// The first character toml++ would mishandle; nullopt when the text is safe to parse.
std::optional<UnsafeCharacter> find_unsafe_character(std::string_view text);

// The problem "NAME:LINE:COLUMN: what" for the first such character of a file called `name`
// (profiles and group files word it alike); nullopt when the text is safe to parse.
std::optional<std::string> unsafe_character_problem(std::string_view text, const std::string& name);

}  // namespace cloister::profile
