#include "oci/console_socket.hpp"

#include "isolate/console.hpp"

namespace cloister::oci {

Result<UniqueFd> connect_console(Container& c, const std::string& socket_path) {
  if (c.terminal && socket_path.empty())
    return Error{"config.json: process.terminal", "true needs --console-socket", "", 0,
                 "engines pass one when they run a container with a terminal (podman run -t); "
                 "by hand, set process.terminal to false"};
  if (!c.terminal && !socket_path.empty())
    return Error{"--console-socket", "given, but process.terminal is not true", socket_path, 0,
                 "set process.terminal (exec: --tty) or leave the socket out"};
  if (!c.terminal) return UniqueFd();
  auto fd = console::connect_socket(socket_path);
  if (!fd) return fd.take_error();
  c.policy.console = ConsolePolicy{fd->get(), c.console_rows, c.console_columns};
  return fd;
}

}  // namespace cloister::oci
