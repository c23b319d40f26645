// The options of `cloister explain`, `check` and `learn` themselves (explain and learn take
// cloister run's after them, parsed by policy/cli.hpp). Each parser's options are a table, so
// the manual (src/manual/) can be held against exactly what it accepts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cloister/error.hpp"

namespace cloister::cli {

struct ExplainArgs {
  bool json = false;
  bool groups = false;
  bool help = false;
  std::vector<std::string> run_args;  // the rest, for parse(..., Dialect::Run)
};
// Its own options may stand anywhere before "--"; everything else is cloister run's.
Result<ExplainArgs> parse_explain(const std::vector<std::string>& args);

struct CheckArgs {
  bool json = false;
  bool help = false;
};
Result<CheckArgs> parse_check(const std::vector<std::string>& args);

struct LearnArgs {
  std::string output;  // -o FILE, --output FILE, --output=FILE
  bool append = false;
  bool help = false;
  std::vector<std::string> run_args;  // from the first option that is not learn's own
};
Result<LearnArgs> parse_learn(const std::vector<std::string>& args);

struct SuperviseArgs {
  bool explain = false;
  bool help = false;
  int parent_pid = 0;     // --parent-pid PID
  int parent_pidfd = -1;  // --parent-pidfd FD
  int status_fd = -1;     // --status-fd FD
  std::string group_file;
};
// cloister supervise [OPTIONS] GROUP.toml
Result<SuperviseArgs> parse_supervise(const std::vector<std::string>& args);

// The options (and short aliases) "explain", "check", "learn" or "supervise" accepts itself; empty
// for any other name.
std::vector<std::string> own_option_names(std::string_view subcommand);

}  // namespace cloister::cli
