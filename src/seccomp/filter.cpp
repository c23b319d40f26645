#include "seccomp/filter.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "kernel/fd.hpp"
#include "kernel/io.hpp"
#include "seccomp/emulator.hpp"
#include "seccomp/tables.hpp"

namespace cloister::seccomp {
namespace {

using Kind = SeccompAction::Kind;

struct ErrnoName {
  const char* name;
  int value;
};
constexpr ErrnoName kErrnos[] = {
    {"EPERM", EPERM},   {"ENOENT", ENOENT}, {"EACCES", EACCES},   {"ENOSYS", ENOSYS},
    {"EINVAL", EINVAL}, {"EIO", EIO},       {"ENOTSUP", ENOTSUP}, {"EAFNOSUPPORT", EAFNOSUPPORT},
    {"EROFS", EROFS},   {"ENOMEM", ENOMEM}, {"EBADF", EBADF},     {"ENOTTY", ENOTTY},
    {"EAGAIN", EAGAIN}, {"EFAULT", EFAULT}, {"ENOSPC", ENOSPC},   {"EOPNOTSUPP", EOPNOTSUPP}};

std::uint32_t libseccomp_action(const SeccompAction& a) {
  switch (a.kind) {
    case Kind::Allow: return SCMP_ACT_ALLOW;
    case Kind::KillProcess: return SCMP_ACT_KILL_PROCESS;
    case Kind::KillThread: return SCMP_ACT_KILL_THREAD;
    case Kind::Errno: return SCMP_ACT_ERRNO(static_cast<std::uint16_t>(a.errno_value));
    case Kind::Trap: return SCMP_ACT_TRAP;
    case Kind::Log: return SCMP_ACT_LOG;
    case Kind::Notify: return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare libseccomp_op(SeccompCondition::Op op) {
  switch (op) {
    case SeccompCondition::Op::Eq: return SCMP_CMP_EQ;
    case SeccompCondition::Op::Ne: return SCMP_CMP_NE;
    case SeccompCondition::Op::Lt: return SCMP_CMP_LT;
    case SeccompCondition::Op::Le: return SCMP_CMP_LE;
    case SeccompCondition::Op::Gt: return SCMP_CMP_GT;
    case SeccompCondition::Op::Ge: return SCMP_CMP_GE;
    case SeccompCondition::Op::MaskedEq: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

// A denial compares `==` on the low 32 bits when the value fits in them: most arguments are
// C ints the kernel truncates, so upper garbage bits must not slip past (flatpak's
// CVE-2019-10063). An allowance stays exact: garbage there only gets a call refused.
SeccompCondition hardened(SeccompCondition c, const SeccompAction& action) {
  const bool denial = action.kind != Kind::Allow && action.kind != Kind::Log;
  if (denial && c.op == SeccompCondition::Op::Eq && c.value <= 0xffffffffULL)
    return SeccompCondition{c.index, SeccompCondition::Op::MaskedEq, c.value, 0xffffffffULL};
  return c;
}

constexpr std::uint32_t kOtherArches[] = {SCMP_ARCH_X86,   SCMP_ARCH_X86_64,  SCMP_ARCH_X32,
                                          SCMP_ARCH_ARM,   SCMP_ARCH_AARCH64, SCMP_ARCH_PPC64LE,
                                          SCMP_ARCH_S390X, SCMP_ARCH_RISCV64, SCMP_ARCH_MIPS};

bool known_elsewhere(const std::string& name) {
  for (auto arch : kOtherArches)
    if (seccomp_syscall_resolve_name_arch(arch, name.c_str()) != __NR_SCMP_ERROR) return true;
  return false;
}

struct Expanded {
  std::map<int, Entry> by_nr;  // for one layer
};

// The compat entry points the filter covers besides the native one (allow_i386, allow_x32).
std::vector<std::uint32_t> compat_arches(const SeccompPolicy& policy) {
  std::vector<std::uint32_t> arches;
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) return arches;
  if (policy.allow_i386) arches.push_back(SCMP_ARCH_X86);
  if (policy.allow_x32) arches.push_back(SCMP_ARCH_X32);
  return arches;
}

// A name of no native syscall that libseccomp numbers for a covered compat entry point
// (i386's mmap2, _llseek, socketcall): kept under libseccomp's pseudo number, which it
// translates for that entry point and leaves out of the native part of the filter.
bool compat_only(int nr, const std::string& name, const std::vector<std::uint32_t>& compat) {
  if (nr == __NR_SCMP_ERROR || nr >= 0) return false;
  return std::any_of(compat.begin(), compat.end(), [&](std::uint32_t arch) {
    return seccomp_syscall_resolve_name_arch(arch, name.c_str()) >= 0;
  });
}

// Expands groups and resolves names for one layer. A group member unknown here is skipped
// silently (groups list names of every architecture); a name written by the user that is
// unknown here but known elsewhere is a warning, unknown everywhere an error. Names of the
// covered compat entry points only are kept (compat_only()).
Status expand_layer(const std::vector<SeccompRule>& layer, const std::vector<std::uint32_t>& compat,
                    Expanded& out, std::vector<std::string>& warnings) {
  const std::uint32_t native = seccomp_arch_native();
  std::vector<std::pair<const SeccompRule*, std::string>> todo;
  for (const auto& r : layer) todo.emplace_back(&r, r.name);
  std::set<std::pair<const SeccompRule*, std::string>> seen;
  while (!todo.empty()) {
    auto [r, name] = todo.back();
    todo.pop_back();
    if (!seen.insert({r, name}).second) continue;
    const bool from_group = name != r->name;
    if (!name.empty() && name[0] == '@') {
      const Group* g = find_group(name);
      if (!g)
        return Error{r->origin, "unknown syscall group", quote(name), 0,
                     "see cloister explain --groups"};
      for (auto member : g->members) todo.emplace_back(r, std::string(member));
      continue;
    }
    const int nr = seccomp_syscall_resolve_name_arch(native, name.c_str());
    if ((nr == __NR_SCMP_ERROR || nr < 0) && !compat_only(nr, name, compat)) {
      if (from_group) continue;
      if (known_elsewhere(name)) {
        warnings.push_back(r->origin + ": syscall " + quote(name) +
                           " does not exist on this architecture; ignored");
        continue;
      }
      return Error{r->origin, "unknown syscall", quote(name), 0,
                   "names as in syscalls(2), or a @group"};
    }
    for (const auto& c : r->conditions)
      if (c.index > 5)
        return Error{r->origin, "bad argument index", std::to_string(c.index), 0, "0 to 5"};
    auto& entry = out.by_nr[nr];
    entry.nr = nr;
    entry.name = name;
    SeccompRule resolved = *r;
    resolved.name = name;
    entry.rules.push_back(std::move(resolved));
  }
  return ok_status();
}

// Conflicts inside one layer: two unconditional rules with different actions.
Status check_layer_conflicts(const Entry& e) {
  const SeccompRule* unconditional = nullptr;
  for (const auto& r : e.rules) {
    if (!r.conditions.empty()) continue;
    if (unconditional && !(unconditional->action == r.action))
      return Error{r.origin, "conflicting rules for", e.name, 0,
                   "also " + action_name(unconditional->action) + " at " + unconditional->origin};
    unconditional = &r;
  }
  return ok_status();
}

struct FilterDeleter {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

Error libseccomp_error(const char* op, int rc, const std::string& object = "") {
  return Error{"seccomp", op, object, -rc, ""};
}

Status add_rule(scmp_filter_ctx ctx, const Entry& e, const SeccompRule& r) {
  std::vector<scmp_arg_cmp> cmps;
  for (const auto& raw : r.conditions) {
    const auto c = hardened(raw, r.action);
    cmps.push_back(c.op == SeccompCondition::Op::MaskedEq
                       ? scmp_arg_cmp{c.index, SCMP_CMP_MASKED_EQ, c.mask, c.value}
                       : scmp_arg_cmp{c.index, libseccomp_op(c.op), c.value, 0});
  }
  int rc = seccomp_rule_add_array(ctx, libseccomp_action(r.action), e.nr,
                                  static_cast<unsigned>(cmps.size()), cmps.data());
  if (rc == -EEXIST) return ok_status();  // the same rule twice (from two groups)
  if (rc != 0) return libseccomp_error("seccomp_rule_add", rc, e.name + " (" + r.origin + ")");
  return ok_status();
}

// The kernel's precedence when several filters answer: the most restrictive action wins.
int restrictiveness(const SeccompAction& a) {
  switch (a.kind) {
    case Kind::KillProcess: return 6;
    case Kind::KillThread: return 5;
    case Kind::Trap: return 4;
    case Kind::Errno: return 3;
    case Kind::Notify: return 2;
    case Kind::Log: return 1;
    case Kind::Allow: return 0;
  }
  return 6;
}

// One syscall's rules into the main filter, or, for conditions that refine a catch-all which
// differs from the default action, into the refinement filter (default allow), which runs in
// front of the main one (chain()): libseccomp lets an unconditional rule override
// conditional ones of the same syscall. Only refinements at least as restrictive as the
// catch-all go there, so the refinement's answer, when it is not "allow", is the answer.
Status add_entry(scmp_filter_ctx main, scmp_filter_ctx refine, const Entry& e,
                 const SeccompAction& default_action, bool& used_refine) {
  const SeccompRule* catch_all = nullptr;
  for (const auto& r : e.rules)
    if (r.conditions.empty()) catch_all = &r;
  const bool catch_all_differs = catch_all && !(catch_all->action == default_action);
  if (catch_all_differs) CLOISTER_TRY(add_rule(main, e, *catch_all));
  for (const auto& r : e.rules) {
    if (r.conditions.empty()) continue;
    if (!catch_all_differs) {
      if (!(r.action == default_action)) CLOISTER_TRY(add_rule(main, e, r));
      continue;
    }
    if (r.action == catch_all->action) continue;
    if (restrictiveness(r.action) < restrictiveness(catch_all->action))
      return Error{r.origin, "cannot express", e.name, 0,
                   "a condition that is more permissive (" + action_name(r.action) +
                       ") than the syscall's other rule (" + action_name(catch_all->action) +
                       " at " + catch_all->origin + ") needs the default action to be that rule's"};
    if (r.action.kind == Kind::Allow) continue;
    CLOISTER_TRY(add_rule(refine, e, r));
    used_refine = true;
  }
  return ok_status();
}

Result<Program> export_program(scmp_filter_ctx ctx) {
  UniqueFd mem(static_cast<int>(::syscall(SYS_memfd_create, "cloister-seccomp", MFD_CLOEXEC)));
  if (!mem) return Error{"seccomp", "memfd_create", "", errno, ""};
  int rc = seccomp_export_bpf(ctx, mem.get());
  if (rc != 0) return libseccomp_error("seccomp_export_bpf", rc);
  const off_t size = ::lseek(mem.get(), 0, SEEK_END);
  if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0)
    return Error{"seccomp", "seccomp_export_bpf", "size " + std::to_string(size), EINVAL, ""};
  Program p;
  p.code.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (::pread(mem.get(), p.code.data(), static_cast<std::size_t>(size), 0) != size)
    return Error{"seccomp", "read", "exported filter", errno, ""};
  return p;
}

// One program from two: `first`'s every "return allow" becomes a jump to the start of
// `then`; any other answer of `first` stands. That equals installing `then` and stacking
// `first` on it when `first` never answers less restrictively than `then` for a call it
// does not allow: add_entry() puts only such refinements into it.
Result<Program> chain(const Program& first, const Program& then) {
  if (first.code.size() + then.code.size() > BPF_MAXINSNS)
    return Error{"seccomp", "filter too large",
                 std::to_string(first.code.size() + then.code.size()) + " instructions", E2BIG,
                 "at most 4096; fewer argument conditions make it smaller"};
  Program out;
  out.code.reserve(first.code.size() + then.code.size());
  for (std::size_t pc = 0; pc < first.code.size(); ++pc) {
    sock_filter in = first.code[pc];
    if (in.code == (BPF_RET | BPF_A))
      return Error{"seccomp", "cannot chain a filter that returns a computed action", "", EINVAL,
                   ""};
    if (in.code == (BPF_RET | BPF_K) && in.k == SECCOMP_RET_ALLOW)
      in = sock_filter{BPF_JMP | BPF_JA, 0, 0,
                       static_cast<std::uint32_t>(first.code.size() - pc - 1)};
    out.code.push_back(in);
  }
  out.code.insert(out.code.end(), then.code.begin(), then.code.end());
  return out;
}

void count_native(Compiled& out) {
  const std::uint32_t native = seccomp_arch_native();
  std::map<int, const Entry*> by_nr;
  for (const auto& e : out.entries) by_nr[e.nr] = &e;
  const bool default_allows = out.default_action.kind == Kind::Allow;
  for (int nr = 0; nr < 1024; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(native, nr);
    if (!name) continue;
    std::free(name);
    ++out.known;
    auto it = by_nr.find(nr);
    if (it == by_nr.end()) {
      out.allowed += default_allows;
      continue;
    }
    bool unconditional_allow = false, unconditional_other = false, some_allow = false;
    for (const auto& r : it->second->rules) {
      const bool allow = r.action.kind == Kind::Allow || r.action.kind == Kind::Log;
      some_allow |= allow;
      if (r.conditions.empty()) (allow ? unconditional_allow : unconditional_other) = true;
    }
    const bool has_conditions =
        std::any_of(it->second->rules.begin(), it->second->rules.end(),
                    [](const SeccompRule& r) { return !r.conditions.empty(); });
    const bool base_allows = unconditional_allow || (!unconditional_other && default_allows);
    if (base_allows && !has_conditions)
      ++out.allowed;
    else if (base_allows || some_allow)
      ++out.allowed_conditionally;
  }
}

Result<Filter> new_filter(const SeccompAction& default_action, const SeccompPolicy& policy,
                          const CompileOptions& options) {
  Filter ctx(seccomp_init(libseccomp_action(default_action)));
  if (!ctx) return Error{"seccomp", "seccomp_init", "", ENOMEM, ""};
  // Binary search over syscall numbers; no_new_privs is cloister's business, not libseccomp's.
  if (options.binary_tree)
    if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc != 0)
      return libseccomp_error("seccomp_attr_set(CTL_OPTIMIZE)", rc);
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0); rc != 0)
    return libseccomp_error("seccomp_attr_set(CTL_NNP)", rc);
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc != 0)
    return libseccomp_error("seccomp_attr_set(ACT_BADARCH)", rc);
  if (policy.allow_x32 && seccomp_arch_native() == SCMP_ARCH_X86_64)
    if (int rc = seccomp_arch_add(ctx.get(), SCMP_ARCH_X32); rc != 0 && rc != -EEXIST)
      return libseccomp_error("seccomp_arch_add(x32)", rc);
  if (policy.allow_i386 && seccomp_arch_native() == SCMP_ARCH_X86_64)
    if (int rc = seccomp_arch_add(ctx.get(), SCMP_ARCH_X86); rc != 0 && rc != -EEXIST)
      return libseccomp_error("seccomp_arch_add(i386)", rc);
  return ctx;
}

bool allows(const SeccompAction& a) { return a.kind == Kind::Allow || a.kind == Kind::Log; }

// What exec'ing COMMAND needs once the filter is in place (systemd allows the same
// implicitly): without them an allowlist could not start anything. They form the lowest
// layer, so any profile or base that names one of them decides for it.
std::vector<SeccompRule> exec_needs() {
  std::vector<SeccompRule> layer;
  for (const char* name : {"execve", "execveat", "exit", "exit_group", "rt_sigreturn"})
    layer.push_back(SeccompRule{name, {}, SeccompAction{Kind::Allow, 0}, kImplicitOrigin});
  return layer;
}

}  // namespace

