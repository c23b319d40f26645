// Where `--profile NAME` finds a shipped profile. A NAME is lowercase letters, digits and '-'
// (starting with a letter or digit): no '/' and no '.', so it can never be read as a path;
// anything else ("./x", "x.toml", "/etc/cloister/x.toml") is a path, taken as it is.
//
// A name is looked up as NAME.toml in, in order:
//   1. each directory of $CLOISTER_PROFILE_PATH (':'-separated), when it is set;
//   2. PREFIX/share/cloister/profiles, PREFIX being the directory above the one holding the
//      running cloister binary (/usr/bin/cloister -> /usr/share/cloister/profiles);
//   3. the data directory the build was configured to install into;
//   4. the source tree's profiles/, only for a cloister that runs from its own build tree.
#pragma once

#include <string>
#include <vector>

#include "cloister/error.hpp"

namespace cloister::profile {

bool is_profile_name(const std::string& text);

// The directories searched, in order, for this process (see above).
std::vector<std::string> search_path();

// A path unchanged; a name resolved against `dirs` to the first NAME.toml that exists, or an
// error naming every directory searched.
Result<std::string> locate(const std::string& name_or_path, const std::vector<std::string>& dirs);

}  // namespace cloister::profile
