// The manual: the text of every man page as data, the one source of `--help`, the man pages
// and the shell completions (tools/gen_docs.cpp writes the last two at build time), so they
// cannot disagree. A unit test holds it against the command-line parsers and the profile
// loader, so neither can gain or lose an option the manual does not know.
//
// Text is ASCII, with two marks: `code` (bold in a man page, plain in --help) and a paragraph
// starting "- " (a bullet item). Nothing here is built until a page is asked for.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cloister::manual {

// What a shell may offer for an option's argument.
enum class Complete {
  Nothing,  // a number, a descriptor, free text
  Path,     // a host path (or one inside the sandbox: still a path to complete)
  Directory,
  Profile,         // a shipped profile's name, or a path
  SyscallOrGroup,  // a syscall group (@file-system) or a syscall name
  Capability,      // CAP_* names
  Choice,          // one of Argument::choices
};

struct Argument {
  std::string metavar;  // "SRC", "FD", "MODE", "NAME=SOFT[:HARD]"
  Complete complete = Complete::Nothing;
  std::vector<std::string> choices;  // Complete::Choice
};

// Which front end takes an option of cloister-run(1): both (cloister-bwrap(1) lists it as
// well), or `cloister run` (and explain and learn) only.
enum class Dialects { Both, RunOnly };

struct Option {
  std::string name;   // "--bind"
  std::string alias;  // "-h", or empty
  std::vector<Argument> args;
  std::string help;     // one or two sentences, in --help and the man page
  std::string more;     // further paragraphs, the man page only ("" for none)
  bool joined = false;  // written --net=MODE (--net MODE is accepted as well)
  Dialects dialects = Dialects::Both;
};

struct OptionGroup {
  std::string title;  // "Filesystem"
  std::string intro;  // a paragraph before the options, or ""
  std::vector<Option> options;
};

// A subcommand of `cloister`, for the cloister(1) page, its --help and the completions.
struct Command {
  std::string name;   // "run"
  std::string usage;  // "[OPTIONS] [--] COMMAND [ARGS...]"
  std::string summary;
};

// A term and its description: a profile key, an exit status, an environment variable.
struct Item {
  std::string term;  // shown bold; "memory-max" / "125"
  std::string text;
  // A line of TOML for a profile key, in the table its subsection's title names ("[cgroup]";
  // the top level otherwise), shown under the text; or "".
  std::string example;
};

struct Section {
  std::string title;        // "EXIT STATUS", "[cgroup]"
  bool subsection = false;  // .SS under the section before it
  std::vector<std::string> paragraphs;
  std::vector<Item> items;
};

struct Example {
  std::string text;     // what it does, or "" (a second command for the one before)
  std::string command;  // as typed; lines separated by '\n' (a profile)
};

struct Page {
  std::string name;  // "cloister-run": the man page's name
  int section = 1;
  std::string command;             // "cloister run" (empty for file formats)
  std::vector<std::string> usage;  // each a synopsis after `command`: "[OPTIONS] [--] COMMAND"
  std::string summary;             // the NAME line: "run a program in a sandbox"
  std::vector<std::string> description;  // paragraphs; the first is also --help's
  std::vector<Command> commands;         // cloister(1) only
  std::vector<OptionGroup> options;
  bool run_options = false;       // takes cloister run's options after its own (explain, learn)
  std::vector<Section> sections;  // after OPTIONS: EXIT STATUS, FILES, profile keys...
  std::vector<Example> examples;
  std::vector<std::string> see_also;  // "cloister-profile(5)"
};

// Every page: cloister(1), cloister-run(1), cloister-bwrap(1), cloister-explain(1),
// cloister-check(1), cloister-learn(1), cloister-supervise(1), cloister-profile(5).
const std::vector<Page>& pages();
// The page by name ("cloister-run"); a name not in pages() is a programming error (aborts).
const Page& page(std::string_view name);

// Every option of a page, groups flattened, in order.
std::vector<const Option*> options_of(const Page& page);

// --help: the usage lines (naming `program` instead of the page's command when given, as
// bubblewrap's usage names the program as invoked), the first paragraph of the description,
// the commands and options with their help, the examples, and where the manual is.
std::string help_text(const Page& page, const std::string& program = "");

// The man page in roff (man(7) macros), for `man -l` and installation.
std::string roff(const Page& page, const std::string& version);

// Text with the marks taken out, as --help shows it.
std::string plain(std::string_view text);

}  // namespace cloister::manual
