#include "policy/profile_sections.hpp"

#include <unistd.h>

#include <charconv>
#include <climits>
#include <cstdlib>
#include <optional>
#include <vector>

#include "cloister/error.hpp"
#include "kernel/capability_names.hpp"
#include "kernel/io.hpp"

namespace cloister::profile {
namespace {

using Kind = FsOp::Kind;

// What an entry of `ops` may name, and the shape of its value.
enum class Shape : std::uint8_t { OnePath, TwoPaths, ModeAndPath };

struct OpName {
  const char* name;
  Kind kind;
  Shape shape;
  bool optional;  // the -try forms
};

constexpr OpName kOps[] = {
    {"bind", Kind::Bind, Shape::TwoPaths, false},
    {"bind-try", Kind::Bind, Shape::TwoPaths, true},
    {"ro-bind", Kind::RoBind, Shape::TwoPaths, false},
    {"ro-bind-try", Kind::RoBind, Shape::TwoPaths, true},
    {"dev-bind", Kind::DevBind, Shape::TwoPaths, false},
    {"dev-bind-try", Kind::DevBind, Shape::TwoPaths, true},
    {"remount-ro", Kind::RemountRo, Shape::OnePath, false},
    {"tmpfs", Kind::Tmpfs, Shape::OnePath, false},
    {"proc", Kind::Proc, Shape::OnePath, false},
    {"dev", Kind::Dev, Shape::OnePath, false},
    {"mqueue", Kind::Mqueue, Shape::OnePath, false},
    {"dir", Kind::Dir, Shape::OnePath, false},
    {"lock-file", Kind::LockFile, Shape::OnePath, false},
    {"symlink", Kind::Symlink, Shape::TwoPaths, false},
    {"chmod", Kind::Chmod, Shape::ModeAndPath, false},
};

// The command line's operations on descriptors have no place in a file.
constexpr const char* kFdOps[] = {"bind-fd", "ro-bind-fd", "file", "bind-data", "ro-bind-data"};

const OpName* find_op(const std::string& name) {
  for (const auto& op : kOps)
    if (name == op.name) return &op;
  return nullptr;
}

bool is_fd_op(const std::string& name) {
  for (const char* op : kFdOps)
    if (name == op) return true;
  return false;
}

std::optional<mode_t> parse_mode(const std::string& text) {
  unsigned mode = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || mode > 07777)
    return std::nullopt;
  return static_cast<mode_t>(mode);
}

// "${NAME}" replaced by the caller's variable. nullopt with `missing` set when one is unset
// or empty, or the text has an unterminated "${".
std::optional<std::string> expand(const std::string& text, const Environment& env,
                                  std::string& missing) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto start = text.find("${", pos);
    if (start == std::string::npos) break;
    const auto end = text.find('}', start + 2);
    if (end == std::string::npos) {
      missing = "an unterminated ${ (write ${NAME})";
      return std::nullopt;
    }
    const std::string name = text.substr(start + 2, end - start - 2);
    const char* value = name.empty() ? nullptr : env(name);
    if (!value || !*value) {
      missing = "the variable " + quote(name) + ", which is not set in the environment";
      return std::nullopt;
    }
    out += text.substr(pos, start - pos);
    out += value;
    pos = end + 1;
  }
  out += text.substr(pos);
  return out;
}

class OpsReader {
 public:
  OpsReader(Policy& policy, const Reporter& report, const Environment& env)
      : policy_(policy), report_(report), env_(env) {}

  void entry(const toml::node& item) {
    const auto* table = item.as_table();
    if (!table)
      return report_.problem(item, "each operation is a table such as { tmpfs = \"/x\" }");
    const OpName* op = nullptr;
    const toml::node* value = nullptr;
    std::optional<mode_t> perms;
    std::optional<std::uint64_t> size;
    bool ok = true;
    for (const auto& [key, node] : *table) {
      const std::string k(key.str());
      if (k == "perms") {
        ok &= modifier_perms(node, perms);
      } else if (k == "size") {
        ok &= modifier_size(node, size);
      } else if (const OpName* found = find_op(k)) {
        if (op) {
          report_.problem(
              node, "one operation per entry (" + std::string(op->name) + " and " + k + " given)");
          ok = false;
        }
        op = found;
        value = &node;
      } else if (is_fd_op(k)) {
        report_.problem(node, k + " takes a file descriptor: give it on the command line");
        ok = false;
      } else {
        report_.problem(node, "unknown operation " + quote(k));
        ok = false;
      }
    }
    if (!op) {
      if (ok) report_.problem(item, "an entry needs an operation such as bind, tmpfs or dir");
      return;
    }
    if (perms && op->kind != Kind::Tmpfs && op->kind != Kind::Dir) {
      report_.problem(item, "perms goes with tmpfs and dir only");
      ok = false;
    }
    if (size && op->kind != Kind::Tmpfs) {
      report_.problem(item, "size goes with tmpfs only");
      ok = false;
    }
    if (ok) add(*op, *value, perms, size);
  }

