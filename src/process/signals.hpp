// The signals cloister forwards to COMMAND, and the mask that holds them for signalfd.
#pragma once

#include <csignal>

namespace cloister::signals {

// SIGTERM SIGINT SIGHUP SIGQUIT SIGUSR1 SIGUSR2 SIGWINCH
sigset_t forwarded();
// forwarded() plus SIGCHLD: blocked before clone so nothing arrives unseen.
sigset_t watched();

// A PID 1 only receives signals from outside its namespace when it has a handler, even
// when it reads them from a signalfd: install a no-op one for each watched signal.
void install_noop_handlers();

// Back to default dispositions and an empty mask (just before exec).
void reset_for_exec();

}  // namespace cloister::signals