SyscallName classify(const std::string& name) {
  const int nr = seccomp_syscall_resolve_name_arch(seccomp_arch_native(), name.c_str());
  if (nr != __NR_SCMP_ERROR && nr >= 0) return SyscallName::Native;
  return known_elsewhere(name) ? SyscallName::OtherArchitecture : SyscallName::Unknown;
}

Result<SeccompAction> parse_action(const std::string& text) {
  if (text == "allow") return SeccompAction{Kind::Allow, 0};
  if (text == "kill-process" || text == "kill") return SeccompAction{Kind::KillProcess, 0};
  if (text == "kill-thread") return SeccompAction{Kind::KillThread, 0};
  if (text == "trap") return SeccompAction{Kind::Trap, 0};
  if (text == "log") return SeccompAction{Kind::Log, 0};
  if (text == "notify") return SeccompAction{Kind::Notify, 0};
  if (text.rfind("errno:", 0) == 0) {
    const std::string value = text.substr(6);
    for (const auto& e : kErrnos)
      if (value == e.name) return SeccompAction{Kind::Errno, e.value};
    int n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec == std::errc{} && end == value.data() + value.size() && n > 0 && n < 4096)
      return SeccompAction{Kind::Errno, n};
  }
  return Error{"seccomp", "unknown action", quote(text), 0,
               "one of allow, kill-process, kill-thread, trap, log, notify, errno:NAME "
               "(errno:EPERM, errno:ENOSYS, ...)"};
}

