#include "policy/toml_guard.hpp"

namespace cloister::profile {
namespace {

enum class Context : std::uint8_t { Bare, Comment, Basic, Literal, MultiBasic, MultiLiteral };

// The code point starting at text[i] and its length in bytes (1 for a stray byte).
std::pair<std::uint32_t, std::size_t> decode(std::string_view text, std::size_t i) {
  const auto b = static_cast<unsigned char>(text[i]);
  const std::size_t n = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  if (n == 1 || i + n > text.size()) return {b, 1};
  std::uint32_t cp = b & (0x7f >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xc0) != 0x80) return {b, 1};
    cp = cp << 6 | (c & 0x3f);
  }
  return {cp, n};
}

bool starts(std::string_view text, std::size_t i, std::string_view what) {
  return text.substr(i, what.size()) == what;
}

// Mirrors toml++ 3.3's generated is_non_ascii_horizontal_whitespace(): code points in
// U+00A0..U+FEFF fall into 64 blocks of 0x3FA; blocks whose bit is clear in its mask and that
// its switch has no case for (0, 11 and 63) end in the unreachable default.
bool mishandled(std::uint32_t cp) {
  if (cp <= 0xa0 || cp >= 0xfeff || cp == 0x3000) return false;
  const std::uint64_t block = (cp - 0xa0) / 0x3fa;
  return !((1ULL << block) & 0x7FFFFFFFFFFFF75EULL) && block != 5 && block != 7;
}

}  // namespace

std::optional<UnsafeCharacter> find_unsafe_character(std::string_view text) {
  Context context = Context::Bare;
  UnsafeCharacter at;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    auto [cp, length] = decode(text, i);
    if (mishandled(cp) && (context == Context::Bare || context == Context::MultiBasic)) {
      at.code_point = cp;
      return at;
    }
    std::size_t step = length;
    switch (context) {
      case Context::Bare:
        if (c == '#') context = Context::Comment;
        if (c == '"') context = starts(text, i, "\"\"\"") ? Context::MultiBasic : Context::Basic;
        if (c == '\'') context = starts(text, i, "'''") ? Context::MultiLiteral : Context::Literal;
        if (context == Context::MultiBasic || context == Context::MultiLiteral) step = 3;
        break;
      case Context::Comment:
        if (c == '\n') context = Context::Bare;
        break;
      case Context::Basic:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') step = 2;
        if (c == '"' || c == '\n') context = Context::Bare;
        break;
      case Context::Literal:
        if (c == '\'' || c == '\n') context = Context::Bare;
        break;
      case Context::MultiBasic:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] == '"') step = 2;
        if (starts(text, i, "\"\"\"")) context = Context::Bare, step = 3;
        break;
      case Context::MultiLiteral:
        if (starts(text, i, "'''")) context = Context::Bare, step = 3;
        break;
    }
    for (std::size_t k = i; k < i + step && k < text.size(); ++k) {
      if (text[k] == '\n') {
        ++at.line;
        at.column = 1;
      } else if ((static_cast<unsigned char>(text[k]) & 0xc0) != 0x80) {
        ++at.column;
      }
    }
    i += step;
  }
  return std::nullopt;
}

}  // namespace cloister::profile
