#include "manual/completion.hpp"

#include <map>
#include <sstream>

#include "manual/manual.hpp"

namespace cloister::manual {
namespace {

// The pages a subcommand completes from: its own, and cloister run's options where it takes
// them (explain, learn).
struct Subcommand {
  std::string name;
  std::vector<const Option*> options;
  bool takes_command = false;  // a COMMAND [ARGS...] after the options
  bool takes_file = false;     // a FILE.toml after the options (supervise's GROUP.toml)
};

std::vector<Subcommand> subcommands() {
  std::vector<Subcommand> out;
  const Page& top = page("cloister");
  for (const auto& c : top.commands) {
    if (c.name == "help") continue;
    Subcommand s{c.name, {}, false};
    const Page& p = page("cloister-" + c.name);
    s.options = options_of(p);
    if (p.run_options)
      for (const Option* o : options_of(page("cloister-run")))
        if (o->name != "--help") s.options.push_back(o);
    s.takes_command = c.usage.find("COMMAND") != std::string::npos;
    s.takes_file = c.usage.size() >= 5 && c.usage.compare(c.usage.size() - 5, 5, ".toml") == 0;
    out.push_back(std::move(s));
  }
  return out;
}

std::string joined_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Every option name (and alias) once, with its arguments; pages agree (argument_conflicts).
std::map<std::string, const Option*> all_options() {
  std::map<std::string, const Option*> out;
  for (const auto& s : subcommands())
    for (const Option* o : s.options) {
      out.emplace(o->name, o);
      if (!o->alias.empty()) out.emplace(o->alias, o);
    }
  for (const Option* o : options_of(page("cloister"))) {
    out.emplace(o->name, o);
    if (!o->alias.empty()) out.emplace(o->alias, o);
  }
  return out;
}

std::string single_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// ---- bash ----

// The case pattern of every option taking `arity` arguments.
std::string arity_case(const std::map<std::string, const Option*>& options) {
  std::map<std::size_t, std::vector<std::string>> by_arity;
  for (const auto& [name, o] : options)
    if (!o->args.empty()) by_arity[o->args.size()].push_back(name);
  std::ostringstream out;
  for (const auto& [arity, names] : by_arity) {
    std::string pattern;
    for (const auto& n : names) pattern += (pattern.empty() ? "" : "|") + n;
    out << "    " << pattern << ") _cloister_n=" << arity << " ;;\n";
  }
  return out.str();
}

std::string bash_argument_action(const Argument& a) {
  switch (a.complete) {
    case Complete::Path: return "_cloister_files \"$3\"";
    case Complete::Directory: return "_cloister_files \"$3\" -d";
    case Complete::Profile:
      return "_cloister_words \"$3\" \"$(_cloister_profile_names)\"; _cloister_files \"$3\"";
    case Complete::SyscallOrGroup:
      return "_cloister_words \"$3\" \"$_cloister_groups $_cloister_syscalls\"";
    case Complete::Capability: return "_cloister_words \"$3\" \"ALL $_cloister_capabilities\"";
    case Complete::Choice:
      return "_cloister_words \"$3\" " + single_quoted(joined_words(a.choices));
    case Complete::Nothing: break;
  }
  return "";
}

std::string argument_case(const std::map<std::string, const Option*>& options) {
  std::map<std::string, std::vector<std::string>> by_action;  // action -> "--opt N" patterns
  for (const auto& [name, o] : options)
    for (std::size_t i = 0; i < o->args.size(); ++i) {
      const std::string action = bash_argument_action(o->args[i]);
      if (!action.empty()) by_action[action].push_back("'" + name + " " + std::to_string(i) + "'");
    }
  std::ostringstream out;
  for (const auto& [action, patterns] : by_action) {
    std::string pattern;
    for (const auto& p : patterns) pattern += (pattern.empty() ? "" : "|") + p;
    out << "    " << pattern << ")\n      " << action << " ;;\n";
  }
  return out.str();
}

std::string option_words_case(const std::vector<Subcommand>& subs) {
  std::ostringstream out;
  for (const auto& s : subs) {
    std::string words;
    for (const Option* o : s.options) {
      words += (words.empty() ? "" : " ") + o->name;
      if (!o->alias.empty()) words += " " + o->alias;
    }
    out << "    " << s.name << ") _cloister_list=" << single_quoted(words) << " ;;\n";
  }
  return out.str();
}

std::string commands_taking_command(const std::vector<Subcommand>& subs) {
  std::string pattern;
  for (const auto& s : subs)
    if (s.takes_command) pattern += (pattern.empty() ? "" : "|") + s.name;
  return pattern;
}

// The case branch completing the file operand of the subcommands that take one (none: "").
std::string file_operand_case(const std::vector<Subcommand>& subs) {
  std::string pattern;
  for (const auto& s : subs)
    if (s.takes_file) pattern += (pattern.empty() ? "" : "|") + s.name;
  if (pattern.empty()) return "";
  return "    " + pattern +
         ")\n"
         "      ((i == COMP_CWORD)) && _cloister_files \"$cur\"\n"
         "      ;;\n";
}

// ---- zsh ----

// What _arguments reads specially in a description or message: ':' '[' ']' and '\'.
std::string zsh_escape(const std::string& text) {
  std::string out;
  for (char c : plain(text)) {
    if (c == ':' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The first sentence of the help: what fits a completion menu.
std::string first_sentence(const std::string& help) {
  const auto end = help.find(". ");
  std::string s = end == std::string::npos ? help : help.substr(0, end);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string zsh_action(const Argument& a) {
  switch (a.complete) {
    case Complete::Path: return "_files";
    case Complete::Directory: return "_files -/";
    case Complete::Profile: return "_cloister_profiles";
    case Complete::SyscallOrGroup: return "_cloister_syscalls";
    case Complete::Capability: return "_cloister_capabilities";
    case Complete::Choice: return "(" + joined_words(a.choices) + ")";
    case Complete::Nothing: break;
  }
  return " ";
}

std::string zsh_spec(const std::string& name, const Option& o) {
  std::string spec =
      "*" + name + (o.joined ? "=" : "") + "[" + zsh_escape(first_sentence(o.help)) + "]";
  for (const auto& a : o.args) spec += ":" + zsh_escape(a.metavar) + ":" + zsh_action(a);
  return single_quoted(spec);
}

std::string zsh_function(const Subcommand& s) {
  std::vector<std::string> specs;
  for (const Option* o : s.options) {
    specs.push_back(zsh_spec(o->name, *o));
    if (!o->alias.empty()) specs.push_back(zsh_spec(o->alias, *o));
  }
  if (s.takes_command) {
    specs.push_back("'1:command:_command_names -e'");
    specs.push_back("'*::argument:_normal'");
  }
  if (s.takes_file) specs.push_back("'1:file:_files -g \"*.toml\"'");
  std::string out = "_cloister_" + s.name + "() {\n  _arguments -S :";
  for (const auto& spec : specs) out += " \\\n    " + spec;
  return out + "\n}\n\n";
}

}  // namespace

std::string argument_conflicts() {
  std::map<std::string, const Option*> seen;
  std::string conflicts;
  auto same = [](const Option& a, const Option& b) {
    if (a.args.size() != b.args.size() || a.joined != b.joined) return false;
    for (std::size_t i = 0; i < a.args.size(); ++i)
      if (a.args[i].complete != b.args[i].complete || a.args[i].choices != b.args[i].choices)
        return false;
    return true;
  };
  for (const auto& p : pages())
    for (const Option* o : options_of(p)) {
      auto [it, fresh] = seen.emplace(o->name, o);
      if (!fresh && !same(*it->second, *o))
        conflicts += (conflicts.empty() ? "" : ", ") + o->name + " (" + p.name + ")";
    }
  return conflicts;
}

std::string bash_completion(const CompletionWords& w) {
  const auto subs = subcommands();
  const auto options = all_options();
  std::string commands;
  for (const auto& c : page("cloister").commands)
    commands += (commands.empty() ? "" : " ") + c.name;
  for (const Option* o : options_of(page("cloister")))
    commands += " " + o->name + (o->alias.empty() ? "" : " " + o->alias);

  std::ostringstream out;
  out << "# bash completion for cloister(1).\n"
         "# Generated by tools/gen_docs.cpp from src/manual/: edit those, not this.\n"
         "\n"
         "_cloister_groups="
      << single_quoted(joined_words(w.groups)) << "\n"
      << "_cloister_syscalls=" << single_quoted(joined_words(w.syscalls)) << "\n"
      << "_cloister_capabilities=" << single_quoted(joined_words(w.capabilities)) << "\n"
      << "\n"
         "# The shipped profiles, and those in $CLOISTER_PROFILE_PATH and the installed data\n"
         "# directory now (names as --profile NAME takes them).\n"
         "_cloister_profile_names() {\n"
         "  local names="
      << single_quoted(joined_words(w.profiles)) << " dir file name\n"
      << "  local -a dirs=()\n"
         "  IFS=: read -r -a dirs <<< \"${CLOISTER_PROFILE_PATH:-}\"\n";
  for (const auto& d : w.profile_dirs) out << "  dirs+=(" << single_quoted(d) << ")\n";
  out << "  for dir in \"${dirs[@]}\"; do\n"
         "    for file in \"$dir\"/*.toml; do\n"
         "      name=${file##*/}\n"
         "      name=${name%.toml}\n"
         "      [[ -f $file && $name =~ ^[a-z0-9][a-z0-9-]*$ && \" $names \" != *\" $name \"* ]] "
         "&&\n"
         "        names+=\" $name\"\n"
         "    done\n"
         "  done\n"
         "  printf '%s\\n' \"$names\"\n"
         "}\n"
         "\n"
         "# $1: the word so far; $2: the words to offer. Adds to COMPREPLY.\n"
         "_cloister_words() {\n"
         "  local word\n"
         "  for word in $2; do\n"
         "    [[ $word == \"$1\"* ]] && COMPREPLY+=(\"$word\")\n"
         "  done\n"
         "}\n"
         "\n"
         "# $1: the word so far; $2: -d for directories only. Adds to COMPREPLY.\n"
         "_cloister_files() {\n"
         "  local IFS=$'\\n' kind=-f\n"
         "  [[ ${2:-} == -d ]] && kind=-d\n"
         "  compopt -o filenames 2>/dev/null\n"
         "  COMPREPLY+=($(compgen \"$kind\" -- \"$1\"))\n"
         "}\n"
         "\n"
         "# How many arguments option $1 takes, in _cloister_n.\n"
         "_cloister_arity() {\n"
         "  case $1 in\n"
      << arity_case(options)
      << "    *) _cloister_n=0 ;;\n"
         "  esac\n"
         "}\n"
         "\n"
         "# Argument $2 (from 0) of option $1, the word so far being $3.\n"
         "_cloister_argument() {\n"
         "  case \"$1 $2\" in\n"
      << argument_case(options)
      << "  esac\n"
         "}\n"
         "\n"
         "# The options of subcommand $1, in _cloister_list.\n"
         "_cloister_options() {\n"
         "  case $1 in\n"
      << option_words_case(subs)
      << "    *) _cloister_list='' ;;\n"
         "  esac\n"
         "}\n"
         "\n"
         "_cloister() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} sub word option='' index=0 pending=0 i=2\n"
         "  local _cloister_n=0 _cloister_list=''\n"
         "  COMPREPLY=()\n"
         "  if ((COMP_CWORD == 1)); then\n"
         "    _cloister_words \"$cur\" "
      << single_quoted(commands) << "\n"
      << "    return 0\n"
         "  fi\n"
         "  sub=${COMP_WORDS[1]}\n"
         "  # bash splits --net=MODE into --net, = and MODE.\n"
         "  if [[ $cur == = ]]; then cur=''; fi\n"
         "  while ((i < COMP_CWORD)); do\n"
         "    word=${COMP_WORDS[i]}\n"
         "    if ((pending > 0)); then\n"
         "      ((pending--, index++, i++))\n"
         "      continue\n"
         "    fi\n"
         "    if [[ $word == --* && ${COMP_WORDS[i + 1]:-} == = ]]; then\n"
         "      _cloister_arity \"$word\"\n"
         "      option=$word index=0 pending=$_cloister_n\n"
         "      ((i += 2))\n"
         "      continue\n"
         "    fi\n"
         "    case $word in\n"
         "      --)\n"
         "        ((i++))\n"
         "        break\n"
         "        ;;\n"
         "      -*)\n"
         "        _cloister_arity \"$word\"\n"
         "        option=$word index=0 pending=$_cloister_n\n"
         "        ;;\n"
         "      *) break ;;\n"
         "    esac\n"
         "    ((i++))\n"
         "  done\n"
         "  if ((pending > 0)); then\n"
         "    _cloister_argument \"$option\" \"$index\" \"$cur\"\n"
         "    return 0\n"
         "  fi\n"
         "  if ((i == COMP_CWORD)) && [[ $cur == -* && ${COMP_WORDS[i - 1]} != -- ]]; then\n"
         "    _cloister_options \"$sub\"\n"
         "    _cloister_words \"$cur\" \"$_cloister_list\"\n"
         "    return 0\n"
         "  fi\n"
         "  case $sub in\n"
         "    "
      << commands_taking_command(subs) << ")\n"
      << "      if ((i == COMP_CWORD)); then\n"
         "        local IFS=$'\\n'\n"
         "        COMPREPLY=($(compgen -c -- \"$cur\"))\n"
         "      else\n"
         "        _cloister_files \"$cur\"\n"
         "      fi\n"
         "      ;;\n"
      << file_operand_case(subs)
      << "  esac\n"
         "  return 0\n"
         "}\n"
         "\n"
         "complete -F _cloister cloister\n";
  return out.str();
}

std::string zsh_completion(const CompletionWords& w) {
  const auto subs = subcommands();
  std::ostringstream out;
  out << "#compdef cloister\n"
         "# zsh completion for cloister(1).\n"
         "# Generated by tools/gen_docs.cpp from src/manual/: edit those, not this.\n"
         "\n"
         "_cloister_profiles() {\n"
         "  local -a names\n"
         "  local dir file\n"
         "  names=("
      << joined_words(w.profiles) << ")\n"
      << "  for dir in ${(s.:.)CLOISTER_PROFILE_PATH}";
  for (const auto& d : w.profile_dirs) out << " " << single_quoted(d);
  out << "; do\n"
         "    for file in $dir/*.toml(N); do\n"
         "      [[ ${file:t:r} =~ '^[a-z0-9][a-z0-9-]*$' ]] && names+=(${file:t:r})\n"
         "    done\n"
         "  done\n"
         "  _alternative 'profiles:profile:compadd -a names' 'files:profile file:_files'\n"
         "}\n"
         "\n"
         "_cloister_syscalls() {\n"
         "  local -a groups syscalls\n"
         "  groups=("
      << joined_words(w.groups) << ")\n"
      << "  syscalls=(" << joined_words(w.syscalls) << ")\n"
      << "  _alternative 'groups:syscall group:compadd -a groups' 'syscalls:syscall:compadd -a "
         "syscalls'\n"
         "}\n"
         "\n"
         "_cloister_capabilities() {\n"
         "  local -a caps\n"
         "  caps=(ALL "
      << joined_words(w.capabilities) << ")\n"
      << "  compadd -a caps\n"
         "}\n"
         "\n";
  for (const auto& s : subs) out << zsh_function(s);
  out << "_cloister() {\n"
         "  local curcontext=$curcontext state line ret=1\n"
         "  local -a commands\n"
         "  commands=(\n";
  for (const auto& c : page("cloister").commands)
    out << "    " << single_quoted(c.name + ":" + zsh_escape(c.summary)) << "\n";
  out << "  )\n"
         "  _arguments -C \\\n";
  for (const Option* o : options_of(page("cloister"))) {
    const std::string description = "[" + zsh_escape(first_sentence(o->help)) + "]";
    out << "    " << single_quoted("(- *)" + o->name + description) << " \\\n";
    if (!o->alias.empty())
      out << "    " << single_quoted("(- *)" + o->alias + description) << " \\\n";
  }
  out << "    '1:command:->command' \\\n"
         "    '*::argument:->argument' && ret=0\n"
         "  case $state in\n"
         "    command) _describe -t commands 'cloister command' commands && ret=0 ;;\n"
         "    argument)\n"
         "      curcontext=${curcontext%:*:*}:cloister-$words[1]:\n"
         "      case $words[1] in\n";
  for (const auto& s : subs)
    out << "        " << s.name << ") _cloister_" << s.name << " && ret=0 ;;\n";
  out << "      esac\n"
         "      ;;\n"
         "  esac\n"
         "  return ret\n"
         "}\n"
         "\n"
         "_cloister \"$@\"\n";
  return out.str();
}

}  // namespace cloister::manual