std::string action_name(const SeccompAction& a) {
  switch (a.kind) {
    case Kind::Allow: return "allow";
    case Kind::KillProcess: return "kill-process";
    case Kind::KillThread: return "kill-thread";
    case Kind::Trap: return "trap";
    case Kind::Log: return "log";
    case Kind::Notify: return "notify";
    case Kind::Errno:
      for (const auto& e : kErrnos)
        if (e.value == a.errno_value) return std::string("errno:") + e.name;
      return "errno:" + std::to_string(a.errno_value);
  }
  return "?";
}

namespace {

// A notify action without a listener makes the kernel answer ENOSYS: refused, not silent.
Status check_listener(const SeccompPolicy& policy, const SeccompAction& default_action,
                      bool listener) {
  if (listener) return ok_status();
  auto refuse = [](const std::string& where) {
    return Error{where, "seccomp action notify", "", 0,
                 "only cloister learn listens for notifications; cloister run has no listener"};
  };
  if (default_action.kind == Kind::Notify) return refuse("[seccomp] default");
  for (const auto& layer : policy.layers)
    for (const auto& r : layer)
      if (r.action.kind == Kind::Notify) return refuse(r.origin);
  return ok_status();
}

}  // namespace

Result<Compiled> compile(const SeccompPolicy& policy, const CompileOptions& options) {
  Compiled out;
  auto base = builtin_rules(policy.base, out.default_action);
  if (!base) return base.take_error();
  if (policy.default_action) out.default_action = *policy.default_action;
  CLOISTER_TRY(check_listener(policy, out.default_action, options.listener));
  out.warnings = policy.warnings;

  // Bottom to top: for each syscall the topmost layer that names it decides.
  std::map<int, Entry> decided;
  std::vector<const std::vector<SeccompRule>*> layers;
  const std::vector<SeccompRule> implicit = exec_needs();
  // A notifying filter lets every call go on once its supervisor has seen it: exec included,
  // which it must see.
  if (options.exec_command && !allows(out.default_action) &&
      out.default_action.kind != Kind::Notify)
    layers.push_back(&implicit);
  for (const auto& l : *base) layers.push_back(&l);
  for (const auto& l : policy.layers) layers.push_back(&l);
  const std::vector<std::uint32_t> compat = compat_arches(policy);
  for (const auto* layer : layers) {
    Expanded ex;
    CLOISTER_TRY(expand_layer(*layer, compat, ex, out.warnings));
    for (auto& [nr, entry] : ex.by_nr) {
      CLOISTER_TRY(check_layer_conflicts(entry));
      const bool has_catch_all =
          std::any_of(entry.rules.begin(), entry.rules.end(),
                      [](const SeccompRule& r) { return r.conditions.empty(); });
      auto found = decided.find(nr);
      if (has_catch_all || found == decided.end()) {
        decided[nr] = std::move(entry);
        continue;
      }
      // Only conditions here: they refine the decision below, whose catch-all still holds
      // for the calls they do not match.
      for (auto& r : entry.rules) found->second.rules.push_back(std::move(r));
    }
  }

  auto main = new_filter(out.default_action, policy, options);
  if (!main) return main.take_error();
  auto refine = new_filter(SeccompAction{Kind::Allow, 0}, policy, options);
  if (!refine) return refine.take_error();
  bool used_refine = false;
  for (auto& [nr, entry] : decided) {
    CLOISTER_TRY(add_entry(main->get(), refine->get(), entry, out.default_action, used_refine));
    out.entries.push_back(std::move(entry));
  }
  std::sort(out.entries.begin(), out.entries.end(),
            [](const Entry& a, const Entry& b) { return a.name < b.name; });
  auto program = export_program(main->get());
  if (!program) return program.take_error();
  out.program = std::move(*program);
  if (used_refine) {
    auto refinements = export_program(refine->get());
    if (!refinements) return refinements.take_error();
    auto chained = chain(*refinements, out.program);
    if (!chained) return chained.take_error();
    out.program = std::move(*chained);
  }
  if (options.count) count_native(out);
  return out;
}

