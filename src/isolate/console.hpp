// A terminal for COMMAND (an OCI container's process.terminal with --console-socket): a new
// pseudo-terminal made inside the sandbox from its own /dev/ptmx, so that the terminal belongs
// to the sandbox's devpts and not the host's. Its master end goes to whoever listens on the
// console socket (podman's conmon, containerd's shim); its peer becomes COMMAND's stdin,
// stdout, stderr and controlling terminal, in a session of its own.
#pragma once

#include <string>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"
#include "kernel/fd.hpp"

namespace cloister::console {

// Runtime side, before the sandbox starts: a connected socket to the listener at `path`.
Result<UniqueFd> connect_socket(const std::string& path);

// Sandbox side, once its root is in place and before Landlock and the filters: makes the
// terminal, sends its master over `console.socket_fd` (SCM_RIGHTS) and closes that socket.
Status attach(const ConsolePolicy& console);

}  // namespace cloister::console
