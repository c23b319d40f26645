#include "oci/seccomp_spec.hpp"

#include <seccomp.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <map>
#include <string_view>
#include <tuple>
#include <vector>

namespace cloister::oci {
namespace {

using json = nlohmann::json;
using Kind = SeccompAction::Kind;
using Op = SeccompCondition::Op;

// The kernel caps a filter's errno at MAX_ERRNO; a larger errnoRet would not mean what it says.
constexpr std::uint64_t kMaxErrno = 4095;

Error bad(const std::string& key, const std::string& what, const std::string& hint = "") {
  return Error{key, what, "", 0, hint};
}

// An optional member: absent and null are the same (Go engines write either for "unset").
const json* member(const json& object, const char* name) {
  auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

Status only_keys(const json& object, const std::string& key,
                 std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : object.items())
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return bad(key + "." + name, "unknown key", "the spec's keys here: " + list);
    }
  return ok_status();
}

Result<std::string> string_at(const json& value, const std::string& key) {
  if (!value.is_string())
    return bad(key, std::string("must be a string, not ") + value.type_name());
  return value.get<std::string>();
}

// A parsed document holds every non-negative integer as unsigned; one built in code may hold
// it as signed.
Result<std::uint64_t> unsigned_at(const json& value, const std::string& key) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
  return bad(key, std::string("must be an unsigned integer, not ") +
                      (value.is_number_integer() ? "a negative one" : value.type_name()));
}

// ---- actions ----

struct ActionName {
  std::string_view name;
  Kind kind;
};
constexpr ActionName kActions[] = {
    {"SCMP_ACT_ALLOW", Kind::Allow},
    {"SCMP_ACT_ERRNO", Kind::Errno},
    // libseccomp's SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD; runc and crun pass it on as such.
    {"SCMP_ACT_KILL", Kind::KillThread},
    {"SCMP_ACT_KILL_THREAD", Kind::KillThread},
    {"SCMP_ACT_KILL_PROCESS", Kind::KillProcess},
    {"SCMP_ACT_TRAP", Kind::Trap},
    {"SCMP_ACT_LOG", Kind::Log},
};

// The spec's actions cloister's policy cannot express, and why.
Error refused_action(const std::string& key, const std::string& name) {
  if (name == "SCMP_ACT_TRACE")
    return bad(key, "SCMP_ACT_TRACE is not supported",
               "it hands the call to a ptrace tracer (PTRACE_O_TRACESECCOMP), which cloister "
               "neither runs nor can tell apart from one started inside; with no tracer the "
               "kernel fails the call with ENOSYS: SCMP_ACT_ERRNO with errnoRet 38 says that");
  return bad(key, "SCMP_ACT_NOTIFY is not supported",
             "it sends the filter's listener to a seccomp agent at listenerPath, which cloister "
             "does not do; the kernel would fail every such call with ENOSYS");
}

// `object`[action_key] with `object`[errno_key]; `key` names `object` in errors.
Result<SeccompAction> action_at(const json& object, const std::string& key, const char* action_key,
                                const char* errno_key) {
  const std::string akey = key + "." + action_key;
  const json* a = member(object, action_key);
  if (!a) return bad(akey, "missing", "the spec requires it");
  auto name = string_at(*a, akey);
  if (!name) return name.take_error();
  if (*name == "SCMP_ACT_TRACE" || *name == "SCMP_ACT_NOTIFY") return refused_action(akey, *name);
  const auto* found = std::find_if(std::begin(kActions), std::end(kActions),
                                   [&](const ActionName& n) { return n.name == *name; });
  if (found == std::end(kActions))
    return Error{akey, "unknown action", quote(*name), 0,
                 "one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, "
                 "SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_LOG"};
  SeccompAction action{found->kind, 0};
  const std::string ekey = key + "." + errno_key;
  const json* e = member(object, errno_key);
  if (e && action.kind != Kind::Errno)
    return bad(ekey, "goes only with SCMP_ACT_ERRNO",
               "the spec: a runtime must fail when the action takes no errno");
  if (action.kind == Kind::Errno) {
    action.errno_value = EPERM;  // the spec's default
    if (e) {
      auto value = unsigned_at(*e, ekey);
      if (!value) return value.take_error();
      if (*value > kMaxErrno) return bad(ekey, "must be at most 4095", "the kernel's MAX_ERRNO");
      action.errno_value = static_cast<int>(*value);
    }
  }
  return action;
}

// ---- architectures ----

