// Command-line front end: bubblewrap's option names and meanings, applied in order, plus
// cloister's own (--sandbox, --uid-map, --gid-map). Fills a Policy and nothing else.
#pragma once

#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister::cli {

enum class Dialect {
  Run,    // `cloister run`: every namespace and the default root unless options say otherwise
  Bwrap,  // `cloister bwrap` / argv[0] "bwrap": bubblewrap 0.8's defaults exactly
};

struct Parsed {
  Policy policy;
  bool help = false;
  bool version = false;
};

// Parses argv (without the program / subcommand name). Errors name the option.
Result<Parsed> parse(const std::vector<std::string>& args, Dialect dialect);

// Every option the dialect takes ("--bind", "-h", "--net": --net=MODE is the same option).
// The manual (src/manual/) must list exactly these; a unit test holds them together.
std::vector<std::string> option_names(Dialect dialect);

}  // namespace cloister::cli
