#include "plan/diagnose.hpp"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "kernel/fd.hpp"
#include "plan/view.hpp"

namespace cloister::diagnose {
namespace {

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const auto end = text.find(sep, pos);
    out.push_back(text.substr(pos, end - pos));
    if (end == std::string::npos) return out;
    pos = end + 1;
  }
}

std::string env_value(const Plan& plan, const std::string& name) {
  for (const auto& e : plan.env)
    if (e.compare(0, name.size() + 1, name + "=") == 0) return e.substr(name.size() + 1);
  return "";
}

// "X is missing in the sandbox: /bin -> usr/bin, then nothing is bound at /opt; the host
// has /opt/tool: --ro-bind /opt/tool /opt/tool"
std::string why_missing(const view::Lookup& l, const std::string& wanted) {
  std::string text = wanted + " is not in the sandbox: ";
  for (const auto& hop : l.chain) text += hop + ", then ";
  text += l.why;
  if (!l.host_candidate.empty())
    text += "; the host has " + l.host_candidate + ": --ro-bind " + l.host_candidate + " " +
            l.host_candidate + " (or --bind, writable) brings it in";
  return text;
}

template <class Ehdr, class Phdr>
std::string elf_interpreter(int fd) {
  Ehdr eh{};
  if (::pread(fd, &eh, sizeof eh, 0) != static_cast<ssize_t>(sizeof eh)) return "";
  for (unsigned i = 0; i < eh.e_phnum && i < 64; ++i) {
    Phdr ph{};
    const off_t at = static_cast<off_t>(eh.e_phoff + i * sizeof ph);
    if (::pread(fd, &ph, sizeof ph, at) != static_cast<ssize_t>(sizeof ph)) return "";
    if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz > 4096) continue;
    std::string path(ph.p_filesz, '\0');
    if (::pread(fd, path.data(), path.size(), static_cast<off_t>(ph.p_offset)) !=
        static_cast<ssize_t>(path.size()))
      return "";
    return path.substr(0, path.find('\0'));
  }
  return "";
}

