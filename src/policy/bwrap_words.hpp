// bubblewrap's words for the failures its users' scripts and its own tests look for
// ("bwrap: Can't find source path /x: No such file or directory"), used by `cloister bwrap`.
#pragma once

#include <optional>
#include <string>

#include "cloister/error.hpp"

namespace cloister::cli {

// The text bwrap prints after "bwrap: " for this failure, or nullopt where bwrap has no
// fixed words for it (cloister's own message is printed then).
std::optional<std::string> bwrap_words(const Error& e);

// What `cloister bwrap` prints after "bwrap: ": bwrap's words where they exist, then
// cloister's hint in parentheses; otherwise cloister's own message.
std::string bwrap_message(const Error& e);

}  // namespace cloister::cli
