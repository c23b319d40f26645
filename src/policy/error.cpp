#include "cloister/error.hpp"

#include <cstring>

namespace cloister {

std::string Error::message() const {
  std::string text = step;
  std::string what = op;
  if (!object.empty()) what += (what.empty() ? "" : " ") + object;
  if (!what.empty()) text += (text.empty() ? "" : ": ") + what;
  if (err != 0) text += std::string(": ") + std::strerror(err);
  if (!hint.empty()) text += " (" + hint + ")";
  return text;
}

Error usage_error(std::string option, std::string what) {
  return Error{std::move(option), std::move(what), "", 0, ""};
}

}  // namespace cloister
