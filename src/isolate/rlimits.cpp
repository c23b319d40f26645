#include "isolate/rlimits.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <string>

#include "kernel/rlimit_names.hpp"

namespace cloister::rlimits {

Status apply(const RlimitSetting& s) {
  const rlimit limit{s.soft, s.hard};
  if (::setrlimit(s.resource, &limit) == 0) return ok_status();
  const int err = errno;
  const char* hint = s.resource == RLIMIT_NOFILE
                         ? "raising a hard limit needs CAP_SYS_RESOURCE, and none may exceed "
                           "fs.nr_open"
                         : "raising a hard limit needs CAP_SYS_RESOURCE";
  return Error{s.origin.empty() ? "--rlimit" : s.origin, "setrlimit",
               std::string(name_of(s.resource)), err, err == EPERM ? hint : ""};
}

}  // namespace cloister::rlimits