Result<Program> read_program(int fd, const std::string& option) {
  auto read = io::read_all(fd);
  if (!read) return Error{option, "read", "fd " + std::to_string(fd), errno, ""};
  const std::string& data = *read;
  if (data.size() % sizeof(sock_filter) != 0)
    return Error{option, "invalid BPF program", std::to_string(data.size()) + " bytes", EINVAL,
                 "expected an array of struct sock_filter (8 bytes each, at most 4096)"};
  Program p;
  p.code.resize(data.size() / sizeof(sock_filter));
  if (!data.empty()) std::memcpy(p.code.data(), data.data(), data.size());
  return p;
}

Status check_length(const Program& program, const std::string& option) {
  if (!program.code.empty() && program.code.size() <= BPF_MAXINSNS) return ok_status();
  return Error{option, "invalid BPF program", std::to_string(program.code.size()) + " instructions",
               EINVAL, "expected 1 to 4096 instructions (struct sock_filter)"};
}

// Whether `program` refuses both ways install() stacks a filter on it.
bool forbids_seccomp(const Program& program) {
  auto allows_call = [&](long nr, std::uint64_t arg0, std::uint64_t arg1) {
    seccomp_data call{};
    call.nr = static_cast<int>(nr);
    call.arch = seccomp_arch_native();
    call.args[0] = arg0;
    call.args[1] = arg1;
    const Verdict v = emulate(program.code, call);
    return v.valid && (v.action == SECCOMP_RET_ALLOW || v.action == SECCOMP_RET_LOG);
  };
  return !allows_call(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER) &&
         !allows_call(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0);
}