 private:
  bool modifier_perms(const toml::node& node, std::optional<mode_t>& out) {
    const auto* s = node.as_string();
    if (s) out = parse_mode(s->get());
    if (!out) report_.problem(node, "perms is an octal mode in a string, up to \"07777\"");
    return out.has_value();
  }

  bool modifier_size(const toml::node& node, std::optional<std::uint64_t>& out) {
    if (const auto* s = node.as_string()) out = io::parse_bytes(s->get());
    if (const auto* i = node.as_integer(); i && i->get() > 0)
      out = static_cast<std::uint64_t>(i->get());
    if (!out || *out == 0)
      report_.problem(node, "size is BYTES with an optional K, M or G suffix, not zero");
    return out && *out != 0;
  }

  // The value's strings, expanded: one for OnePath, two otherwise.
  std::optional<std::vector<std::string>> paths(const OpName& op, const toml::node& value) {
    std::vector<const toml::node*> nodes;
    if (op.shape == Shape::OnePath) {
      nodes.push_back(&value);
    } else if (const auto* list = value.as_array(); list && list->size() == 2) {
      for (const auto& item : *list) nodes.push_back(&item);
    }
    std::vector<std::string> out;
    for (const auto* node : nodes)
      if (const auto* s = node->as_string()) out.push_back(s->get());
    if (out.empty() || out.size() != nodes.size()) {
      report_.problem(value, std::string(op.name) + (op.shape == Shape::OnePath ? " takes a path"
                                                     : op.shape == Shape::TwoPaths
                                                         ? " takes [SOURCE, DEST]"
                                                         : " takes [\"OCTAL\", PATH]"));
      return std::nullopt;
    }
    for (std::size_t i = op.shape == Shape::ModeAndPath ? 1 : 0; i < out.size(); ++i) {
      std::string missing;
      auto expanded = expand(out[i], env_, missing);
      if (!expanded) {
        if (op.optional && missing.rfind("the variable", 0) == 0) return std::vector<std::string>{};
        report_.problem(value, std::string(op.name) + " uses " + missing);
        return std::nullopt;
      }
      out[i] = std::move(*expanded);
    }
    return out;
  }

  void add(const OpName& op, const toml::node& value, std::optional<mode_t> perms,
           std::optional<std::uint64_t> size) {
    auto args = paths(op, value);
    if (!args) return;
    if (args->empty()) return;  // a -try operation whose variable is unset: skipped
    FsOp fs{op.kind, "", args->back(), -1, op.optional, perms, size};
    if (op.shape == Shape::TwoPaths) fs.source = args->front();
    if (op.shape == Shape::ModeAndPath) {
      fs.perms = parse_mode(args->front());
      if (!fs.perms) return report_.problem(value, "chmod's mode is octal, up to \"07777\"");
    }
    if (fs.dest.empty() || (op.shape == Shape::TwoPaths && fs.source.empty()))
      return report_.problem(value, std::string(op.name) + " needs non-empty paths");
    policy_.fs.push_back(std::move(fs));
  }

  Policy& policy_;
  const Reporter& report_;
  const Environment& env_;
};

bool boolean(const toml::node& value, const Reporter& report, bool& out) {
  const auto* b = value.as_boolean();
  if (!b) {
    report.problem(value, "must be true or false");
    return false;
  }
  out = b->get();
  return true;
}

}  // namespace

// PWD, where no shell set it, is the current directory.
const char* process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value || name != "PWD") return value;
  static thread_local char cwd[PATH_MAX];
  return ::getcwd(cwd, sizeof cwd);
}

