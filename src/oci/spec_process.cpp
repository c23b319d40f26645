// config.json's process: what runs, as whom, with which capabilities and limits.
#include <cctype>
#include <fstream>

#include "kernel/capability_names.hpp"
#include "kernel/rlimit_names.hpp"
#include "oci/spec.hpp"

namespace cloister::oci {
namespace {

Status read_user(const Json& user, const std::string& key, Container& c) {
  CLOISTER_TRY(known_keys(user, key, {"uid", "gid", "umask", "additionalGids", "username"}));
  if (find(user, "username")) return spec_error(member(key, "username"), "is for Windows");
  const Json* uid = find(user, "uid");
  const Json* gid = find(user, "gid");
  if (!uid || !gid) return spec_error(key, "needs uid and gid");
  auto u = uint_of(*uid, member(key, "uid"));
  if (!u) return u.take_error();
  auto g = uint_of(*gid, member(key, "gid"));
  if (!g) return g.take_error();
  if (*u > 0xfffffffeULL || *g > 0xfffffffeULL) return spec_error(key, "uid or gid out of range");
  c.policy.id.uid = static_cast<uid_t>(*u);
  c.policy.id.gid = static_cast<gid_t>(*g);
  if (const Json* umask = find(user, "umask")) {
    auto m = uint_of(*umask, member(key, "umask"));
    if (!m) return m.take_error();
    if (*m > 0777) return spec_error(member(key, "umask"), "must be 0 to 0777");
    c.umask = static_cast<mode_t>(*m);
  }
  if (const Json* groups = find(user, "additionalGids")) {
    const auto gkey = member(key, "additionalGids");
    if (!groups->is_array()) return spec_error(gkey, "must be an array");
    for (std::size_t i = 0; i < groups->size(); ++i) {
      auto one = uint_of((*groups)[i], element(gkey, i));
      if (!one) return one.take_error();
      c.policy.id.groups.push_back(static_cast<gid_t>(*one));
    }
  }
  return ok_status();
}

Result<std::uint64_t> cap_set(const Json& caps, std::string_view name, const std::string& key) {
  const Json* list = find(caps, name);
  if (!list) return std::uint64_t{0};
  auto names = strings_of(*list, member(key, name));
  if (!names) return names.take_error();
  std::uint64_t set = 0;
  for (std::size_t i = 0; i < names->size(); ++i) {
    auto cap = caps::from_name((*names)[i]);
    if (!cap) return spec_error(element(member(key, name), i), "unknown capability " + quote((*names)[i]));
    // A capability newer than this kernel cannot be held: the kernel would refuse it too.
    if (*cap <= caps::last_cap()) set |= std::uint64_t{1} << *cap;
  }
  return set;
}

// As config.json spells them: CAP_NET_RAW (caps::name_of gives "net_raw").
std::string cap_names(std::uint64_t set) {
  std::string out;
  for (int cap = 0; cap < 64; ++cap) {
    if (!(set & (std::uint64_t{1} << cap))) continue;
    out += out.empty() ? "CAP_" : ", CAP_";
    for (char ch : caps::name_of(cap))
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

// The five sets are set as given before exec, as runc and crun do (no_new_privs set). The
// kernel then derives what the program holds: uid 0 what is permitted and in the bounding or
// inheritable set, any other uid its ambient capabilities alone (capabilities(7)); that is
// what `caps` keeps, for explain.
Status read_capabilities(const Json& caps, const std::string& key, Container& c) {
  CLOISTER_TRY(known_keys(caps, key, {"bounding", "effective", "inheritable", "permitted", "ambient"}));
  auto bounding = cap_set(caps, "bounding", key);
  auto effective = cap_set(caps, "effective", key);
  auto inheritable = cap_set(caps, "inheritable", key);
  auto permitted = cap_set(caps, "permitted", key);
  auto ambient = cap_set(caps, "ambient", key);
  for (auto* r : {&bounding, &effective, &inheritable, &permitted, &ambient})
    if (!*r) return r->take_error();
  if ((*effective & ~*permitted) != 0)
    return spec_error(member(key, "effective"), "names capabilities not in permitted: " +
                                                    cap_names(*effective & ~*permitted));
  // The kernel lets a process make inheritable only what its bounding set holds.
  if ((*inheritable & ~*bounding) != 0)
    return spec_error(member(key, "inheritable"), "names capabilities not in bounding: " +
                                                      cap_names(*inheritable & ~*bounding));
  // Nor can it raise an ambient capability that is not permitted and inheritable: runc warns
  // and goes on without it, so does cloister.
  const std::uint64_t unraisable = *ambient & ~(*permitted & *inheritable);
  if (unraisable != 0)
    c.notices.push_back(member(key, "ambient") + " " + cap_names(unraisable) +
                        " left out: an ambient capability must also be permitted and "
                        "inheritable");
  const bool root = c.policy.id.uid.value_or(0) == 0;
  CapabilitySets sets{*bounding, *effective, *permitted, *inheritable, *ambient & ~unraisable};
  const std::uint64_t holds =
      root ? (sets.permitted & (sets.bounding | sets.inheritable)) : sets.ambient;
  if (root && (*bounding & ~*permitted) != 0)
    c.notices.push_back("capabilities " + cap_names(*bounding & ~*permitted) +
                        " are in the bounding set only: cloister sets no_new_privs, so no "
                        "program the container runs regains them");
  c.policy.cap_sets = sets;
  c.policy.caps.push_back(CapOp{false, -1});
  for (int cap = 0; cap < 64; ++cap)
    if (holds & (std::uint64_t{1} << cap)) c.policy.caps.push_back(CapOp{true, cap});
  return ok_status();
}

Status read_rlimits(const Json& list, const std::string& key, Container& c) {
  if (!list.is_array()) return spec_error(key, "must be an array");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto k = element(key, i);
    CLOISTER_TRY(known_keys(list[i], k, {"type", "soft", "hard"}));
    const Json* type = find(list[i], "type");
    const Json* soft = find(list[i], "soft");
    const Json* hard = find(list[i], "hard");
    if (!type || !soft || !hard) return spec_error(k, "needs type, soft and hard");
    auto t = string_of(*type, member(k, "type"));
    if (!t) return t.take_error();
    auto resource = rlimits::resource_from_name(*t);
    if (!resource) return spec_error(member(k, "type"), "unknown limit " + quote(*t));
    auto s = uint_of(*soft, member(k, "soft"));
    if (!s) return s.take_error();
    auto h = uint_of(*hard, member(k, "hard"));
    if (!h) return h.take_error();
    if (*s > *h) return spec_error(k, "soft is above hard");
    c.policy.rlimits.push_back(RlimitSetting{*resource, *s, *h, k});
  }
  return ok_status();
}

Status read_env(const Json& env, const std::string& key, Container& c) {
  auto entries = strings_of(env, key);
  if (!entries) return entries.take_error();
  c.policy.env.push_back(EnvOp{EnvOp::Kind::Clear, "", ""});
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const auto& e = (*entries)[i];
    const auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0)
      return spec_error(element(key, i), "must be NAME=VALUE, not " + quote(e));
    c.policy.env.push_back(EnvOp{EnvOp::Kind::Set, e.substr(0, eq), e.substr(eq + 1)});
  }
  return ok_status();
}

bool lsm_enabled(const char* parameter_file) {
  std::ifstream in(parameter_file);
  char c = 0;
  return in >> c && (c == 'Y' || c == '1');
}

// A security label of a module this kernel does not run cannot be applied, and there is
// nothing it would confine: said, not an error (as runc and crun do). Where the module runs,
// cloister cannot apply the label: an error.
Status read_lsm_label(const Json& process, std::string_view name, const char* parameter_file,
                      const std::string& key, Container& c) {
  const Json* label = find(process, name);
  if (!label) return ok_status();
  auto text = string_of(*label, member(key, name));
  if (!text) return text.take_error();
  if (text->empty()) return ok_status();
  if (lsm_enabled(parameter_file))
    return spec_error(member(key, name), "is not supported by cloister",
                      "cloister confines with Landlock and seccomp; run without the label");
  c.notices.push_back(member(key, name) + " " + quote(*text) +
                      " not applied: the kernel does not run that security module");
  return ok_status();
}

Status read_terminal(const Json& process, const std::string& key, Container& c) {
  if (const Json* terminal = find(process, "terminal")) {
    auto t = bool_of(*terminal, member(key, "terminal"));
    if (!t) return t.take_error();
    c.terminal = *t;
  }
  const Json* size = find(process, "consoleSize");
  if (!size) return ok_status();
  const std::string size_key = member(key, "consoleSize");
  CLOISTER_TRY(known_keys(*size, size_key, {"height", "width"}));
  for (auto [name, out] : {std::pair{"height", &c.console_rows}, {"width", &c.console_columns}}) {
    const Json* value = find(*size, name);
    if (!value) continue;
    auto n = uint_of(*value, member(size_key, name));
    if (!n) return n.take_error();
    if (*n > 0xffff) return spec_error(member(size_key, name), "is larger than 65535", "");
    *out = static_cast<unsigned short>(*n);
  }
  return ok_status();
}

}  // namespace

