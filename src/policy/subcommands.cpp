#include "policy/subcommands.hpp"

#include <algorithm>

namespace cloister::cli {
namespace {

// One of a subcommand's own options: its names and whether it takes a value.
struct OwnOption {
  std::string_view name;
  std::string_view alias;  // "" when none
  bool takes_value;
};

constexpr OwnOption kExplain[] = {
    {"--json", "", false}, {"--groups", "", false}, {"--help", "-h", false}};
constexpr OwnOption kCheck[] = {{"--json", "", false}, {"--help", "-h", false}};
constexpr OwnOption kLearn[] = {
    {"--output", "-o", true}, {"--append", "", false}, {"--help", "-h", false}};
constexpr OwnOption kSupervise[] = {{"--explain", "", false},
                                    {"--parent-pid", "", true},
                                    {"--parent-pidfd", "", true},
                                    {"--status-fd", "", true},
                                    {"--help", "-h", false}};

// The option `arg` names (by name, alias or "--name=value"), or nullptr.
template <std::size_t N>
const OwnOption* find(const OwnOption (&table)[N], const std::string& arg) {
  for (const auto& o : table) {
    if (arg == o.name || (!o.alias.empty() && arg == o.alias)) return &o;
    if (o.takes_value && arg.size() > o.name.size() && arg.compare(0, o.name.size(), o.name) == 0 &&
        arg[o.name.size()] == '=')
      return &o;
  }
  return nullptr;
}

// The value of `o` given as `arg`: after '=' in the same word, or the next word.
Result<std::string> value_of(const OwnOption& o, const std::vector<std::string>& args,
                             std::size_t& i) {
  const std::string& arg = args[i];
  if (arg.size() > o.name.size() && arg[o.name.size()] == '=') return arg.substr(o.name.size() + 1);
  if (i + 1 == args.size()) return usage_error(arg, "expects a value");
  return args[++i];
}

template <std::size_t N>
void add_names(const OwnOption (&table)[N], std::vector<std::string>& out) {
  for (const auto& o : table) {
    out.emplace_back(o.name);
    if (!o.alias.empty()) out.emplace_back(o.alias);
  }
}

}  // namespace

Result<ExplainArgs> parse_explain(const std::vector<std::string>& args) {
  ExplainArgs out;
  bool command = false;
  for (const auto& arg : args) {
    const OwnOption* o = command ? nullptr : find(kExplain, arg);
    if (arg == "--") command = true;
    if (!o) {
      out.run_args.push_back(arg);
      continue;
    }
    if (o->name == "--json") out.json = true;
    if (o->name == "--groups") out.groups = true;
    if (o->name == "--help") out.help = true;
  }
  return out;
}

Result<CheckArgs> parse_check(const std::vector<std::string>& args) {
  CheckArgs out;
  for (const auto& arg : args) {
    const OwnOption* o = find(kCheck, arg);
    if (!o)
      return Error{bounded(arg, 64), "is not an option of cloister check", "", 0, "see --help"};
    if (o->name == "--json") out.json = true;
    if (o->name == "--help") out.help = true;
  }
  return out;
}

Result<LearnArgs> parse_learn(const std::vector<std::string>& args) {
  LearnArgs out;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const OwnOption* o = find(kLearn, args[i]);
    if (!o) break;
    if (o->name == "--output") {
      auto value = value_of(*o, args, i);
      if (!value) return value.take_error();
      out.output = *value;
    }
    if (o->name == "--append") out.append = true;
    if (o->name == "--help") out.help = true;
  }
  out.run_args.assign(args.begin() + static_cast<long>(i), args.end());
  if (!out.help && out.output.empty())
    return usage_error("-o", "is required: the file the learned profile goes to");
  return out;
}

namespace {

// A non-negative decimal number no larger than `max`.
Result<long> number(const std::string& option, const std::string& text, long max) {
  long value = 0;
  if (text.empty() || text.size() > 10) return usage_error(option, "expects a number");
  for (char c : text) {
    if (c < '0' || c > '9') return usage_error(option, "expects a number, not " + quote(text));
    value = value * 10 + (c - '0');
  }
  if (value > max) return usage_error(option, quote(text) + " is out of range");
  return value;
}

}  // namespace

Result<SuperviseArgs> parse_supervise(const std::vector<std::string>& args) {
  SuperviseArgs out;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    if (args[i] == "--") {
      ++i;
      break;
    }
    const OwnOption* o = find(kSupervise, args[i]);
    if (!o) {
      if (args[i].size() > 1 && args[i][0] == '-')
        return Error{bounded(args[i], 64), "is not an option of cloister supervise", "", 0,
                     "see --help"};
      break;
    }
    if (o->name == "--explain") out.explain = true;
    if (o->name == "--help") out.help = true;
    if (!o->takes_value) continue;
    const std::string name(o->name);
    auto value = value_of(*o, args, i);
    if (!value) return value.take_error();
    auto n = number(name, *value, name == "--parent-pid" ? 4194304 : 1048576);
    if (!n) return n.take_error();
    if (name == "--parent-pid") {
      if (*n == 0) return usage_error(name, "expects a PID above 0");
      out.parent_pid = static_cast<int>(*n);
    }
    if (name == "--parent-pidfd") out.parent_pidfd = static_cast<int>(*n);
    if (name == "--status-fd") out.status_fd = static_cast<int>(*n);
  }
  if (out.help) return out;
  if (i == args.size()) return usage_error("GROUP.toml", "is missing: the group file to run");
  out.group_file = args[i++];
  if (i != args.size()) return usage_error(bounded(args[i], 64), "follows the group file");
  if (out.parent_pid > 0 && out.parent_pidfd >= 0)
    return usage_error("--parent-pid", "and --parent-pidfd name the same thing: give one");
  return out;
}

std::vector<std::string> own_option_names(std::string_view subcommand) {
  std::vector<std::string> out;
  if (subcommand == "explain") add_names(kExplain, out);
  if (subcommand == "check") add_names(kCheck, out);
  if (subcommand == "learn") add_names(kLearn, out);
  if (subcommand == "supervise") add_names(kSupervise, out);
  return out;
}

}  // namespace cloister::cli