// [network] mode = "none" | "unix" | "host" | "tcp" | "pasta"
void network(const toml::node& node, Policy& policy, const Reporter& report) {
  const auto* table = node.as_table();
  if (!table) return report.problem(node, "[network] must be a table");
  for (const auto& [key, value] : *table) {
    const std::string k(key.str());
    if (k != "mode") {
      report.problem(value, "unknown key " + quote(k) + " in [network]");
      continue;
    }
    const auto* mode = value.as_string();
    const std::string m = mode ? mode->get() : "";
    if (m == "none")
      policy.net = NetMode::None;
    else if (m == "unix")
      policy.net = NetMode::Unix;
    else if (m == "host")
      policy.net = NetMode::Host;
    else if (m == "tcp")
      policy.net = NetMode::Tcp;
    else if (m == "pasta")
      policy.net = NetMode::Pasta;
    else
      report.problem(value, "mode must be one of none, unix, host, tcp, pasta");
  }
}

void sandbox_mode(const toml::node& node, Policy& policy, const Reporter& report) {
  const auto* s = node.as_string();
  const std::string mode = s ? s->get() : "";
  if (mode == "namespace")
    policy.mode = SandboxMode::Namespace;
  else if (mode == "chroot")
    policy.mode = SandboxMode::Chroot;
  else if (mode == "auto")
    policy.mode = SandboxMode::Auto;
  else
    report.problem(node, "sandbox must be \"namespace\", \"chroot\" or \"auto\"");
}

// [filesystem] root = "default" | "empty", ops = [...]. A table without `root` leaves an
// earlier profile's choice, or the front end's (the default view for `cloister run`, which
// ops add to, as the command line's filesystem options do).
void filesystem(const toml::node& node, Policy& policy, const Reporter& report,
                const Environment& env) {
  const auto* table = node.as_table();
  if (!table) return report.problem(node, "[filesystem] must be a table");
  OpsReader reader(policy, report, env);
  for (const auto& [key, value] : *table) {
    const std::string k(key.str());
    if (k == "root") {
      const auto* s = value.as_string();
      if (s && (s->get() == "default" || s->get() == "empty")) {
        policy.root_chosen = true;
        policy.default_root = s->get() == "default";
      } else
        report.problem(value, "root must be \"default\" or \"empty\"");
    } else if (k == "ops") {
      const auto* list = value.as_array();
      if (!list) {
        report.problem(value, "ops must be an array of operations");
        continue;
      }
      for (const auto& item : *list) reader.entry(item);
    } else {
      report.problem(value, "unknown key " + quote(k) + " in [filesystem]");
    }
  }
}

// [namespaces] user, pid, net, ipc, uts, cgroup = true | false | "try": the command line's
// --unshare-* (and --unshare-*-try for user and cgroup). [network] mode decides net when given.
void namespaces(const toml::node& node, Policy& policy, const Reporter& report) {
  const auto* table = node.as_table();
  if (!table) return report.problem(node, "[namespaces] must be a table");
  for (const auto& [key, value] : *table) {
    const std::string k(key.str());
    Want* want = k == "user"     ? &policy.ns.user
                 : k == "pid"    ? &policy.ns.pid
                 : k == "net"    ? &policy.ns.net
                 : k == "ipc"    ? &policy.ns.ipc
                 : k == "uts"    ? &policy.ns.uts
                 : k == "cgroup" ? &policy.ns.cgroup
                                 : nullptr;
    if (!want) {
      report.problem(
          value, "unknown key " + quote(k) + " in [namespaces] (user, pid, net, ipc, uts, cgroup)");
      continue;
    }
    if (const auto* b = value.as_boolean())
      *want = b->get() ? Want::Yes : Want::No;
    else if (const auto* s = value.as_string(); s && s->get() == "try")
      *want = Want::Try;
    else
      report.problem(value, k + " must be true, false or \"try\"");
    if (k == "net") policy.net_namespace_explicit = true;
  }
}

// [process] uid, gid: the ids inside the user namespace (--uid, --gid); for a root daemon
// using the library without one, the real host ids it switches to.
bool id_key(const std::string& k, const toml::node& value, Policy& policy, const Reporter& report) {
  if (k != "uid" && k != "gid") return false;
  const auto* n = value.as_integer();
  if (!n || n->get() < 0 || n->get() > 0xfffffffe) {
    report.problem(value, k + " must be a number from 0 to 4294967294");
    return true;
  }
  if (k == "uid")
    policy.id.uid = static_cast<uid_t>(n->get());
  else
    policy.id.gid = static_cast<gid_t>(n->get());
  return true;
}

