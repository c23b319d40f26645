// One learning run: COMMAND in the sandbox its plan describes, started by the launcher in a
// child of cloister learn, with the notifying filter on top of the sandbox's own. cloister
// learn itself is the supervisor: an ancestor of every sandboxed process (so it may read
// their memory), it receives the listener, records each notification and lets the call go
// on, until the launcher has ended.
#pragma once

#include <functional>

#include "cloister/error.hpp"
#include "learn/recording.hpp"
#include "plan/plan.hpp"
#include "process/launcher.hpp"

namespace cloister::learn {

// `finish` runs in the launcher's process with launch()'s outcome and returns its exit code
// (it prints the notices and the error as the front end words them).
Result<int> run_learning(Plan plan, Recording& recording,
                         const std::function<int(const Outcome&)>& finish);

}  // namespace cloister::learn
