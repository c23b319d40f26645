// Temporary minimal table (being replaced by the full constants table).
#include <sys/socket.h>

#include "seccomp/tables.hpp"

namespace cloister::seccomp {
std::optional<std::uint64_t> constant(std::string_view name) {
  if (name == "AF_UNIX") return AF_UNIX;
  if (name == "AF_INET") return AF_INET;
  return std::nullopt;
}
}  // namespace cloister::seccomp
