// toml++ up to at least 3.3 (Debian's) reaches __builtin_unreachable() -- undefined
// behaviour, not an error -- when it asks whether a code point in U+00A1..U+0499,
// U+2C5E..U+3057 (but U+3000) or U+FB26..U+FEFE is whitespace (toml++ issues 190 and 295).
// It asks that in more places than can be told apart without parsing (between tokens, while
// reading a bare value, after a line-ending backslash in a multi-line string), so a profile
// holding such a character anywhere is refused, with its location, before toml++ sees it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cloister::profile {

struct UnsafeCharacter {
  std::uint32_t code_point = 0;  // or the byte, when it does not start valid UTF-8
  bool utf8 = true;
  std::uint32_t line = 1;    // 1-based, as toml++ counts
  std::uint32_t column = 1;  // 1-based, in code points
};

// The first character toml++ would mishandle; nullopt when the text is safe to parse.
std::optional<UnsafeCharacter> find_unsafe_character(std::string_view text);

}  // namespace cloister::profile
