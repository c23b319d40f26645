// process.terminal and --console-socket, taken together as runc and crun take them: the engine
// listens on the socket for the master end of the container's terminal.
#pragma once

#include <string>

#include "cloister/error.hpp"
#include "kernel/fd.hpp"
#include "oci/spec.hpp"

namespace cloister::oci {

// Connects to `socket_path` when the container's process wants a terminal and asks for one in
// its policy (the returned descriptor must outlive the start). Either without the other is
// an error naming it: a terminal has nowhere to go, a socket would wait for nothing.
Result<UniqueFd> connect_console(Container& c, const std::string& socket_path);

}  // namespace cloister::oci