// The program the kernel runs first for `host_file`: a "#!" line's interpreter or an ELF
// file's dynamic loader. Empty when it has none (or cannot be read).
std::pair<std::string, const char*> interpreter_of(const std::string& host_file) {
  UniqueFd fd(::open(host_file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return {"", ""};
  char head[256] = {};
  const ssize_t n = ::pread(fd.get(), head, sizeof head - 1, 0);
  if (n >= 2 && head[0] == '#' && head[1] == '!') {
    std::string line(head + 2, static_cast<std::size_t>(n - 2));
    line = line.substr(0, line.find('\n'));
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos) return {"", ""};
    return {line.substr(start, line.find_first_of(" \t", start) - start), "interpreter"};
  }
  if (n < EI_NIDENT || std::memcmp(head, ELFMAG, SELFMAG) != 0) return {"", ""};
  if (head[EI_CLASS] == ELFCLASS64)
    return {elf_interpreter<Elf64_Ehdr, Elf64_Phdr>(fd.get()), "dynamic loader"};
  return {elf_interpreter<Elf32_Ehdr, Elf32_Phdr>(fd.get()), "dynamic loader"};
}

// COMMAND is in the sandbox, yet exec said ENOENT: what it needs first is missing.
std::string missing_interpreter(const view::Model& model, const view::Lookup& found) {
  if (found.host.empty()) return "";
  const auto [interp, what] = interpreter_of(found.host);
  if (interp.empty() || interp[0] != '/') return "";
  const auto l = model.resolve(interp);
  if (l.found) return "";
  return found.path + " is in the sandbox, but its " + what + " " + interp +
         " is not: " + why_missing(l, interp);
}

std::string command_in_path(const Plan& plan, const view::Model& model, const std::string& name) {
  std::string path = env_value(plan, "PATH");
  const std::string shown = path.empty() ? "/bin:/usr/bin, the default" : path;
  if (path.empty()) path = "/bin:/usr/bin";  // what execvp searches without PATH
  for (const auto& dir : split(path, ':')) {
    if (dir.empty() || dir[0] != '/') continue;
    const auto l = model.resolve(join_path(dir, name));
    if (l.found) return missing_interpreter(model, l);
  }
  std::string text = "'" + name + "' is in no directory of the sandbox's PATH (" + shown + ")";
  for (const auto& dir : split(path, ':')) {
    const std::string host = join_path(dir, name);
    if (dir.empty() || dir[0] != '/' || ::access(host.c_str(), X_OK) != 0) continue;
    return text + "; " + why_missing(model.resolve(host), host);
  }
  return text + ", nor in the host's: give its full path, or install it";
}

// Where COMMAND starts: the caller's directory if the sandbox has it, else $HOME, else "/".
std::string effective_cwd(const Plan& plan, const view::Model& model,
                          std::vector<std::string>& notes) {
  const auto cwd = model.resolve(plan.cwd);
  if (cwd.found) return cwd.path;
  const bool home = !plan.cwd_fallback.empty() && model.resolve(plan.cwd_fallback).found;
  const std::string start = home ? plan.cwd_fallback : "/";
  notes.push_back("COMMAND started in " + start + ": the current directory " + plan.cwd +
                  " is not in the sandbox (--bind " + plan.cwd + " " + plan.cwd + " --chdir " +
                  plan.cwd + " brings it in)");
  return start;
}

Explanation command_not_found(const Plan& plan, const std::string& command) {
  const view::Model model(plan);
  Explanation out;
  if (command.find('/') == std::string::npos) {
    out.hint = command_in_path(plan, model, command);
  } else {
    const std::string full = view::Model::normalised(
        command[0] == '/' ? command : join_path(effective_cwd(plan, model, out.notes), command));
    const auto l = model.resolve(full);
    out.hint = l.found ? missing_interpreter(model, l) : why_missing(l, full);
  }
  if (out.hint.empty()) return out;
  out.notes.push_back("the sandbox's / holds: " + model.root_listing());
  if (model.empty_root())
    out.notes.push_back("--empty-root: the root holds only what the options put there");
  return out;
}

Explanation missing_path(const Plan& plan, const std::string& path) {
  const view::Model model(plan);
  const auto l = model.resolve(path);
  if (l.found) return {};
  return {why_missing(l, path), {"the sandbox's / holds: " + model.root_listing()}};
}

// Creating DEST failed with EROFS: it lies in a read-only bind (maybe through a symlink).
Explanation read_only(const Plan& plan, const std::string& path) {
  const view::Model model(plan);
  const auto slash = path.find_last_of('/');
  const auto parent = model.resolve(slash == 0 ? "/" : path.substr(0, slash));
  const auto* bind = parent.mount ? std::get_if<step::Bind>(parent.mount) : nullptr;
  if (!parent.found || !bind || !bind->read_only) return {};
  std::string via;
  for (const auto& hop : parent.chain) via += (via.empty() ? " (through " : ", ") + hop;
  if (!via.empty()) via += ")";
  return {path + " would be made in " + parent.path + via + ", inside the read-only bind of " +
              bind->dest +
              ": put it elsewhere, or mount something writable there first "
              "(--tmpfs DIR or --bind SRC DIR)",
          {}};
}

// Where execvp finds COMMAND in the sandbox (not found: an empty lookup).
view::Lookup find_command(const Plan& plan, const view::Model& model, const std::string& command) {
  if (command.find('/') != std::string::npos) {
    std::vector<std::string> ignored;
    return model.resolve(
        command[0] == '/' ? command : join_path(effective_cwd(plan, model, ignored), command));
  }
  std::string path = env_value(plan, "PATH");
  for (const auto& dir : split(path.empty() ? "/bin:/usr/bin" : path, ':')) {
    if (dir.empty() || dir[0] != '/') continue;
    auto l = model.resolve(join_path(dir, command));
    if (l.found) return l;
  }
  return {};
}

bool beneath_any(const std::string& path, const std::vector<std::string>& dirs) {
  for (const auto& d : dirs)
    if (path == d || d == "/" || path.compare(0, d.size() + 1, d + "/") == 0) return true;
  return false;
}

// exec said EACCES while Landlock rules are in force: say so when COMMAND or what the kernel
// runs first for it (its dynamic loader or interpreter) lies outside every --landlock-exec.
Explanation landlock_exec(const Plan& plan, const std::string& command_name) {
  std::vector<std::string> granted;
  for (const auto& r : plan.landlock->paths)
    if (r.exec) granted.push_back(view::Model::normalised(r.path));
  const view::Model model(plan);
  const auto command = find_command(plan, model, command_name);
  if (!command.found) return {};
  std::string refused = beneath_any(command.path, granted) ? "" : command.path;
  if (refused.empty() && !command.host.empty()) {
    const auto interp = interpreter_of(command.host).first;
    const auto l = interp.empty() ? view::Lookup{} : model.resolve(interp);
    if (l.found && !beneath_any(l.path, granted)) refused = l.path;
  }
  if (refused.empty()) return {};
  std::string list;
  for (const auto& g : granted) list += (list.empty() ? "" : ", ") + g;
  const std::string top = "/" + refused.substr(1, refused.find('/', 1) - 1);
  return {"Landlock refused it: " + refused + " is beneath no --landlock-exec path (" +
              (list.empty() ? std::string("none given") : list) + "); --landlock-exec " + top +
              " allows what lies beneath",
          {}};
}

bool is_path_step(const Error& e) {
  return e.step == "--chdir" || e.step == "landlock" || e.op == "openat2";
}

struct Resolvers {
  std::vector<std::string> servers;
  bool over_tcp = false;  // "options use-vc" (or "options tcp")
};

Resolvers parse_resolv_conf(const std::string& text) {
  Resolvers r;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string key, value;
    words >> key;
    if (key == "nameserver" && words >> value) r.servers.push_back(value);
    if (key == "options")
      while (words >> value) r.over_tcp = r.over_tcp || value == "use-vc" || value == "tcp";
  }
  return r;
}

}  // namespace

