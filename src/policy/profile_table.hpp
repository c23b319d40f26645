// The profile loader for files that hold profiles, or name them, inside a TOML document of
// their own (cloister supervise's group file): problems go to the caller as they are found,
// each "FILE:LINE:COLUMN: what" with the locations of the file they were written in, so the
// caller reports them with its own, all at once.
#pragma once

#include <functional>
#include <string>

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "cloister/policy.hpp"

namespace cloister::profile {

using ProblemSink = std::function<void(const std::string&)>;

// The profile file at `path` (includes and all), as profile::load_file. A problem with the
// file itself (missing, not a regular file) is reported at `via`: where it was named
// ("group.toml:3:11: profile 'x.toml'").
void load_named_file(const std::string& path, const std::string& via, Policy& policy,
                     const ProblemSink& sink);

// A table with a profile's keys, written in `file` (its includes are relative to `file`).
void load_table(const toml::table& table, const std::string& file, Policy& policy,
                const ProblemSink& sink);

// A table with the keys of a profile's [cgroup], added to policy.cgroup.
void load_cgroup_table(const toml::node& node, const std::string& file, Policy& policy,
                       const ProblemSink& sink);

}  // namespace cloister::profile