Status read_process(const Json& process, const std::string& key, Container& c) {
  CLOISTER_TRY(known_keys(process, key,
                          {"terminal", "consoleSize", "user", "args", "commandLine", "env", "cwd",
                           "capabilities", "rlimits", "noNewPrivileges", "apparmorProfile",
                           "selinuxLabel", "oomScoreAdj"}));
  if (find(process, "commandLine")) return spec_error(member(key, "commandLine"), "is for Windows");
  CLOISTER_TRY(read_terminal(process, key, c));
  const Json* user = find(process, "user");
  if (!user) return spec_error(member(key, "user"), "is missing");
  CLOISTER_TRY(read_user(*user, member(key, "user"), c));
  const Json* args = find(process, "args");
  if (!args) return spec_error(member(key, "args"), "is missing");
  auto argv = strings_of(*args, member(key, "args"));
  if (!argv) return argv.take_error();
  if (argv->empty()) return spec_error(member(key, "args"), "is empty");
  c.policy.argv = std::move(*argv);
  if (const Json* env = find(process, "env")) CLOISTER_TRY(read_env(*env, member(key, "env"), c));
  const Json* cwd = find(process, "cwd");
  if (!cwd) return spec_error(member(key, "cwd"), "is missing");
  auto dir = string_of(*cwd, member(key, "cwd"));
  if (!dir) return dir.take_error();
  if (dir->empty() || dir->front() != '/')
    return spec_error(member(key, "cwd"), "must be an absolute path");
  c.policy.chdir = std::move(*dir);
  if (const Json* caps = find(process, "capabilities"))
    CLOISTER_TRY(read_capabilities(*caps, member(key, "capabilities"), c));
  else
    c.policy.caps.push_back(CapOp{false, -1});
  if (const Json* limits = find(process, "rlimits"))
    CLOISTER_TRY(read_rlimits(*limits, member(key, "rlimits"), c));
  // noNewPrivileges false is accepted: cloister always sets no_new_privs (stronger; a setuid
  // program in the container does not gain its owner's rights). Said in the manual page.
  if (const Json* nnp = find(process, "noNewPrivileges")) {
    auto value = bool_of(*nnp, member(key, "noNewPrivileges"));
    if (!value) return value.take_error();
  }
  CLOISTER_TRY(read_lsm_label(process, "apparmorProfile", "/sys/module/apparmor/parameters/enabled",
                              key, c));
  CLOISTER_TRY(
      read_lsm_label(process, "selinuxLabel", "/sys/fs/selinux/enforce", key, c));
  if (const Json* oom = find(process, "oomScoreAdj")) {
    auto value = int_of(*oom, member(key, "oomScoreAdj"));
    if (!value) return value.take_error();
    if (*value < -1000 || *value > 1000)
      return spec_error(member(key, "oomScoreAdj"), "must be -1000 to 1000");
    c.oom_score_adj = static_cast<int>(*value);
  }
  return ok_status();
}

}  // namespace cloister::oci
