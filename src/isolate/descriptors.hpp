// Descriptor hygiene: what a sandbox inherits from whoever started cloister. An inherited
// directory descriptor leads out of any root through "..", so cloister run keeps only what
// the command line names.
#pragma once

#include <vector>

#include "cloister/error.hpp"

namespace cloister::descriptors {

// Closes every descriptor above 2 except `keep` (close_range over the gaps).
Status close_all_except(std::vector<int> keep);

// The caller passes these on to COMMAND: they must survive exec.
Status pass_on(const std::vector<int>& fds);

// Whether `fd` is an open descriptor of this process.
bool is_open(int fd);

}  // namespace cloister::descriptors
