#include "isolate/seccomp.hpp"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace cloister::seccomp {

Status install(const Program& program) {
  sock_fprog prog{static_cast<unsigned short>(program.code.size()),
                  const_cast<sock_filter*>(program.code.data())};
  // Each program must get past those installed before it. bubblewrap installs with prctl and
  // documents that every program but the last must allow prctl, so stacked programs written
  // for it may allow prctl and not seccomp(2); a profile may deny prctl and not seccomp(2).
  // Both calls do the same thing, so the second is tried when the first is refused.
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0) return ok_status();
  const int err = errno;
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) return ok_status();
  return Error{"seccomp", "prctl(PR_SET_SECCOMP)", "", err,
               err == EACCES ? "no_new_privs must be set first" : ""};
}

Status install_all_threads(const Program& program) {
  sock_fprog prog{static_cast<unsigned short>(program.code.size()),
                  const_cast<sock_filter*>(program.code.data())};
  const long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
  if (rc == 0) return ok_status();
  if (rc > 0)
    return Error{"seccomp", "seccomp(SECCOMP_FILTER_FLAG_TSYNC)", "thread " + std::to_string(rc),
                 ESRCH,
                 "another thread could not take the filter (it has a different one or "
                 "no_new_privs unset): apply seccomp before starting threads, or set no_new_privs "
                 "in every thread"};
  return Error{"seccomp", "seccomp(SECCOMP_FILTER_FLAG_TSYNC)", "", errno,
               errno == EACCES ? "no_new_privs must be set first" : ""};
}

}  // namespace cloister::seccomp
