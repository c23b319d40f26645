// linux.cgroupsPath names a cgroup whose parent the engine may not have made
// (podman's /libpod_parent): the runtime makes it, in each hierarchy cloister uses, and
// removes what it made when the container is deleted and the directory is empty.
#pragma once

#include <string>
#include <vector>

#include "cloister/error.hpp"

namespace cloister::oci {

// The directories made, parents first.
Result<std::vector<std::string>> make_cgroup_parents(const std::string& parent);
// Removes those that are empty now (another container may still be using one), last first.
void remove_cgroup_parents(const std::vector<std::string>& made);

}  // namespace cloister::oci
