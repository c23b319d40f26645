#include "isolate/rlimits.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <string>

#include "kernel/rlimit_names.hpp"

namespace cloister::rlimits {

Status apply(const RlimitSetting& s) {
  const rlimit limit{s.soft, s.hard};
  if (::setrlimit(s.resource, &limit) != 0)
    return Error{"--rlimit", "setrlimit", std::string(name_of(s.resource)), errno,
                 errno == EPERM ? "raising a hard limit needs CAP_SYS_RESOURCE" : ""};
  return ok_status();
}

}  // namespace cloister::rlimits
