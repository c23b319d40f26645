// The filter `cloister learn` adds on top of the sandbox's own: every syscall outside a small
// base goes to cloister as a user notification (the sandbox's filter still refuses what it
// refuses: the kernel applies the most restrictive answer, and errno beats notify).
#pragma once

#include <span>
#include <string_view>

#include "cloister/error.hpp"
#include "seccomp/filter.hpp"

namespace cloister::learn {

// Let through without a notification, so never observed: the hot path of every program, on
// its own memory, its open descriptors, signals, time and metadata (Landlock governs none of
// them). Every learned profile allows them.
std::span<const std::string_view> unobserved();

// The notifying filter. `socket_fd` is the descriptor the sandbox sends the listener over:
// sendmsg on it passes without a notification (nobody holds the listener yet).
Result<seccomp::Program> notify_program(int socket_fd);

}  // namespace cloister::learn
