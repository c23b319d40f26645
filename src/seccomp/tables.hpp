// Names people write in seccomp policies: syscall groups ("@file-system") and symbolic
// constants for argument conditions ("AF_INET", "TIOCSTI"). Plain data, no kernel access.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace cloister::seccomp {

struct Group {
  std::string_view name;         // "@basic-io"
  std::string_view description;  // one line, for `cloister explain --groups`
  // Syscall names, or other groups ("@signal") which are expanded recursively. A name may be
  // unknown on some architectures; resolving it is the compiler's business, not the table's.
  std::span<const std::string_view> members;
};

// Every group, sorted by name.
std::span<const Group> groups();
const Group* find_group(std::string_view name);

// The value of a symbolic constant usable in argument conditions: AF_*, SOCK_* (types and
// flags), TIOC*, TC* and FIO* (ioctl requests), CLONE_*, PER_* (and the personality flags),
// PR_*, O_*, PROT_*, MAP_*. nullopt when unknown.
std::optional<std::uint64_t> constant(std::string_view name);
// The first constant (by name) starting with `prefix` whose value is `value`, for writing
// profiles people read: constant_name(0x5401, "TC") is "TCGETS".
std::optional<std::string_view> constant_name(std::uint64_t value, std::string_view prefix);

}  // namespace cloister::seccomp
