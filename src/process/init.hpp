// cloister's init: PID 1 of the sandbox's PID namespace. Reaps every zombie, forwards the
// signals in signals::forwarded() to COMMAND and exits with COMMAND's status (128+N for a
// signal); the kernel then kills whatever is left in the namespace.
#pragma once

#include <sys/types.h>

namespace cloister::init {

// Expects signals::watched() blocked (inherited across fork). Never returns.
[[noreturn]] void run(pid_t command);

// 128+N for a signal, the exit code otherwise (waitpid status).
int exit_code_of(int wait_status);

}  // namespace cloister::init
