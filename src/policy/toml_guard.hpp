// toml++ up to at least 3.3 (Debian's) reaches __builtin_unreachable() -- undefined
// behaviour, not an error -- when it asks whether a code point in U+00A1..U+0499,
// U+2C5E..U+3057 (but U+3000) or U+FB26..U+FEFE is whitespace (toml++ issues 190 and 295):
// outside strings and comments, and inside multi-line basic strings (after a line-ending
// backslash). A hostile profile must not reach that: such characters are found first and
// refused with their location.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cloister::profile {

struct UnsafeCharacter {
  std::uint32_t code_point = 0;
  std::uint32_t line = 1;    // 1-based, as toml++ counts
  std::uint32_t column = 1;  // 1-based, in code points
};

// The first character toml++ would mishandle; nullopt when the text is safe to parse.
// Comments, single-line strings and multi-line literal strings may hold any character.
std::optional<UnsafeCharacter> find_unsafe_character(std::string_view text);

}  // namespace cloister::profile
