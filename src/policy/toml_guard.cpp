#include "policy/toml_guard.hpp"

#include <utility>

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

}  // namespace

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

}  // namespace cloister::profile