// [process] capabilities = ["CAP_NET_BIND_SERVICE"]: kept (--cap-add).
bool capabilities_key(const std::string& k, const toml::node& value, Policy& policy,
                      const Reporter& report) {
  if (k != "capabilities") return false;
  const auto* list = value.as_array();
  if (!list) {
    report.problem(value, "capabilities must be an array of names (\"CAP_NET_BIND_SERVICE\")");
    return true;
  }
  for (const auto& item : *list) {
    const auto* s = item.as_string();
    auto cap = s ? caps::from_name(s->get()) : std::nullopt;
    if (!cap)
      report.problem(item, "unknown capability" + (s ? " " + quote(s->get()) : std::string()));
    else
      policy.caps.push_back({true, *cap});
  }
  return true;
}

namespace {

// [process] stop-timeout = SECONDS (--stop-timeout): a number, fractions allowed, up to a day.
void stop_timeout(const toml::node& value, Policy& policy, const Reporter& report) {
  std::optional<double> seconds;
  if (const auto* i = value.as_integer()) seconds = static_cast<double>(i->get());
  if (const auto* f = value.as_floating_point()) seconds = f->get();
  if (!seconds || !(*seconds >= 0) || *seconds > 86400)
    return report.problem(value, "stop-timeout must be a number of seconds from 0 to 86400");
  policy.stop_timeout_ms = static_cast<std::uint32_t>(*seconds * 1000 + 0.5);
}

}  // namespace

// [process] new-session, die-with-parent, host-ids, clearenv (booleans), stop-timeout,
// setenv = { NAME = "value" }, unsetenv = ["NAME"], chdir = "PATH". clearenv comes first,
// then unsetenv, then setenv.
void process(const toml::node& node, Policy& policy, const Reporter& report,
             const Environment& env) {
  const auto* table = node.as_table();
  if (!table) return report.problem(node, "[process] must be a table");
  std::vector<EnvOp> clear, unset, set;
  for (const auto& [key, value] : *table) {
    const std::string k(key.str());
    bool flag = false;
    if (k == "new-session") {
      if (boolean(value, report, flag)) policy.new_session = flag;
    } else if (k == "die-with-parent") {
      if (boolean(value, report, flag)) policy.die_with_parent = flag;
    } else if (k == "host-ids") {
      if (boolean(value, report, flag)) policy.id.host_ids = flag;
    } else if (k == "stop-timeout") {
      stop_timeout(value, policy, report);
    } else if (k == "clearenv") {
      if (boolean(value, report, flag) && flag) clear.push_back({EnvOp::Kind::Clear, "", ""});
    } else if (k == "setenv") {
      const auto* vars = value.as_table();
      if (!vars) {
        report.problem(value, "setenv must be a table of NAME = \"value\"");
        continue;
      }
      for (const auto& [name, v] : *vars) {
        if (const auto* s = v.as_string())
          set.push_back({EnvOp::Kind::Set, std::string(name.str()), s->get()});
        else
          report.problem(v, "setenv values must be strings");
      }
    } else if (k == "unsetenv") {
      const auto* list = value.as_array();
      bool ok = list != nullptr;
      if (list)
        for (const auto& item : *list) {
          if (const auto* s = item.as_string())
            unset.push_back({EnvOp::Kind::Unset, s->get(), ""});
          else
            ok = false;
        }
      if (!ok) report.problem(value, "unsetenv must be an array of names");
    } else if (k == "chdir") {
      const auto* s = value.as_string();
      std::string missing;
      auto dir = s ? expand(s->get(), env, missing) : std::nullopt;
      if (!s)
        report.problem(value, "chdir must be a path");
      else if (!dir)
        report.problem(value, "chdir uses " + missing);
      else
        policy.chdir = *dir;
    } else if (id_key(k, value, policy, report) || capabilities_key(k, value, policy, report)) {
    } else {
      report.problem(value, "unknown key " + quote(k) + " in [process]");
    }
  }
  for (auto* ops : {&clear, &unset, &set})
    policy.env.insert(policy.env.end(), ops->begin(), ops->end());
}

}  // namespace cloister::profile