std::string tcp_mode_dns(const Plan& plan) {
  const auto text = view::Model(plan).contents("/etc/resolv.conf");
  if (!text) return "";
  const auto resolvers = parse_resolv_conf(*text);
  if (resolvers.servers.empty()) return "";
  std::string names;
  for (const auto& s : resolvers.servers) names += (names.empty() ? "" : ", ") + s;
  if (!resolvers.over_tcp)
    return "--net=tcp: no DNS: /etc/resolv.conf names " + names +
           ", asked over UDP, which this mode refuses. Use addresses, --net=host or --net=pasta, "
           "or bind a resolv.conf with 'options use-vc' (DNS over TCP) over /etc/resolv.conf "
           "and add --allow-connect 53";
  const auto& ports = plan.landlock ? plan.landlock->connect_ports : std::vector<std::uint16_t>{};
  if (std::find(ports.begin(), ports.end(), 53) != ports.end()) return "";
  return "--net=tcp: no DNS: /etc/resolv.conf asks " + names +
         " over TCP, but port 53 is not among the --allow-connect ports: add --allow-connect 53";
}

Explanation explain(const Plan& plan, const Error& e) {
  const bool missing = e.err == ENOENT || e.err == ENOTDIR || e.err == ELOOP;
  const bool sandbox_path = !e.object.empty() && e.object[0] == '/';
  // The exec error names COMMAND as execvp was given it (the plan's exec_path).
  const std::string& command = e.object.empty() ? plan.exec_path : e.object;
  if (e.step == "exec" && (e.err == ENOENT || e.err == ENOTDIR))
    return command_not_found(plan, command);
  if (e.step == "exec" && e.err == EACCES && plan.landlock && !plan.landlock->paths.empty())
    return landlock_exec(plan, command);
  if (missing && sandbox_path && is_path_step(e)) return missing_path(plan, e.object);
  if (e.err == EROFS && sandbox_path) return read_only(plan, e.object);
  return {};
}

}  // namespace cloister::diagnose
