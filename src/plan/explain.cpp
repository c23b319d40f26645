#include "plan/explain.hpp"

#include <sched.h>

#include <cstdio>
#include <sstream>

#include "kernel/capability_names.hpp"
#include "seccomp/tables.hpp"

namespace cloister::explain {
namespace {

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

const char* op_text(SeccompCondition::Op op) {
  switch (op) {
    case SeccompCondition::Op::Eq: return "==";
    case SeccompCondition::Op::Ne: return "!=";
    case SeccompCondition::Op::Lt: return "<";
    case SeccompCondition::Op::Le: return "<=";
    case SeccompCondition::Op::Gt: return ">";
    case SeccompCondition::Op::Ge: return ">=";
    case SeccompCondition::Op::MaskedEq: return "==";
  }
  return "?";
}

std::vector<std::string> namespace_names(std::uint64_t flags) {
  std::vector<std::string> out;
  const std::pair<std::uint64_t, const char*> names[] = {
      {CLONE_NEWUSER, "user"},    {CLONE_NEWNS, "mount"}, {CLONE_NEWPID, "pid"},
      {CLONE_NEWNET, "net"},      {CLONE_NEWIPC, "ipc"},  {CLONE_NEWUTS, "uts"},
      {CLONE_NEWCGROUP, "cgroup"}};
  for (const auto& [flag, name] : names)
    if (flags & flag) out.emplace_back(name);
  return out;
}

std::string join(const std::vector<std::string>& items, const char* sep = " ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

std::string caps_text(std::uint64_t keep) {
  std::vector<std::string> names;
  for (int cap = 0; cap < 64; ++cap)
    if (keep & (1ULL << cap)) names.emplace_back("CAP_" + std::string(caps::name_of(cap)));
  return names.empty() ? "none" : join(names);
}

std::string rule_text(const SeccompRule& r) {
  std::string text = seccomp::action_name(r.action);
  if (!r.conditions.empty()) {
    std::vector<std::string> conds;
    for (const auto& c : r.conditions) conds.push_back(condition_text(c));
    text += " if " + join(conds, " && ");
  }
  return text + "  [" + r.origin + "]";
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else
      out += c;
  }
  return out + "\"";
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + json_string(items[i]);
  return out + "]";
}

bool from_user(const Plan& plan, std::size_t i) {
  return i >= plan.fs_user_begin && i < plan.fs_user_end;
}

// Every step in order, each marked with where it comes from: cloister's default view or
// the user's options (the default view is absent under --empty-root and `cloister bwrap`).
void filesystem_text(const Plan& plan, std::ostringstream& out) {
  const std::size_t yours = plan.fs_user_end - plan.fs_user_begin;
  const std::size_t from_default = plan.fs.size() - yours;
  out << "filesystem (" << plan.fs.size() << " steps, in order: " << from_default
      << " from the default view, " << yours << " from your options";
  if (from_default == 0 && plan.fs_replaced.empty()) out << "; the root starts empty";
  out << "):\n";
  for (std::size_t i = 0; i < plan.fs.size(); ++i)
    out << "  " << i + 1 << ". " << (from_user(plan, i) ? "[yours]   " : "[default] ")
        << describe(plan.fs[i]) << "\n";
  for (const auto& r : plan.fs_replaced) out << "  replaced in the default view: " << r << "\n";
  for (const auto& s : plan.skipped) out << "  skipped (source missing): " << s << "\n";
}

const char* json_bool(bool b) { return b ? "true" : "false"; }

// The cgroup steps: the same facts as the text, one field each.
std::string cgroup_json(const CgroupPlan& c) {
  std::ostringstream out;
  out << "{\"creates\": " << json_bool(c.creates());
  if (c.creates()) {
    out << ", \"version\": " << json_string(c.version == CgroupVersion::V2 ? "v2" : "v1")
        << ", \"why\": " << json_string(c.why_version) << ", \"hierarchies\": [";
    for (std::size_t i = 0; i < c.hierarchies.size(); ++i) {
      const auto& h = c.hierarchies[i];
      out << (i ? ", " : "") << "{\"mount\": " << json_string(h.mount)
          << ", \"controllers\": " << json_string(h.controllers)
          << ", \"parent\": " << json_string(h.parent)
          << ", \"directory\": " << json_string(leaf_pattern(c, h))
          << ", \"stats_only\": " << json_bool(h.stats_only) << "}";
    }
    out << "], \"enable\": " << json_list(c.enable) << ", \"holder\": " << json_string(c.holder)
        << ", \"writes\": [";
    for (std::size_t i = 0; i < c.writes.size(); ++i) {
      const auto& w = c.writes[i];
      std::vector<std::string> files, values;
      for (const auto& f : w.files) files.push_back(f.name), values.push_back(f.value);
      out << (i ? ", " : "") << "{\"hierarchy\": " << w.hierarchy
          << ", \"files\": " << json_list(files) << ", \"values\": " << json_list(values)
          << ", \"seen\": " << json_bool(w.seen) << "}";
    }
    out << "], \"entry\": "
        << json_string(c.entry == CgroupEntry::CloneInto ? "clone-into-cgroup"
                                                         : "attach-after-clone")
        << ", \"late_namespace\": " << json_bool(c.late_namespace);
  }
  out << ", \"best_effort\": " << json_bool(c.best_effort)
      << ", \"dropped\": " << json_list(c.dropped) << "}";
  return out.str();
}

// Root's sandbox under real host ids (--host-ids, the library's uid/gid for root): no user
// namespace at all, which is the point for those who count user namespaces as attack surface.
void host_ids_text(const Plan& plan, std::ostringstream& out) {
  if (!plan.host_ids || (plan.clone_flags & CLONE_NEWUSER) || plan.userns_fd >= 0) return;
  out << "ids: runs under real host uid " << plan.host_ids->switch_uid << ", gid "
      << plan.host_ids->switch_gid
      << " with no user namespace (setresuid/setresgid; supplementary groups cleared)\n";
}

std::string parent_text(const Plan& plan) {
  if (!plan.die_with_parent) return "";
  if (plan.parent_pid != 0)
    return "; dies with process " + std::to_string(plan.parent_pid) + " (checked: its parent)";
  if (plan.parent_pidfd >= 0)
    return "; dies with the process of pidfd " + std::to_string(plan.parent_pidfd) +
           " (checked: its parent)";
  return "; dies with its parent";
}

std::string stop_text(const Plan& plan) {
  if (!plan.stop_timeout_ms) return "";
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", *plan.stop_timeout_ms / 1000.0);
  return std::string("; SIGKILLed ") + seconds + "s after a SIGTERM, SIGINT or SIGHUP";
}

}  // namespace

std::string condition_text(const SeccompCondition& c) {
  std::string arg = "arg" + std::to_string(c.index);
  if (c.op == SeccompCondition::Op::MaskedEq) arg += " & " + hex(c.mask);
  return arg + " " + op_text(c.op) + " " + hex(c.value);
}

std::string plan_text(const Plan& plan) {
  std::ostringstream out;
  const char* mode = plan.mode == SandboxMode::Chroot ? "chroot"
                     : plan.mode == SandboxMode::Auto ? "auto (namespace; chroot if refused)"
                                                      : "namespace";
  out << "mode: " << mode << "\n";
  if (plan.mode != SandboxMode::Chroot) {
    out << "namespaces: " << join(namespace_names(plan.clone_flags));
    if (plan.user_ns_optional) out << " (user only where the kernel allows)";
    out << "\n";
    if (plan.clone_flags & CLONE_NEWUSER) {
      out << "uid map: " << plan.ids.uid_map.substr(0, plan.ids.uid_map.find('\n'))
          << "; gid map: " << plan.ids.gid_map.substr(0, plan.ids.gid_map.find('\n'));
      if (plan.ids.root_onto_unprivileged)
        out << " (root's sandbox is not host root: keep host root with --uid-map 0:0:1 "
               "--gid-map 0:0:1)";
      out << "\n";
    }
    host_ids_text(plan, out);
    filesystem_text(plan, out);
  }
  if (plan.chroot) {
    out << "chroot: " << plan.chroot->root << "\n";
    out << "  without: " << join(plan.chroot->lost, ", ") << "\n";
    if (plan.chroot->switch_ids)
      out << "  runs as host uid " << plan.chroot->switch_ids->switch_uid << ", gid "
          << plan.chroot->switch_ids->switch_gid << " (root's sandbox is not host root)\n";
  } else if (!plan.chroot_unavailable.empty()) {
    out << "chroot fallback: unavailable: " << plan.chroot_unavailable << "\n";
  }
  out << "process: "
      << (plan.init_is_pid1 ? "cloister init is PID 1, COMMAND its child" : "COMMAND runs directly")
      << "; capabilities kept: " << caps_text(plan.keep_caps) << "; no_new_privs"
      << parent_text(plan) << stop_text(plan) << (plan.new_session ? "; new session" : "") << "\n";
  out << "command: " << join(plan.argv) << "\n";
  static const char* kNetNames[] = {"(namespace options)", "none", "unix", "host", "tcp", "pasta"};
  if (plan.net != NetMode::Unset)
    out << "network: " << kNetNames[static_cast<int>(plan.net)] << "\n";
  if (plan.landlock) {
    const auto& l = *plan.landlock;
    out << "landlock: kernel ABI " << plan.landlock_abi << "\n";
    for (const auto& r : l.paths) {
      std::vector<std::string> rights;
      if (r.read) rights.emplace_back("read");
      if (r.write) rights.emplace_back("write");
      if (r.exec) rights.emplace_back("exec");
      if (r.ioctl_dev) rights.emplace_back("ioctl-dev");
      out << "  " << r.path << ": " << join(rights, ",")
          << (r.implicit ? " (implicit: safe for any program)" : "") << "\n";
    }
    for (auto port : l.bind_ports) out << "  bind TCP " << port << "\n";
    for (auto port : l.connect_ports) out << "  connect TCP " << port << "\n";
    if (l.restrict_tcp && l.bind_ports.empty() && l.connect_ports.empty())
      out << "  no TCP bind or connect\n";
    if (l.scope_abstract_unix) out << "  scope: abstract-unix\n";
    if (l.scope_signal) out << "  scope: signal\n";
    for (const auto& u : plan.landlock_unenforced) out << "  not enforced: " << u << "\n";
  }
  if (plan.cgroup) {
    out << "cgroup:\n";
    for (const auto& line : describe(*plan.cgroup)) out << "  " << line << "\n";
  }
  for (const auto& n : plan.notices) out << "notice: " << n << "\n";
  if (plan.seccomp_summary) {
    const auto& s = *plan.seccomp_summary;
    out << "seccomp: " << s.allowed << " of " << s.known << " syscalls allowed, "
        << s.allowed_conditionally << " more with conditions; default action "
        << seccomp::action_name(s.default_action)
        << "; x32 and i386 entry points killed unless allowed\n";
    for (const auto& e : s.entries)
      for (const auto& r : e.rules) out << "  " << e.name << ": " << rule_text(r) << "\n";
    for (const auto& w : s.warnings) out << "warning: " << w << "\n";
  } else {
    out << "seccomp: no filter of cloister's own\n";
  }
  for (const auto& origin : plan.seccomp_stacked)
    out << "seccomp: also the filter of " << origin << ", compiled on its own and stacked\n";
  const std::size_t own = (plan.seccomp_summary ? 1 : 0) + plan.seccomp_stacked.size();
  const std::size_t extra = plan.seccomp.size() - own;
  if (extra > 0)
    out << "seccomp: " << extra << " ready BPF program(s) from --seccomp/--add-seccomp-fd\n";
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string plan_json(const Plan& plan) {
  std::ostringstream out;
  out << "{\"mode\": "
      << json_string(plan.mode == SandboxMode::Chroot ? "chroot"
                     : plan.mode == SandboxMode::Auto ? "auto"
                                                      : "namespace");
  out << ", \"namespaces\": " << json_list(namespace_names(plan.clone_flags));
  if (plan.clone_flags & CLONE_NEWUSER)
    out << ", \"uid_map\": " << json_list(lines_of(plan.ids.uid_map))
        << ", \"gid_map\": " << json_list(lines_of(plan.ids.gid_map));
  else if (plan.host_ids && plan.userns_fd < 0)
    out << ", \"host_ids\": {\"uid\": " << plan.host_ids->switch_uid
        << ", \"gid\": " << plan.host_ids->switch_gid << "}";
  std::vector<std::string> steps;
  for (const auto& s : plan.fs) steps.push_back(describe(s));
  std::vector<std::string> origins;
  for (std::size_t i = 0; i < plan.fs.size(); ++i)
    origins.emplace_back(from_user(plan, i) ? "user" : "default");
  out << ", \"filesystem\": " << json_list(steps);
  out << ", \"filesystem_origin\": " << json_list(origins);
  out << ", \"replaced\": " << json_list(plan.fs_replaced);
  out << ", \"skipped\": " << json_list(plan.skipped);
  if (plan.chroot)
    out << ", \"chroot\": {\"root\": " << json_string(plan.chroot->root)
        << ", \"lost\": " << json_list(plan.chroot->lost) << "}";
  out << ", \"init_is_pid1\": " << (plan.init_is_pid1 ? "true" : "false");
  out << ", \"capabilities\": " << json_string(caps_text(plan.keep_caps));
  if (plan.parent_pid != 0) out << ", \"parent_pid\": " << plan.parent_pid;
  if (plan.parent_pidfd >= 0) out << ", \"parent_pidfd\": " << plan.parent_pidfd;
  if (plan.stop_timeout_ms) out << ", \"stop_timeout_ms\": " << *plan.stop_timeout_ms;
  out << ", \"command\": " << json_list(plan.argv);
  if (plan.landlock)
    out << ", \"landlock\": {\"abi\": " << plan.landlock_abi
        << ", \"unenforced\": " << json_list(plan.landlock_unenforced) << "}";
  if (plan.cgroup) out << ", \"cgroup\": " << cgroup_json(*plan.cgroup);
  if (plan.seccomp_summary) {
    const auto& s = *plan.seccomp_summary;
    out << ", \"seccomp\": {\"allowed\": " << s.allowed
        << ", \"allowed_with_conditions\": " << s.allowed_conditionally
        << ", \"known\": " << s.known
        << ", \"default\": " << json_string(seccomp::action_name(s.default_action))
        << ", \"rules\": [";
    bool first = true;
    for (const auto& e : s.entries)
      for (const auto& r : e.rules) {
        std::vector<std::string> conds;
        for (const auto& c : r.conditions) conds.push_back(condition_text(c));
        out << (first ? "" : ", ") << "{\"syscall\": " << json_string(e.name)
            << ", \"action\": " << json_string(seccomp::action_name(r.action))
            << ", \"conditions\": " << json_list(conds) << ", \"origin\": " << json_string(r.origin)
            << "}";
        first = false;
      }
    out << "], \"warnings\": " << json_list(s.warnings) << "}";
  }
  if (!plan.seccomp_stacked.empty())
    out << ", \"seccomp_stacked\": " << json_list(plan.seccomp_stacked);
  out << "}\n";
  return out.str();
}

std::string groups_text() {
  std::ostringstream out;
  out << "| group | description | members |\n|---|---|---|\n";
  for (const auto& g : seccomp::groups()) {
    std::vector<std::string> members(g.members.begin(), g.members.end());
    out << "| `" << g.name << "` | " << g.description << " | " << join(members) << " |\n";
  }
  return out.str();
}

}  // namespace cloister::explain
