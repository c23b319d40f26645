// --net=pasta as planned: which pasta binary, and which host ports are forwarded.
#pragma once

#include <string>

#include "cloister/error.hpp"

namespace cloister::pasta {

struct Forward {
  bool udp = false;
  unsigned host_port = 0;
  unsigned sandbox_port = 0;
};

// "TCP:8080:80" / "UDP:5353:53" -> Forward
Result<Forward> parse_forward(const std::string& text);

// The pasta binary from PATH, or an error saying which package provides it.
Result<std::string> find_binary();

}  // namespace cloister::pasta
