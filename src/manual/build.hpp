// Small constructors that keep the manual's data readable: flag("--x", "help"),
// with("--x", {path("SRC")}, "help"). Internal to src/manual/.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "manual/manual.hpp"

namespace cloister::manual::build {

inline Argument value(std::string metavar) { return {std::move(metavar), Complete::Nothing, {}}; }
inline Argument path(std::string metavar) { return {std::move(metavar), Complete::Path, {}}; }
inline Argument directory(std::string metavar) {
  return {std::move(metavar), Complete::Directory, {}};
}
inline Argument choice(std::string metavar, std::vector<std::string> choices) {
  return {std::move(metavar), Complete::Choice, std::move(choices)};
}
inline Argument of_kind(std::string metavar, Complete kind) {
  return {std::move(metavar), kind, {}};
}

inline Option flag(std::string name, std::string help, std::string more = "") {
  Option o;
  o.name = std::move(name);
  o.help = std::move(help);
  o.more = std::move(more);
  return o;
}

inline Option with(std::string name, std::vector<Argument> args, std::string help,
                   std::string more = "") {
  Option o = flag(std::move(name), std::move(help), std::move(more));
  o.args = std::move(args);
  return o;
}

// --net=MODE: shown with '=', accepted either way.
inline Option joined(Option o) {
  o.joined = true;
  return o;
}

inline Option alias(std::string short_name, Option o) {
  o.alias = std::move(short_name);
  return o;
}

inline Option run_only(Option o) {
  o.dialects = Dialects::RunOnly;
  return o;
}

}  // namespace cloister::manual::build
