// Small I/O and text helpers shared by the front ends and mechanisms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cloister::io {

// Sends `size` bytes of `data` (at least one) with descriptor `fd` attached (SCM_RIGHTS; none
// when fd < 0) over socket `socket_fd`, EINTR retried, never raising SIGPIPE. Returns what
// sendmsg returns (errno set on -1). Allocates nothing: the sandbox's side calls it.
long send_with_fd(int socket_fd, const void* data, std::size_t size, int fd);

// Reads `fd` to EOF (EINTR retried). On failure returns nullopt with errno set.
std::optional<std::string> read_all(int fd);

// "4096", "64K", "512M", "2G" -> bytes; nullopt when malformed or above UINT64_MAX.
std::optional<std::uint64_t> parse_bytes(std::string_view text);

// "a,b,,c" split at ',' -> {"a", "b", "", "c"}: every field, empty ones included.
std::vector<std::string> split(std::string_view text, char sep);

// Whether a path has a ".." component (which could lead out of the tree it is meant for).
bool has_dotdot(std::string_view path);

// A path field of /proc/self/mountinfo with its octal escapes ("\\040" for a space) undone.
std::string unescape_mountinfo(const std::string& field);

}  // namespace cloister::io
