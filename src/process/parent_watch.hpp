// cloister dies with its parent (--die-with-parent, --parent-pid, --parent-pidfd; cloister
// supervise too): PR_SET_PDEATHSIG(SIGKILL) first, then a check through a pidfd that the
// process it must die with is still its parent and alive. A parent that died before the
// prctl is seen that way, never raced: once the prctl is set, a later death kills cloister.
#pragma once

#include <sys/types.h>

#include "cloister/error.hpp"

namespace cloister::parent_watch {

struct Parent {
  // The process cloister must die with: --parent-pid, or getppid() when cloister started
  // (--die-with-parent; 0 when the parent is outside cloister's PID namespace: not checked).
  pid_t pid = 0;
  int pidfd = -1;                            // --parent-pidfd: the process is the pidfd's
  const char* option = "--die-with-parent";  // named in errors
};

// Sets the death signal of the calling thread's process and checks the parent. An error
// when the parent is already gone or is not cloister's parent: nothing may be started then.
Status die_with(const Parent& parent);

// The pid a pidfd refers to, in cloister's PID namespace (/proc/self/fdinfo/FD's "Pid:"
// line); -1 once that process was reaped. An error when FD is not a pidfd.
Result<pid_t> pid_of_pidfd(int fd);

}  // namespace cloister::parent_watch
