// bash and zsh completions for cloister, written from the manual's pages (commands, options,
// what each option's arguments are) and the word lists a build knows: the shipped profiles,
// the syscall groups and names, the capability names. tools/gen_docs.cpp writes them.
#pragma once

#include <string>
#include <vector>

namespace cloister::manual {

struct CompletionWords {
  std::vector<std::string> profiles;      // shipped profile names (profiles/*.toml)
  std::vector<std::string> profile_dirs;  // searched for more at completion time (installed)
  std::vector<std::string> groups;        // "@basic-io", ...
  std::vector<std::string> syscalls;      // the native architecture's syscall names
  std::vector<std::string> capabilities;  // "CAP_CHOWN", ...
};

// For bash (`complete -F`), needing nothing but bash itself.
std::string bash_completion(const CompletionWords& words);
// For zsh's completion system (#compdef cloister).
std::string zsh_completion(const CompletionWords& words);

// An option name used with different arguments on two pages would complete wrongly for one of
// them; the generator refuses to write completions then. Empty when all agree.
std::string argument_conflicts();

}  // namespace cloister::manual
