#include "policy/bwrap_words.hpp"

#include <charconv>
#include <cstring>
#include <string_view>

namespace cloister::cli {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool is_bind_step(const std::string& step) {
  return starts_with(step, "--bind") || starts_with(step, "--ro-bind") ||
         starts_with(step, "--dev-bind");
}

bool is_seccomp_step(const std::string& step) {
  return step == "--seccomp" || step == "--add-seccomp-fd";
}

std::string with_errno(std::string words, int err) {
  if (err != 0) words += std::string(": ") + std::strerror(err);
  return words;
}

// "<N> bytes", as seccomp::read_program names the size of a program it refuses.
bool size_not_multiple_of_8(const std::string& object) {
  std::size_t bytes = 0;
  auto [end, ec] = std::from_chars(object.data(), object.data() + object.size(), bytes);
  return ec == std::errc{} && std::string_view(end) == " bytes" && bytes % 8 != 0;
}

bool is_invalid_size(const Error& e) {
  return e.op == "invalid BPF program" && is_seccomp_step(e.step) &&
         size_not_multiple_of_8(e.object);
}

}  // namespace

std::optional<std::string> bwrap_words(const Error& e) {
  if (e.op == "realpath" && is_bind_step(e.step))
    return with_errno("Can't find source path " + bounded(e.object, 4096), e.err);
  if (e.op == "read" && is_seccomp_step(e.step))
    return with_errno("Can't read seccomp data", e.err);
  if (is_invalid_size(e)) return "Invalid seccomp data, must be multiple of 8";
  if (e.op == "execvp") return with_errno("execvp " + bounded(e.object, 4096), e.err);
  return std::nullopt;
}

std::string bwrap_message(const Error& e) {
  auto words = bwrap_words(e);
  if (!words) return e.message();
  // bwrap's words for a program of the wrong size already say what the hint would.
  if (!e.hint.empty() && !is_invalid_size(e)) *words += " (" + e.hint + ")";
  return *words;
}

}  // namespace cloister::cli
