// `cloister oci` and the `cloister-oci` link: the OCI runtime command line as runc and crun
// take it (global options before the command; "--opt value", "--opt=value" and the single-dash
// spellings engines use).
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cloister/error.hpp"
#include "oci/runtime.hpp"
#include "oci/state.hpp"

namespace cloister::cli {
namespace {

// After "usage: PROGRAM".
constexpr const char* kUsage =
    " [--root DIR] [--log FILE] [--log-format text|json] COMMAND ...\n"
    "  create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] [--preserve-fds N] ID\n"
    "  start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID | list\n"
    "  pause ID | resume ID\n"
    "  ps [--format table|json] ID\n"
    "  run [--bundle DIR] [--pid-file FILE] [--detach] [--preserve-fds N] ID\n"
    "  exec [--process FILE] [--detach] [--pid-file FILE] [--cwd DIR] [--env NAME=VALUE]\n"
    "       [--user UID[:GID]] [--cap CAP] [--preserve-fds N] ID [COMMAND [ARG...]]\n"
    "  features | --version | --help\n"
    "cloister-oci(1) says what each config.json key becomes.\n";

// One option of a command: its names, whether it takes a value, where the value goes.
struct Flag {
  std::vector<std::string> names;
  bool takes_value;
  std::function<Status(const std::string&)> set;
};

// Strips one or two dashes; "name=value" splits.
bool split_option(const std::string& arg, std::string& name, std::optional<std::string>& value) {
  if (arg.size() < 2 || arg[0] != '-' || arg == "--") return false;
  name = arg.substr(arg[1] == '-' ? 2 : 1);
  const auto eq = name.find('=');
  if (eq != std::string::npos) {
    value = name.substr(eq + 1);
    name.erase(eq);
  }
  return !name.empty();
}

// Options then positional words; options stop at the first positional one (exec's COMMAND
// keeps its own options).
Result<std::vector<std::string>> parse(const std::vector<std::string>& args, std::size_t& i,
                                       const std::vector<Flag>& flags, const std::string& command) {
  std::vector<std::string> positional;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    std::string name;
    std::optional<std::string> value;
    if (!split_option(arg, name, value)) break;
    const Flag* flag = nullptr;
    for (const auto& f : flags)
      for (const auto& n : f.names)
        if (n == name) flag = &f;
    if (!flag)
      return Error{command, "unknown option", quote(arg), 0, "cloister-oci --help lists them"};
    if (flag->takes_value && !value) {
      if (i + 1 >= args.size()) return Error{command, "option needs a value", arg, 0, ""};
      value = args[++i];
    }
    if (!flag->takes_value && value && *value != "true" && *value != "false")
      return Error{command, "option takes no value", arg, 0, ""};
    CLOISTER_TRY(flag->set(value.value_or("true")));
  }
  for (; i < args.size(); ++i) positional.push_back(args[i]);
  return positional;
}

Status set_int(const std::string& text, int& into, const char* option) {
  char* end = nullptr;
  const long n = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end || n < 0 || n > 65536)
    return Error{option, "not a number of descriptors", quote(text), 0, ""};
  into = static_cast<int>(n);
  return ok_status();
}

Flag value_flag(std::vector<std::string> names, std::string& into) {
  return Flag{std::move(names), true, [&into](const std::string& v) {
                into = v;
                return ok_status();
              }};
}

Flag bool_flag(std::vector<std::string> names, bool& into) {
  return Flag{std::move(names), false, [&into](const std::string& v) {
                into = v == "true";
                return ok_status();
              }};
}

// Accepted and meaningless here: cloister makes no session keyring (keyctl is the container's
// seccomp filter's business) and always pivots into the root.
Flag accepted_flag(std::vector<std::string> names) {
  return Flag{std::move(names), false, [](const std::string&) { return ok_status(); }};
}

int usage_error_exit(const oci::Global& g, const Error& e) { return oci::report_error(g, e, 2); }

Result<std::string> one_id(const std::vector<std::string>& words, const std::string& command) {
  if (words.size() != 1)
    return Error{command, words.empty() ? "needs a container id" : "takes one container id", "", 0,
                 std::string("cloister-oci ") + command + " [OPTIONS] ID"};
  return words.front();
}

int create_like(const oci::Global& g, const std::vector<std::string>& args, std::size_t i,
                const std::string& command) {
  oci::CreateOptions o;
  bool detach = false;
  std::vector<Flag> flags = {value_flag({"bundle", "b"}, o.bundle),
                             value_flag({"pid-file"}, o.pid_file),
                             value_flag({"console-socket"}, o.console_socket),
                             {{"preserve-fds"}, true,
                              [&o](const std::string& v) { return set_int(v, o.preserve_fds, "--preserve-fds"); }},
                             accepted_flag({"no-new-keyring", "no-pivot"})};
  if (command == "run") flags.push_back(bool_flag({"detach", "d"}, detach));
  auto words = parse(args, i, flags, command);
  if (!words) return usage_error_exit(g, words.error());
  auto id = one_id(*words, command);
  if (!id) return usage_error_exit(g, id.error());
  if (command == "run") return oci::run(g, *id, o, detach);
  return oci::create(g, *id, o);
}