constexpr std::string_view kSpecArches[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB"};

// The architectures whose programs a kernel of the native one also runs (its compat entry
// points): only those can ever reach the filter besides the native one.
struct CompatArch {
  std::string_view native, compat;
};
constexpr CompatArch kCompat[] = {
    {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"},          {"SCMP_ARCH_X86_64", "SCMP_ARCH_X32"},
    {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"},         {"SCMP_ARCH_S390X", "SCMP_ARCH_S390"},
    {"SCMP_ARCH_PPC64", "SCMP_ARCH_PPC"},           {"SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS"},
    {"SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32"},    {"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL"},
    {"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32"}};

// libseccomp's token for a spec name ("SCMP_ARCH_X86_64" -> "x86_64"), 0 when this
// libseccomp does not know it (a newer architecture: never the native one here).
std::uint32_t arch_token(std::string_view spec_name) {
  std::string name(spec_name.substr(std::string_view("SCMP_ARCH_").size()));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return seccomp_arch_resolve_name(name.c_str());
}

std::string_view native_arch() {
  for (auto name : kSpecArches)
    if (arch_token(name) == seccomp_arch_native()) return name;
  return "the native architecture";
}

// cloister filters the native architecture always (as runc and crun do: libseccomp's filter
// holds it whatever the list says) and, on x86_64, the i386 and x32 entry points when listed
// (allow_i386, allow_x32: the same rules, by name). Every other entry point is killed.
// Decided per listed name:
// - not one of the spec's names: an error (runc and crun fail too);
// - one whose programs cannot run on this kernel (aarch64 on x86_64): nothing to filter, no
//   word; the same config then serves hosts of several architectures, as engines write it;
// - a compat architecture cloister cannot filter (32-bit ARM on aarch64): a warning, its
//   programs are killed rather than filtered, which is stricter than asked, never weaker;
// - none listed runs here (a config written for another machine): a warning, since the rules
//   still apply to the native architecture by name.
Status architectures(const json& list, SeccompPolicy& out) {
  const std::string key = "linux.seccomp.architectures";
  if (!list.is_array()) return bad(key, std::string("must be an array, not ") + list.type_name());
  const std::string_view native = native_arch();
  bool runs_here = list.empty();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string ikey = key + "[" + std::to_string(i) + "]";
    auto name = string_at(list[i], ikey);
    if (!name) return name.take_error();
    if (std::find(std::begin(kSpecArches), std::end(kSpecArches), *name) == std::end(kSpecArches))
      return Error{ikey, "unknown architecture", quote(*name), 0,
                   "SCMP_ARCH_X86_64, ... as in the spec"};
    if (*name == native) {
      runs_here = true;
      continue;
    }
    const bool compat =
        std::any_of(std::begin(kCompat), std::end(kCompat),
                    [&](const CompatArch& c) { return c.native == native && c.compat == *name; });
    if (!compat) continue;
    runs_here = true;
    if (*name == "SCMP_ARCH_X86")
      out.allow_i386 = true;
    else if (*name == "SCMP_ARCH_X32")
      out.allow_x32 = true;
    else
      out.warnings.push_back(ikey + ": cloister filters only " + std::string(native) +
                             " here; programs of " + *name + " are killed (SIGSYS), not filtered");
  }
  if (!runs_here)
    out.warnings.push_back(key + ": none of these is this machine's " + std::string(native) +
                           "; the rules apply to it by name, as runc and crun do");
  return ok_status();
}

// ---- flags ----

Status flags(const json& list, SeccompPolicy& out) {
  const std::string key = "linux.seccomp.flags";
  if (!list.is_array()) return bad(key, std::string("must be an array, not ") + list.type_name());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string ikey = key + "[" + std::to_string(i) + "]";
    auto flag = string_at(list[i], ikey);
    if (!flag) return flag.take_error();
    // The filter goes on in a process with one thread, right before exec: every thread it has
    // gets it, which is all TSYNC asks (runc treats it the same way).
    if (*flag == "SECCOMP_FILTER_FLAG_TSYNC") continue;
    // It changes how a listener's waits end; there is never a listener (SCMP_ACT_NOTIFY is
    // refused), so there is nothing it could change.
    if (*flag == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") continue;
    // It only lifts a mitigation (speculative store bypass, which the kernel may turn on for
    // seccomp'd tasks). Not lifting it keeps the container at least as safe, at some speed:
    // said, not refused (runc and crun even add it when no flags are given).
    if (*flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
      out.warnings.push_back(ikey +
                             ": SECCOMP_FILTER_FLAG_SPEC_ALLOW not applied; the kernel's "
                             "speculative store bypass mitigation stays as it sets it");
      continue;
    }
    if (*flag == "SECCOMP_FILTER_FLAG_LOG")
      return bad(ikey, "SECCOMP_FILTER_FLAG_LOG is not supported",
                 "cloister installs its filter without it, so the kernel would not log what it "
                 "asks; SCMP_ACT_LOG rules log the calls they match");
    return Error{ikey, "unknown flag", quote(*flag), 0,
                 "the spec's: SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, "
                 "SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
  }
  return ok_status();
}

// ---- syscalls ----

struct OpName {
  std::string_view name;
  Op op;
};
constexpr OpName kOps[] = {{"SCMP_CMP_NE", Op::Ne},
                           {"SCMP_CMP_LT", Op::Lt},
                           {"SCMP_CMP_LE", Op::Le},
                           {"SCMP_CMP_EQ", Op::Eq},
                           {"SCMP_CMP_GE", Op::Ge},
                           {"SCMP_CMP_GT", Op::Gt},
                           {"SCMP_CMP_MASKED_EQ", Op::MaskedEq}};

Result<SeccompCondition> condition(const json& arg, const std::string& key,
                                   std::vector<std::string>& warnings) {
  if (!arg.is_object()) return bad(key, std::string("must be an object, not ") + arg.type_name());
  CLOISTER_TRY(only_keys(arg, key, {"index", "value", "valueTwo", "op"}));
  SeccompCondition c;
  const json* index = member(arg, "index");
  const json* value = member(arg, "value");
  const json* op = member(arg, "op");
  if (!index) return bad(key + ".index", "missing", "the spec requires it");
  if (!value) return bad(key + ".value", "missing", "the spec requires it");
  if (!op) return bad(key + ".op", "missing", "the spec requires it");
  auto i = unsigned_at(*index, key + ".index");
  if (!i) return i.take_error();
  if (*i > 5) return bad(key + ".index", "must be 0 to 5", "a syscall has six arguments");
  c.index = static_cast<unsigned>(*i);
  auto v = unsigned_at(*value, key + ".value");
  if (!v) return v.take_error();
  std::uint64_t two = 0;
  if (const json* t = member(arg, "valueTwo")) {
    auto parsed = unsigned_at(*t, key + ".valueTwo");
    if (!parsed) return parsed.take_error();
    two = *parsed;
  }
  auto name = string_at(*op, key + ".op");
  if (!name) return name.take_error();
  const auto* found = std::find_if(std::begin(kOps), std::end(kOps),
                                   [&](const OpName& o) { return o.name == *name; });
  if (found == std::end(kOps))
    return Error{key + ".op", "unknown operator", quote(*name), 0,
                 "one of SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GT, "
                 "SCMP_CMP_GE, SCMP_CMP_MASKED_EQ"};
  c.op = found->op;
  if (c.op == Op::MaskedEq) {
    // libseccomp's order, which runc and crun keep: the first datum (value) is the mask, the
    // second (valueTwo) what the masked argument must equal.
    c.mask = *v;
    c.value = two;
  } else {
    c.value = *v;
    if (two != 0)
      warnings.push_back(key +
                         ".valueTwo: used only by SCMP_CMP_MASKED_EQ; ignored, as "
                         "libseccomp does");
  }
  return c;
}

// One name of one syscalls[] entry, with that entry's action and conditions.
struct Candidate {
  std::string name;
  std::string origin;  // "linux.seccomp.syscalls[3]"
  SeccompAction action;
  std::vector<SeccompCondition> conditions;
};

// The args of one entry as the rules runc and crun give libseccomp: one rule with all of them
// (AND), or, when an index repeats (libseccomp takes one comparison per argument and rule),
// one rule per arg: alternatives (OR), those on other indices included.
Result<std::vector<std::vector<SeccompCondition>>> condition_sets(
    const json* args, const std::string& key, std::vector<std::string>& warnings) {
  std::vector<std::vector<SeccompCondition>> sets;
  if (!args) {
    sets.emplace_back();
    return sets;
  }
  if (!args->is_array())
    return bad(key + ".args", std::string("must be an array, not ") + args->type_name());
  std::vector<SeccompCondition> all;
  for (std::size_t i = 0; i < args->size(); ++i) {
    auto c = condition((*args)[i], key + ".args[" + std::to_string(i) + "]", warnings);
    if (!c) return c.take_error();
    all.push_back(*c);
  }
  unsigned count[6] = {};
  bool repeated = false, several_indices = false;
  for (const auto& c : all) {
    repeated |= ++count[c.index] > 1;
    several_indices |= c.index != all.front().index;
  }
  if (!repeated) {
    sets.push_back(std::move(all));  // empty args: one unconditional rule
    return sets;
  }
  if (several_indices)
    warnings.push_back(key +
                       ".args: an index repeats, so each arg is an alternative (OR), those "
                       "on other indices too, as in runc and crun");
  for (const auto& c : all) sets.push_back({c});
  return sets;
}

// What a name means to libseccomp here. The compiler takes names it resolves natively, and
// names of the i386 or x32 tables only when the filter covers that entry point.
enum class NameUse { Native, Compat, NeverHere, Unknown };

NameUse name_use(const std::string& name, const SeccompPolicy& policy) {
  const int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr == __NR_SCMP_ERROR) return NameUse::Unknown;
  if (nr >= 0) return NameUse::Native;
  auto known_on = [&](std::uint32_t arch) {
    return seccomp_syscall_resolve_name_arch(arch, name.c_str()) >= 0;
  };
  if (seccomp_arch_native() == SCMP_ARCH_X86_64 &&
      ((policy.allow_i386 && known_on(SCMP_ARCH_X86)) ||
       (policy.allow_x32 && known_on(SCMP_ARCH_X32))))
    return NameUse::Compat;
  // Known to libseccomp on other architectures only: no call here can match it, and
  // libseccomp leaves it out of runc's and crun's filters the same way.
  return NameUse::NeverHere;
}

std::string libseccomp_version() {
  const scmp_version* v = seccomp_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

Status syscall_entry(const json& entry, const std::string& key, const SeccompAction& default_action,
                     SeccompPolicy& policy, std::vector<Candidate>& out) {
  if (!entry.is_object())
    return bad(key, std::string("must be an object, not ") + entry.type_name());
  CLOISTER_TRY(only_keys(entry, key, {"names", "action", "errnoRet", "args"}));
  const json* names = member(entry, "names");
  if (!names) return bad(key + ".names", "missing", "the spec requires it");
  if (!names->is_array() || names->empty())
    return bad(key + ".names", "must be an array of at least one syscall name");
  auto action = action_at(entry, key, "action", "errnoRet");
  if (!action) return action.take_error();
  auto sets = condition_sets(member(entry, "args"), key, policy.warnings);
  if (!sets) return sets.take_error();
  for (std::size_t i = 0; i < names->size(); ++i) {
    const std::string nkey = key + ".names[" + std::to_string(i) + "]";
    auto name = string_at((*names)[i], nkey);
    if (!name) return name.take_error();
    if (name->empty() || name->front() == '@')
      return Error{nkey, "not a syscall name", quote(*name), 0, "names as in syscalls(2)"};
    // libseccomp refuses a rule that says what the default says; runc and crun skip it.
    if (*action == default_action) continue;
    switch (name_use(*name, policy)) {
      case NameUse::Unknown:
        policy.warnings.push_back(nkey + ": syscall " + quote(*name) + " unknown to libseccomp " +
                                  libseccomp_version() + "; skipped, as runc and crun do");
        continue;
      case NameUse::NeverHere: continue;
      case NameUse::Native:
      case NameUse::Compat: break;
    }
    for (const auto& set : *sets) out.push_back(Candidate{*name, key, *action, set});
  }
  return ok_status();
}

std::vector<std::tuple<unsigned, Op, std::uint64_t, std::uint64_t>> normalized(
    const std::vector<SeccompCondition>& conditions) {
  std::vector<std::tuple<unsigned, Op, std::uint64_t, std::uint64_t>> out;
  for (const auto& c : conditions) out.emplace_back(c.index, c.op, c.value, c.mask);
  std::sort(out.begin(), out.end());
  return out;
}

// Whether no call can satisfy both condition sets, by a test that knows only == against ==
// or != on one index (the shapes real profiles use: podman's socket rules, personality).
bool disjoint(const std::vector<SeccompCondition>& a, const std::vector<SeccompCondition>& b) {
  for (const auto& x : a)
    for (const auto& y : b) {
      if (x.index != y.index) continue;
      if (x.op == Op::Eq && y.op == Op::Eq && x.value != y.value) return true;
      if (((x.op == Op::Eq && y.op == Op::Ne) || (x.op == Op::Ne && y.op == Op::Eq)) &&
          x.value == y.value)
        return true;
    }
  return false;
}

// libseccomp's merge of one syscall's rules, in the order given: an unconditional rule
// replaces conditional ones and stands against any later rule, so the first unconditional
// rule decides alone. Two rules with the same conditions and different actions make
// libseccomp fail (EEXIST), and runc and crun with it.
Status merge(const std::string& name, std::vector<const Candidate*>& rules,
             std::vector<std::string>& warnings) {
  auto first = std::find_if(rules.begin(), rules.end(),
                            [](const Candidate* c) { return c->conditions.empty(); });
  if (first != rules.end()) {
    const Candidate* decides = *first;
    for (const Candidate* c : rules)
      if (c != decides && !(c->action == decides->action))
        warnings.push_back(
            c->origin + ": the rule for " + quote(name) + " is void: " + decides->origin +
            " gives it an action without conditions, and " + "libseccomp keeps only that one");
    rules = {decides};
    return ok_status();
  }
  for (std::size_t i = 0; i < rules.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (!(rules[i]->action == rules[j]->action) &&
          normalized(rules[i]->conditions) == normalized(rules[j]->conditions))
        return bad(rules[i]->origin, "conflicting rules for " + quote(name),
                   "the same conditions with another action at " + rules[j]->origin +
                       "; libseccomp, and so runc and crun, refuse them");
  // A call both match gets the answer of libseccomp's decision tree, whose shape depends on
  // the rules' order and on cloister's 32-bit hardening of denials, and which can ignore
  // one of them altogether (a0 == 1 allowed and a1 == 2 denied: libseccomp 2.5 denies
  // getpid(1, 0) too). No spec says which should win: said, so it is not relied on.
  for (std::size_t i = 0; i < rules.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (!(rules[i]->action == rules[j]->action) &&
          !disjoint(rules[i]->conditions, rules[j]->conditions)) {
        warnings.push_back(rules[j]->origin + " and " + rules[i]->origin + ": rules for " +
                           quote(name) +
                           " with different actions may both match a call; which one answers "
                           "it is left to libseccomp's decision tree, and may differ from runc's "
                           "and crun's");
        return ok_status();
      }
  return ok_status();
}

Status syscalls(const json& list, const SeccompAction& default_action, SeccompPolicy& policy) {
  const std::string key = "linux.seccomp.syscalls";
  if (!list.is_array()) return bad(key, std::string("must be an array, not ") + list.type_name());
  std::vector<Candidate> candidates;
  for (std::size_t i = 0; i < list.size(); ++i)
    CLOISTER_TRY(syscall_entry(list[i], key + "[" + std::to_string(i) + "]", default_action, policy,
                               candidates));
  std::map<std::string, std::vector<const Candidate*>> by_name;
  for (const auto& c : candidates) by_name[c.name].push_back(&c);
  for (auto& [name, rules] : by_name) CLOISTER_TRY(merge(name, rules, policy.warnings));
  // One layer, in the spec's order (libseccomp's insertion order, as in runc and crun).
  auto& layer = policy.layers.emplace_back();
  for (const auto& c : candidates) {
    const auto& kept = by_name[c.name];
    if (std::find(kept.begin(), kept.end(), &c) == kept.end()) continue;
    layer.push_back(SeccompRule{c.name, c.conditions, c.action, c.origin});
  }
  return ok_status();
}

}  // namespace

Result<SeccompPolicy> seccomp_from_spec(const nlohmann::json& seccomp) {
  const std::string key = "linux.seccomp";
  if (!seccomp.is_object())
    return bad(key, std::string("must be an object, not ") + seccomp.type_name());
  CLOISTER_TRY(only_keys(seccomp, key,
                         {"defaultAction", "defaultErrnoRet", "architectures", "flags",
                          "listenerPath", "listenerMetadata", "syscalls"}));
  SeccompPolicy policy;
  policy.base = "none";
  auto default_action = action_at(seccomp, key, "defaultAction", "defaultErrnoRet");
  if (!default_action) return default_action.take_error();
  policy.default_action = *default_action;
  if (const json* a = member(seccomp, "architectures")) CLOISTER_TRY(architectures(*a, policy));
  if (const json* f = member(seccomp, "flags")) CLOISTER_TRY(flags(*f, policy));
  // The spec: listenerPath is ignored unless SCMP_ACT_NOTIFY is used, which is refused;
  // listenerMetadata must not come without it.
  const json* path = member(seccomp, "listenerPath");
  if (path) {
    auto p = string_at(*path, key + ".listenerPath");
    if (!p) return p.take_error();
  }
  if (const json* meta = member(seccomp, "listenerMetadata")) {
    auto m = string_at(*meta, key + ".listenerMetadata");
    if (!m) return m.take_error();
    if (!path)
      return bad(key + ".listenerMetadata", "set without listenerPath",
                 "the spec forbids it: the metadata goes to the agent at listenerPath");
  }
  if (const json* list = member(seccomp, "syscalls"))
    CLOISTER_TRY(syscalls(*list, *default_action, policy));
  else
    policy.layers.emplace_back();
  return policy;
}

}  // namespace cloister::oci
