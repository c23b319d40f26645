// Seccomp, child side: installs the programs the planning side compiled (src/seccomp), as the
// very last step before exec, or in a daemon right before its main loop.
#pragma once

#include "cloister/error.hpp"
#include "seccomp/filter.hpp"

namespace cloister::seccomp {

// Child side: prctl(PR_SET_SECCOMP), or seccomp(SECCOMP_SET_MODE_FILTER) where a program
// installed before refuses prctl. no_new_privs must already be set.
Status install(const Program& program);

// For a process that may have other threads (the library): the filter is synchronised to
// every thread (SECCOMP_FILTER_FLAG_TSYNC), or this fails naming the thread that could not.
Status install_all_threads(const Program& program);

}  // namespace cloister::seccomp
