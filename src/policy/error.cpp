#include "cloister/error.hpp"

#include <cstdio>
#include <cstring>

namespace cloister {

namespace {

// What step and object may take in a message: paths up to PATH_MAX, never a whole file.
constexpr std::size_t kNameLimit = 4096;

std::string escaped(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, c == '\n' ? "\\n" : "\\x%02x", c);
    out += buf;
  }
  return out;
}

std::string length_note(std::string_view value, std::size_t limit) {
  return value.size() > limit ? "... (" + std::to_string(value.size()) + " bytes)" : "";
}

}  // namespace

std::string bounded(std::string_view value, std::size_t limit) {
  return escaped(value.substr(0, limit)) + length_note(value, limit);
}

std::string quote(std::string_view value, std::size_t limit) {
  return "'" + escaped(value.substr(0, limit)) + "'" + length_note(value, limit);
}

std::string Error::message() const {
  std::string text = bounded(step, kNameLimit);
  std::string what = op;
  if (!object.empty()) what += (what.empty() ? "" : " ") + bounded(object, kNameLimit);
  if (!what.empty()) text += (text.empty() ? "" : ": ") + what;
  if (err != 0) text += std::string(": ") + std::strerror(err);
  if (!hint.empty()) text += " (" + hint + ")";
  return text;
}

Error usage_error(std::string option, std::string what) {
  return Error{std::move(option), std::move(what), "", 0, ""};
}

}  // namespace cloister