Status order_for_install(std::vector<Program>& programs, std::size_t own,
                         const std::vector<std::string>& own_names) {
  own = std::min(own, programs.size());
  auto name = [&](std::size_t i) {
    return i < own_names.size() ? own_names[i] : "cloister's filter " + std::to_string(i + 1);
  };
  std::vector<std::size_t> forbidding;
  for (std::size_t i = 0; i < own; ++i)
    if (forbids_seccomp(programs[i])) forbidding.push_back(i);
  if (forbidding.empty()) return ok_status();
  if (forbidding.size() > 1)
    return Error{"seccomp",
                 "cannot install both " + name(forbidding[0]) + " and " + name(forbidding[1]), "",
                 0,
                 "each forbids prctl(PR_SET_SECCOMP) and seccomp(2), so whichever comes second "
                 "cannot be installed; allow seccomp (@sandbox) in one of them"};
  // The one that forbids goes last of cloister's, the others keep their order.
  std::rotate(programs.begin() + static_cast<std::ptrdiff_t>(forbidding[0]),
              programs.begin() + static_cast<std::ptrdiff_t>(forbidding[0]) + 1,
              programs.begin() + static_cast<std::ptrdiff_t>(own));
  if (own == programs.size()) return ok_status();
  if (std::any_of(programs.begin() + static_cast<std::ptrdiff_t>(own), programs.end(),
                  forbids_seccomp))
    return Error{"seccomp", "cannot install both cloister's filter and the --seccomp programs", "",
                 0,
                 "each forbids prctl(PR_SET_SECCOMP) and seccomp(2), so whichever comes second "
                 "cannot be installed; allow seccomp (@sandbox) in the profile"};
  std::rotate(programs.begin(), programs.begin() + static_cast<std::ptrdiff_t>(own),
              programs.end());
  return ok_status();
}

}  // namespace cloister::seccomp