int exec_command(const oci::Global& g, const std::vector<std::string>& args, std::size_t i) {
  oci::ExecOptions o;
  std::string user;
  std::vector<Flag> flags = {
      value_flag({"process", "p"}, o.process_file),
      bool_flag({"detach", "d"}, o.detach),
      bool_flag({"tty", "t"}, o.tty),
      value_flag({"pid-file"}, o.pid_file),
      value_flag({"console-socket"}, o.console_socket),
      value_flag({"cwd"}, o.cwd),
      value_flag({"user", "u"}, user),
      {{"env", "e"}, true, [&o](const std::string& v) { o.env.push_back(v); return ok_status(); }},
      {{"cap", "c"}, true, [&o](const std::string& v) { o.caps.push_back(v); return ok_status(); }},
      {{"preserve-fds"}, true,
       [&o](const std::string& v) { return set_int(v, o.preserve_fds, "--preserve-fds"); }},
      accepted_flag({"no-new-privs"})};
  auto words = parse(args, i, flags, "exec");
  if (!words) return usage_error_exit(g, words.error());
  if (words->empty()) return usage_error_exit(g, Error{"exec", "needs a container id", "", 0, ""});
  if (!user.empty()) {
    unsigned uid = 0, gid = 0;
    const int n = std::sscanf(user.c_str(), "%u:%u", &uid, &gid);
    if (n < 1) return usage_error_exit(g, Error{"--user", "must be UID[:GID]", quote(user), 0, ""});
    o.user = std::pair{uid, n == 2 ? gid : uid};
  }
  o.args.assign(words->begin() + 1, words->end());
  return oci::exec(g, words->front(), o);
}

int version() {
  std::cout << "cloister-oci version " << CLOISTER_VERSION << "\nspec: 1.0.2\n";
  return 0;
}

}  // namespace

int oci_command(const std::vector<std::string>& args, const std::string& program) {
  oci::Global g;
  std::string log_format = "text";
  bool systemd_cgroup = false;
  bool debug = false;  // accepted: cloister-oci says the same either way
  std::size_t i = 0;
  bool help = false, show_version = false;
  std::vector<Flag> globals = {value_flag({"root"}, g.root),
                               value_flag({"log"}, g.log),
                               value_flag({"log-format"}, log_format),
                               bool_flag({"systemd-cgroup"}, systemd_cgroup),
                               bool_flag({"debug"}, debug),
                               bool_flag({"help", "h"}, help),
                               bool_flag({"version", "v"}, show_version)};
  auto words = parse(args, i, globals, "cloister-oci");
  if (g.root.empty()) g.root = oci::default_root();
  g.log_json = log_format == "json";
  if (!words) return usage_error_exit(g, words.error());
  if (show_version) return version();
  if (log_format != "text" && log_format != "json")
    return usage_error_exit(g, Error{"--log-format", "must be text or json", quote(log_format), 0, ""});
  if (systemd_cgroup)
    return usage_error_exit(
        g, Error{"--systemd-cgroup", "is not supported by cloister", "", 0,
                 "cloister manages cgroups through the cgroup filesystem: configure the engine "
                 "with the cgroupfs manager (podman --cgroup-manager cgroupfs)"});
  if (words->empty() || help) {
    std::FILE* to = words->empty() && !help ? stderr : stdout;
    std::fprintf(to, "usage: %s%s", program.c_str(), kUsage);
    return words->empty() && !help ? 2 : 0;
  }
  const std::string command = words->front();
  std::vector<std::string> rest(words->begin() + 1, words->end());
  std::size_t j = 0;
  if (command == "create" || command == "run") return create_like(g, rest, j, command);
  if (command == "exec") return exec_command(g, rest, j);
  if (command == "features") return oci::features();
  if (command == "list") return oci::list(g);
  if (command == "start" || command == "state" || command == "pause" || command == "resume") {
    auto w = parse(rest, j, {}, command);
    if (!w) return usage_error_exit(g, w.error());
    auto id = one_id(*w, command);
    if (!id) return usage_error_exit(g, id.error());
    if (command == "pause" || command == "resume") return oci::pause(g, *id, command == "pause");
    return command == "start" ? oci::start(g, *id) : oci::state(g, *id);
  }
  if (command == "kill") {
    bool all = false;
    auto w = parse(rest, j, {bool_flag({"all", "a"}, all)}, command);
    if (!w) return usage_error_exit(g, w.error());
    if (w->empty() || w->size() > 2)
      return usage_error_exit(g, Error{"kill", "usage: kill [--all] ID [SIGNAL]", "", 0, ""});
    return oci::kill(g, w->front(), w->size() == 2 ? (*w)[1] : "TERM", all);
  }
  if (command == "ps") {
    std::string format = "table";
    auto w = parse(rest, j, {value_flag({"format", "f"}, format)}, command);
    if (!w) return usage_error_exit(g, w.error());
    if (format != "table" && format != "json")
      return usage_error_exit(g,
                              Error{"ps --format", "must be table or json", quote(format), 0, ""});
    if (w->size() > 1)
      return usage_error_exit(
          g, Error{"ps", "takes no ps(1) options", quote((*w)[1]), 0,
                   "cloister-oci ps lists each PID with its command line, or the PIDs as JSON"});
    auto id = one_id(*w, command);
    if (!id) return usage_error_exit(g, id.error());
    return oci::ps(g, *id, format == "json");
  }
  if (command == "delete") {
    bool force = false;
    auto w = parse(rest, j, {bool_flag({"force", "f"}, force)}, command);
    if (!w) return usage_error_exit(g, w.error());
    auto id = one_id(*w, command);
    if (!id) return usage_error_exit(g, id.error());
    return oci::remove(g, *id, force);
  }
  return usage_error_exit(
      g, Error{"", "unknown command", quote(command), 0, "cloister-oci --help lists them"});
}

}  // namespace cloister::cli
