// --net=pasta: user-mode connectivity for the sandbox's network namespace through pasta
// (Debian's passt package), started by the parent once the sandbox exists and stopped when
// it ends.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "kernel/fd.hpp"
#include "plan/pasta_spec.hpp"

namespace cloister::pasta {

class Connection {
 public:
  // Runs pasta for the network namespace of `pid`; returns once the namespace is configured
  // (pasta daemonizes then). Forwards host ports to the sandbox.
  static Result<Connection> start(const std::string& binary, pid_t pid,
                                  const std::vector<Forward>& forwards);
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;
  ~Connection();  // stops pasta if it is still running

 private:
  Connection() = default;
  UniqueFd pidfd_;  // the pasta daemon
};

}  // namespace cloister::pasta
