// One entry point per subcommand; each parses its own arguments and returns an exit code.
#pragma once

#include <string>
#include <vector>

namespace cloister::cli {

int run_command(const std::vector<std::string>& args);  // cloister run
// cloister bwrap, or cloister installed as bwrap; `program` is the name usage messages give.
int bwrap_command(const std::vector<std::string>& args, const std::string& program);
int explain_command(const std::vector<std::string>& args);  // cloister explain
int check_command(const std::vector<std::string>& args);    // cloister check
int learn_command(const std::vector<std::string>& args);    // cloister learn
int supervise_command(const std::vector<std::string>& args);  // cloister supervise
// cloister --version: the version, what it was built with and uses, what this kernel offers.
int version_command();
// cloister oci, cloister-oci: `program` is how usage names it.
int oci_command(const std::vector<std::string>& args, const std::string& program = "cloister-oci");

}  // namespace cloister::cli
