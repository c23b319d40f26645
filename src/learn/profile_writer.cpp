#include "learn/profile_writer.hpp"

#include <sys/socket.h>

#include <cstdio>
#include <sstream>

#include "learn/filter.hpp"
#include "learn/grants.hpp"
#include "policy/profile.hpp"
#include "seccomp/tables.hpp"

namespace cloister::learn {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// CLONE_* bits by name, what is left (the exit signal) as a number.
std::string flag_names(std::uint64_t value) {
  std::string out;
  std::uint64_t rest = value;
  for (int bit = 8; bit < 64; ++bit) {
    const std::uint64_t flag = 1ULL << bit;
    if (!(value & flag)) continue;
    if (auto name = seccomp::constant_name(flag, "CLONE_")) {
      out += (out.empty() ? "" : "|") + std::string(*name);
      rest &= ~flag;
    }
  }
  if (rest || out.empty()) out += (out.empty() ? "" : "|") + hex(rest);
  return out;
}

// A value as people write it in profiles: AF_INET, TCGETS, CLONE_VM|CLONE_VFORK|0x11.
std::string value_text(const std::string& syscall, std::uint64_t value) {
  auto named = [&](std::initializer_list<std::string_view> prefixes) -> std::string {
    for (auto prefix : prefixes)
      if (auto name = seccomp::constant_name(value, prefix)) return quoted(std::string(*name));
    return quoted(hex(value));
  };
  if (syscall == "socket" || syscall == "socketpair") {
    if (value == AF_UNIX) return quoted("AF_UNIX");
    return named({"AF_"});
  }
  if (syscall == "ioctl") return named({"TCGETS", "TIOC", "TC", "FIO"});
  if (syscall == "prctl") return named({"PR_SET_", "PR_GET_"});
  if (syscall == "personality") return named({"PER_"});
  if (syscall == "clone" || syscall == "unshare") return quoted(flag_names(value));
  return quoted(hex(value));
}

std::string paths_array(const char* key, const std::vector<Grant>& grants) {
  if (grants.empty()) return "";
  std::string out = std::string(key) + " = [\n";
  for (const auto& g : grants) {
    out += "  " + quoted(g.path) + ",";
    if (!g.wider.empty()) out += "  # wider than used: " + g.wider;
    out += "\n";
  }
  return out + "]\n";
}

void names_block(std::ostringstream& o, const std::set<std::string>& names) {
  if (names.empty()) return;
  o << " ";
  std::size_t column = 1;
  for (const auto& name : names) {
    const std::string item = " " + quoted(name) + ",";
    if (column + item.size() > 96) o << "\n ", column = 1;
    o << item;
    column += item.size();
  }
  o << "\n";
}

std::string ports_array(const char* key, const std::set<std::uint16_t>& ports) {
  std::string out = std::string(key) + " = [";
  bool first = true;
  for (auto p : ports) out += (first ? "" : ", ") + std::to_string(p), first = false;
  return out + "]\n";
}

}  // namespace

const char* net_mode_name(NetMode mode) {
  switch (mode) {
    case NetMode::None: return "none";
    case NetMode::Unix: return "unix";
    case NetMode::Host: return "host";
    case NetMode::Tcp: return "tcp";
    case NetMode::Pasta: return "pasta";
    case NetMode::Unset: break;
  }
  return "host";
}

NetMode network_for(const Recording& r, const LearnedIn& in) {
  if (in.mode == NetMode::Pasta) return r.inet ? NetMode::Pasta : NetMode::None;
  // Whatever it reached was inside its own namespace: a fresh one serves again.
  if (in.private_network) return NetMode::None;
  if (!r.inet && !r.abstract_unix) return NetMode::None;
  if (r.not_tcp || !r.inet) return NetMode::Host;
  return NetMode::Tcp;
}

NetMode wider(NetMode a, NetMode b) {
  if (a == b || b == NetMode::Unset) return a;
  if (a == NetMode::Unset || a == NetMode::None) return b;
  if (b == NetMode::None) return a;
  return NetMode::Host;
}

ProfileText profile_text(const Recording& r, const LearnedIn& in, const std::string& command) {
  const NetMode mode = wider(network_for(r, in), in.previous);
  std::ostringstream o;
  o << "# Learned by `cloister learn` from: " << command << "\n"
    << "# A learned profile is only as complete as the run it was learned from: what that run\n"
    << "# did not do (other options, inputs, errors, rarely taken paths) is refused under it.\n"
    << "# More runs: cloister learn --append -o THIS_FILE [RUN OPTIONS] -- COMMAND\n"
    << "# " << r.notifications << " syscalls observed.\n\n";
  std::set<std::string> hot;
  for (auto name : unobserved()) hot.insert(std::string(name));
  std::set<std::string> seen;
  for (const auto& name : r.syscalls)
    if (!hot.count(name)) seen.insert(name);
  o << "[seccomp]\nbase = " << quoted(in.base) << "\ndefault = \"kill-process\"\nallow = [\n"
    << "  # not observed: cloister learn lets these through without asking\n";
  names_block(o, hot);
  o << "  # observed\n";
  names_block(o, seen);
  for (const auto& [name, values] : r.values)
    for (auto v : values)
      o << "  { name = " << quoted(name) << ", args = [{ index = " << conditioned_argument(name)
        << ", op = \"==\", value = " << value_text(name, v) << " }] },\n";
  o << "]\n\n";

  const Grants g = grants_for(r.paths);
  o << "[landlock]\n"
    << paths_array("read", g.read) << paths_array("write", g.write) << paths_array("exec", g.exec)
    << paths_array("ioctl-dev", g.ioctl_dev);
  if (mode == NetMode::Tcp)
    o << ports_array("allow-bind", r.tcp_bind) << ports_array("allow-connect", r.tcp_connect);
  o << "\n[network]\nmode = " << quoted(net_mode_name(mode)) << "\n";
  return ProfileText{o.str(), hot.size() + seen.size() + r.values.size()};
}

Status load_previous(const std::string& path, Recording& into, NetMode& mode) {
  Policy policy;
  CLOISTER_TRY(profile::load_file(path, policy));
  for (const auto& layer : policy.seccomp.layers)
    for (const auto& rule : layer) {
      if (rule.action.kind != SeccompAction::Kind::Allow) continue;
      const int index = conditioned_argument(rule.name);
      if (rule.conditions.empty() && index < 0) into.syscalls.insert(rule.name);
      for (const auto& c : rule.conditions)
        if (static_cast<int>(c.index) == index && c.op == SeccompCondition::Op::Eq)
          into.values[rule.name].insert(c.value);
    }
  for (const auto& p : policy.landlock.paths) {
    PathUse use;
    use.read = p.read && !p.write && !p.exec;
    use.write = p.write;
    use.exec = p.exec;
    use.ioctl_dev = p.ioctl_dev;
    into.paths[p.path].merge(use);
  }
  into.tcp_bind.insert(policy.landlock.bind_ports.begin(), policy.landlock.bind_ports.end());
  into.tcp_connect.insert(policy.landlock.connect_ports.begin(),
                          policy.landlock.connect_ports.end());
  mode = policy.net;
  return ok_status();
}

}  // namespace cloister::learn
