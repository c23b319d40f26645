// One entry point per subcommand; each parses its own arguments and returns an exit code.
#pragma once

#include <string>
#include <vector>

namespace cloister::cli {

int run_command(const std::vector<std::string>& args);      // cloister run
int bwrap_command(const std::vector<std::string>& args);    // cloister bwrap, or argv[0] "bwrap"
int explain_command(const std::vector<std::string>& args);  // cloister explain

}  // namespace cloister::cli
