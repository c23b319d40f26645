// cloister's init: PID 1 of the sandbox's PID namespace. Reaps every zombie, forwards the
// signals in signals::forwarded() to COMMAND and exits with COMMAND's status (128+N for a
// signal); the kernel then kills whatever is left in the namespace.
#pragma once

#include <sys/types.h>

namespace cloister::init {

// Expects signals::watched() blocked (inherited across fork). Never returns.
[[noreturn]] void run(pid_t command);

// The area of the strings of the environment cloister started with, taken from `environ` at
// the start of main (before anything changes it; the kernel laid the strings out in one
// block). forget_environment() zeroes them.
void remember_environment(char** envp);

// init is a fork of cloister, not an exec: the memory /proc/1/environ shows still holds the
// caller's whole environment, what --unsetenv and --clearenv kept from COMMAND included.
// Zeroed before COMMAND starts, so the sandbox reads nothing there; init stays dumpable,
// so the caller can still open its /proc/PID/ns/* to join the sandbox.
void forget_environment();

// 128+N for a signal, the exit code otherwise (waitpid status).
int exit_code_of(int wait_status);

}  // namespace cloister::init
