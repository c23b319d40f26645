// config.json's linux.seccomp through cloister's compiler, checked with the BPF emulator: each
// action and operator, runc's and crun's readings of the spec (same-index args, unconditional
// rules, rules equal to the default), what is refused, architectures, and podman's default
// profile, whose verdicts must equal those of the filter libseccomp builds from it directly
// (as runc and crun do) for every syscall of every covered entry point.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

#include "oci/seccomp_spec.hpp"
#include "seccomp/emulator.hpp"
#include "seccomp/filter.hpp"

namespace cloister {
namespace {

using json = nlohmann::json;
using seccomp::Verdict;

constexpr std::uint32_t kX32Bit = 0x40000000;

json data_file(const std::string& name) {
  std::ifstream in(std::string(CLOISTER_SOURCE_DIR) + "/tests/unit/data/" + name);
  EXPECT_TRUE(in) << name;
  return json::parse(in);
}

SeccompPolicy policy_or_die(const json& spec) {
  auto p = oci::seccomp_from_spec(spec);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message());
  if (!p.ok()) std::abort();
  return std::move(*p);
}

// The spec's list is the whole filter: no implicit exec rules (runc and crun add none).
seccomp::CompileOptions exact() {
  seccomp::CompileOptions o;
  o.exec_command = false;
  return o;
}

seccomp::Compiled compile_or_die(const json& spec, seccomp::CompileOptions options = exact()) {
  auto c = seccomp::compile(policy_or_die(spec), options);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message());
  if (!c.ok()) std::abort();
  return std::move(*c);
}

std::string error_of(const json& spec) {
  auto p = oci::seccomp_from_spec(spec);
  EXPECT_FALSE(p.ok()) << "accepted: " << spec.dump();
  return p.ok() ? "" : p.error().message();
}

seccomp_data call(int nr, std::initializer_list<std::uint64_t> args = {},
                  std::uint32_t arch = AUDIT_ARCH_X86_64) {
  seccomp_data d{};
  d.nr = nr;
  d.arch = arch;
  std::size_t i = 0;
  for (auto a : args) d.args[i++] = a;
  return d;
}

Verdict verdict(const std::vector<sock_filter>& code, const seccomp_data& d) {
  Verdict v = seccomp::emulate(code, d);
  EXPECT_TRUE(v.valid) << "malformed program for nr " << d.nr;
  return v;
}

bool allows(const seccomp::Compiled& c, const seccomp_data& d) {
  return verdict(c.program.code, d).action == SECCOMP_RET_ALLOW;
}

bool answers(const seccomp::Compiled& c, const seccomp_data& d, std::uint32_t action,
             std::uint16_t data = 0) {
  Verdict v = verdict(c.program.code, d);
  return v.action == action && v.data == data;
}

bool fails_with(const seccomp::Compiled& c, const seccomp_data& d, int err) {
  return answers(c, d, SECCOMP_RET_ERRNO, static_cast<std::uint16_t>(err));
}

bool has_warning(const SeccompPolicy& p, const std::string& part) {
  for (const auto& w : p.warnings)
    if (w.find(part) != std::string::npos) return true;
  return false;
}

// ---- the reference: the filter libseccomp builds from the spec's list as crun and runc
// build it (rule by rule, in order; a rule equal to the default skipped; args split into
// single-comparison rules when an index repeats), with cloister's bad-architecture action ----

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};

std::uint32_t reference_action(const json& object, const char* action_key, const char* errno_key) {
  const std::string a = object.at(action_key).get<std::string>();
  const std::uint16_t e = object.contains(errno_key) ? object.at(errno_key).get<std::uint16_t>()
                                                     : static_cast<std::uint16_t>(EPERM);
  if (a == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (a == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(e);
  if (a == "SCMP_ACT_KILL" || a == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (a == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (a == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (a == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  ADD_FAILURE() << "reference: action " << a;
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare reference_op(const std::string& op) {
  if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  return SCMP_CMP_EQ;
}

std::vector<sock_filter> export_bpf(scmp_filter_ctx ctx) {
  FILE* f = std::tmpfile();
  EXPECT_NE(f, nullptr);
  EXPECT_EQ(seccomp_export_bpf(ctx, fileno(f)), 0);
  std::vector<sock_filter> code(static_cast<std::size_t>(std::ftell(f)) / sizeof(sock_filter));
  std::rewind(f);
  EXPECT_EQ(std::fread(code.data(), sizeof(sock_filter), code.size(), f), code.size());
  std::fclose(f);
  return code;
}

std::vector<sock_filter> reference(const json& spec, bool binary_tree) {
  const std::uint32_t def = reference_action(spec, "defaultAction", "defaultErrnoRet");
  std::unique_ptr<void, CtxDeleter> ctx(seccomp_init(def));
  EXPECT_EQ(seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), 0);
  EXPECT_EQ(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0), 0);
  if (binary_tree) {
    EXPECT_EQ(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2), 0);
  }
  for (const auto& a : spec.value("architectures", json::array())) {
    std::string name = a.get<std::string>().substr(10);
    for (auto& ch : name) ch = static_cast<char>(std::tolower(ch));
    const std::uint32_t arch = seccomp_arch_resolve_name(name.c_str());
    // Only the entry points an x86_64 kernel has: others could never reach the filter.
    if (arch == SCMP_ARCH_X86 || arch == SCMP_ARCH_X32 || arch == SCMP_ARCH_X86_64) {
      const int rc = seccomp_arch_add(ctx.get(), arch);
      EXPECT_TRUE(rc == 0 || rc == -EEXIST) << name;
    }
  }
  for (const auto& s : spec.value("syscalls", json::array())) {
    const std::uint32_t act = reference_action(s, "action", "errnoRet");
    if (act == def) continue;
    std::vector<scmp_arg_cmp> cmps;
    unsigned count[6] = {};
    bool repeated = false;
    for (const auto& a : s.value("args", json::array())) {
      const auto index = a.at("index").get<unsigned>();
      repeated |= ++count[index] > 1;
      cmps.push_back(scmp_arg_cmp{index, reference_op(a.at("op").get<std::string>()),
                                  a.at("value").get<std::uint64_t>(),
                                  a.value("valueTwo", std::uint64_t{0})});
    }
    for (const auto& n : s.at("names")) {
      const int nr = seccomp_syscall_resolve_name(n.get<std::string>().c_str());
      if (nr == __NR_SCMP_ERROR) continue;
      if (!repeated) {
        EXPECT_EQ(seccomp_rule_add_array(ctx.get(), act, nr, static_cast<unsigned>(cmps.size()),
                                         cmps.data()),
                  0)
            << n;
        continue;
      }
      for (const auto& c : cmps) EXPECT_EQ(seccomp_rule_add_array(ctx.get(), act, nr, 1, &c), 0);
    }
  }
  return export_bpf(ctx.get());
}

// Argument values worth trying for a profile: each value, mask and masked value it names,
// their neighbours, and some flags; all below 2^32 (cloister compares denials on the low 32
// bits only, where the kernel reads an int: above them it is stricter than libseccomp).
std::vector<std::uint64_t> probe_values(const json& spec) {
  std::set<std::uint64_t> values{
      0, 1, 2, 0xffff, 0xffffffff, CLONE_NEWUSER | SIGCHLD, CLONE_VM | CLONE_THREAD};
  for (const auto& s : spec.value("syscalls", json::array()))
    for (const auto& a : s.value("args", json::array()))
      for (std::uint64_t v :
           {a.at("value").get<std::uint64_t>(), a.value("valueTwo", std::uint64_t{0})})
        for (std::uint64_t near : {v - 1, v, v + 1, v | 1})
          if (near <= 0xffffffff) values.insert(near);
  return {values.begin(), values.end()};
}

struct EntryPoint {
  std::uint32_t audit_arch;
  std::uint32_t scmp_arch;
  int nr_or;  // x32's bit
};

// Every syscall number of each entry point, with the probe values on each argument in turn
// for the syscalls the profile puts conditions on: cloister's verdict must be libseccomp's.
void expect_same_verdicts(const json& spec, const std::vector<sock_filter>& ours,
                          const std::vector<sock_filter>& theirs) {
  const std::vector<std::uint64_t> values = probe_values(spec);
  std::set<std::string> conditional;
  for (const auto& s : spec.value("syscalls", json::array()))
    if (!s.value("args", json::array()).empty())
      for (const auto& n : s.at("names")) conditional.insert(n.get<std::string>());
  const EntryPoint points[] = {{AUDIT_ARCH_X86_64, SCMP_ARCH_X86_64, 0},
                               {AUDIT_ARCH_I386, SCMP_ARCH_X86, 0},
                               {AUDIT_ARCH_X86_64, SCMP_ARCH_X32, static_cast<int>(kX32Bit)},
                               {AUDIT_ARCH_AARCH64, SCMP_ARCH_AARCH64, 0}};
  int compared = 0, differ = 0;
  for (const auto& p : points)
    for (int nr = 0; nr < 600; ++nr) {
      char* raw = seccomp_syscall_resolve_num_arch(p.scmp_arch, nr | p.nr_or);
      const std::string name = raw ? raw : "";
      std::free(raw);
      std::vector<seccomp_data> calls{call(nr | p.nr_or, {}, p.audit_arch)};
      if (conditional.count(name))
        for (unsigned i = 0; i < 6; ++i)
          for (auto v : values)
            for (auto other : {std::uint64_t{0}, std::uint64_t{9}, std::uint64_t{16}}) {
              seccomp_data d =
                  call(nr | p.nr_or, {other, other, other, other, other, other}, p.audit_arch);
              d.args[i] = v;
              calls.push_back(d);
            }
      for (const auto& d : calls) {
        const Verdict a = verdict(ours, d), b = verdict(theirs, d);
        ++compared;
        if (a.action == b.action && a.data == b.data) continue;
        if (++differ <= 10)
          ADD_FAILURE() << "arch " << std::hex << p.audit_arch << std::dec << " nr " << d.nr << " ("
                        << name << ") args " << d.args[0] << "," << d.args[1] << "," << d.args[2]
                        << ": cloister " << std::hex << a.action << "/" << std::dec << a.data
                        << ", libseccomp " << std::hex << b.action << "/" << std::dec << b.data;
      }
    }
  EXPECT_EQ(differ, 0) << "of " << compared << " calls";
  EXPECT_GT(compared, 1500);
}

json rule(std::initializer_list<const char*> names, const char* action,
          json extra = json::object()) {
  json r = extra;
  r["names"] = json::array();
  for (auto n : names) r["names"].push_back(n);
  r["action"] = action;
  return r;
}

json arg(unsigned index, const char* op, std::uint64_t value, std::uint64_t two = 0) {
  json a{{"index", index}, {"value", value}, {"op", op}};
  if (two) a["valueTwo"] = two;
  return a;
}

json spec_with(const char* default_action, json syscalls, json extra = json::object()) {
  json s = extra;
  s["defaultAction"] = default_action;
  s["syscalls"] = std::move(syscalls);
  return s;
}

// ---- actions ----

TEST(OciSeccompActions, EachActionGivesItsVerdict) {
  const json spec = spec_with(
      "SCMP_ACT_ALLOW",
      {rule({"getpid"}, "SCMP_ACT_ERRNO"), rule({"getppid"}, "SCMP_ACT_ERRNO", {{"errnoRet", 38}}),
       rule({"getuid"}, "SCMP_ACT_KILL"), rule({"getgid"}, "SCMP_ACT_KILL_THREAD"),
       rule({"geteuid"}, "SCMP_ACT_KILL_PROCESS"), rule({"getegid"}, "SCMP_ACT_TRAP"),
       rule({"gettid"}, "SCMP_ACT_LOG")});
  auto c = compile_or_die(spec);
  EXPECT_TRUE(fails_with(c, call(SYS_getpid), EPERM));  // errnoRet's default
  EXPECT_TRUE(fails_with(c, call(SYS_getppid), ENOSYS));
  EXPECT_TRUE(answers(c, call(SYS_getuid), SECCOMP_RET_KILL_THREAD));  // libseccomp's KILL
  EXPECT_TRUE(answers(c, call(SYS_getgid), SECCOMP_RET_KILL_THREAD));
  EXPECT_TRUE(answers(c, call(SYS_geteuid), SECCOMP_RET_KILL_PROCESS));
  EXPECT_TRUE(answers(c, call(SYS_getegid), SECCOMP_RET_TRAP));
  EXPECT_TRUE(answers(c, call(SYS_gettid), SECCOMP_RET_LOG));
  EXPECT_TRUE(allows(c, call(SYS_read)));
}

TEST(OciSeccompActions, DefaultActionAndItsErrno) {
  auto eperm = compile_or_die(spec_with("SCMP_ACT_ERRNO", {rule({"getpid"}, "SCMP_ACT_ALLOW")}));
  EXPECT_TRUE(fails_with(eperm, call(SYS_getppid), EPERM));
  EXPECT_TRUE(allows(eperm, call(SYS_getpid)));
  auto enosys = compile_or_die(
      spec_with("SCMP_ACT_ERRNO", {rule({"getpid"}, "SCMP_ACT_ALLOW")}, {{"defaultErrnoRet", 38}}));
  EXPECT_TRUE(fails_with(enosys, call(SYS_getppid), ENOSYS));
  auto zero = compile_or_die(spec_with("SCMP_ACT_ERRNO", json::array(), {{"defaultErrnoRet", 0}}));
  EXPECT_TRUE(fails_with(zero, call(SYS_getppid), 0));  // "succeeds" without running
  auto kill =
      compile_or_die(spec_with("SCMP_ACT_KILL_PROCESS", {rule({"getpid"}, "SCMP_ACT_ALLOW")}));
  EXPECT_TRUE(answers(kill, call(SYS_getppid), SECCOMP_RET_KILL_PROCESS));
  auto log = compile_or_die(spec_with("SCMP_ACT_LOG", {rule({"getpid"}, "SCMP_ACT_ALLOW")}));
  EXPECT_TRUE(answers(log, call(SYS_getppid), SECCOMP_RET_LOG));
  EXPECT_TRUE(allows(log, call(SYS_getpid)));
}

TEST(OciSeccompActions, ErrnoOnlyWithErrnoAndWithinTheKernelsRange) {
  EXPECT_NE(error_of(spec_with("SCMP_ACT_ALLOW", json::array(), {{"defaultErrnoRet", 1}}))
                .find("linux.seccomp.defaultErrnoRet: goes only with SCMP_ACT_ERRNO"),
            std::string::npos);
  EXPECT_NE(
      error_of(spec_with("SCMP_ACT_ERRNO", {rule({"getpid"}, "SCMP_ACT_ALLOW"),
                                            rule({"getppid"}, "SCMP_ACT_KILL", {{"errnoRet", 1}})}))
          .find("linux.seccomp.syscalls[1].errnoRet: goes only with SCMP_ACT_ERRNO"),
      std::string::npos);
  EXPECT_NE(error_of(spec_with("SCMP_ACT_ALLOW",
                               {rule({"getpid"}, "SCMP_ACT_ERRNO", {{"errnoRet", 4096}})}))
                .find("linux.seccomp.syscalls[0].errnoRet: must be at most 4095"),
            std::string::npos);
  EXPECT_NE(error_of(spec_with("SCMP_ACT_ALLOW",
                               {rule({"getpid"}, "SCMP_ACT_ERRNO", {{"errnoRet", -1}})}))
                .find("linux.seccomp.syscalls[0].errnoRet: must be an unsigned integer"),
            std::string::npos);
}

TEST(OciSeccompActions, TraceAndNotifyAreRefusedSayingWhy) {
  const std::string trace = error_of(spec_with(
      "SCMP_ACT_ALLOW", {rule({"getpid"}, "SCMP_ACT_ERRNO"), rule({"getppid"}, "SCMP_ACT_TRACE")}));
  EXPECT_NE(trace.find("linux.seccomp.syscalls[1].action: SCMP_ACT_TRACE is not supported"),
            std::string::npos)
      << trace;
  EXPECT_NE(trace.find("tracer"), std::string::npos);
  const std::string notify =
      error_of(spec_with("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_NOTIFY")},
                         {{"listenerPath", "/run/agent.sock"}}));
  EXPECT_NE(notify.find("linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported"),
            std::string::npos)
      << notify;
  EXPECT_NE(notify.find("listenerPath"), std::string::npos);
  EXPECT_NE(error_of(spec_with("SCMP_ACT_TRACE", json::array()))
                .find("linux.seccomp.defaultAction: SCMP_ACT_TRACE"),
            std::string::npos);
  EXPECT_NE(error_of(spec_with("SCMP_ACT_KILL_ALL", json::array()))
                .find("linux.seccomp.defaultAction: unknown action 'SCMP_ACT_KILL_ALL'"),
            std::string::npos);
  EXPECT_NE(
      error_of(json{{"syscalls", json::array()}}).find("linux.seccomp.defaultAction: missing"),
      std::string::npos);
}

// ---- operators ----

TEST(OciSeccompOperators, EachOperatorCompares) {
  const json spec = spec_with(
      "SCMP_ACT_ERRNO",
      {rule({"getpid"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_EQ", 5)}}}),
       rule({"getppid"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_NE", 5)}}}),
       rule({"getuid"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_LT", 5)}}}),
       rule({"getgid"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_LE", 5)}}}),
       rule({"geteuid"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_GT", 5)}}}),
       rule({"getegid"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_GE", 5)}}}),
       // value is the mask, valueTwo what the masked argument must be (libseccomp's order)
       rule({"gettid"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_MASKED_EQ", 0xf0, 0x30)}}})});
  auto c = compile_or_die(spec);
  auto at = [&](int nr, std::uint64_t v) { return allows(c, call(nr, {v})); };
  EXPECT_TRUE(at(SYS_getpid, 5));
  EXPECT_FALSE(at(SYS_getpid, 4));
  EXPECT_FALSE(at(SYS_getpid, 5 | (1ULL << 32)));  // all 64 bits compared
  EXPECT_TRUE(at(SYS_getppid, 4));
  EXPECT_FALSE(at(SYS_getppid, 5));
  EXPECT_TRUE(at(SYS_getuid, 4));
  EXPECT_FALSE(at(SYS_getuid, 5));
  EXPECT_TRUE(at(SYS_getgid, 5));
  EXPECT_FALSE(at(SYS_getgid, 6));
  EXPECT_TRUE(at(SYS_geteuid, 6));
  EXPECT_FALSE(at(SYS_geteuid, 5));
  EXPECT_TRUE(at(SYS_getegid, 5));
  EXPECT_FALSE(at(SYS_getegid, 4));
  EXPECT_TRUE(at(SYS_gettid, 0x31));
  EXPECT_TRUE(at(SYS_gettid, 0x3f3f));
  EXPECT_FALSE(at(SYS_gettid, 0x20));
  EXPECT_FALSE(at(SYS_gettid, 0xf0));
  EXPECT_TRUE(fails_with(c, call(SYS_getpid, {4}), EPERM));  // the default where none holds
}

TEST(OciSeccompOperators, BadArgsNameTheirKey) {
  auto with_args = [](json args) {
    return spec_with("SCMP_ACT_ALLOW",
                     {rule({"getpid"}, "SCMP_ACT_ERRNO"),
                      rule({"getppid"}, "SCMP_ACT_ERRNO", {{"args", std::move(args)}})});
  };
  EXPECT_NE(error_of(with_args({arg(6, "SCMP_CMP_EQ", 1)}))
                .find("linux.seccomp.syscalls[1].args[0].index: must be 0 to 5"),
            std::string::npos);
  EXPECT_NE(error_of(with_args({arg(0, "SCMP_CMP_EQ", 1), arg(1, "SCMP_CMP_BITS", 1)}))
                .find("linux.seccomp.syscalls[1].args[1].op: unknown operator 'SCMP_CMP_BITS'"),
            std::string::npos);
  EXPECT_NE(error_of(with_args({json{{"index", 0}, {"op", "SCMP_CMP_EQ"}}}))
                .find("linux.seccomp.syscalls[1].args[0].value: missing"),
            std::string::npos);
  EXPECT_NE(error_of(with_args({json{{"index", 0}, {"value", "7"}, {"op", "SCMP_CMP_EQ"}}}))
                .find("linux.seccomp.syscalls[1].args[0].value: must be an unsigned integer"),
            std::string::npos);
  EXPECT_NE(
      error_of(with_args({json{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_EQ"}, {"mask", 3}}}))
          .find("linux.seccomp.syscalls[1].args[0].mask: unknown key"),
      std::string::npos);
}

// ---- how runc and crun read a list ----

TEST(OciSeccompMeaning, ArgsOnDifferentIndicesMustAllHold) {
  auto c = compile_or_die(spec_with(
      "SCMP_ACT_ERRNO", {rule({"getpid"}, "SCMP_ACT_ALLOW",
                              {{"args", {arg(0, "SCMP_CMP_EQ", 1), arg(1, "SCMP_CMP_EQ", 2)}}})}));
  EXPECT_TRUE(allows(c, call(SYS_getpid, {1, 2})));
  EXPECT_FALSE(allows(c, call(SYS_getpid, {1, 3})));
  EXPECT_FALSE(allows(c, call(SYS_getpid, {0, 2})));
}

TEST(OciSeccompMeaning, ArgsOnTheSameIndexAreAlternatives) {
  const json spec = spec_with(
      "SCMP_ACT_ERRNO", {rule({"getpid"}, "SCMP_ACT_ALLOW",
                              {{"args", {arg(0, "SCMP_CMP_EQ", 1), arg(0, "SCMP_CMP_EQ", 2)}}})});
  auto p = policy_or_die(spec);
  EXPECT_TRUE(p.warnings.empty());
  auto c = compile_or_die(spec);
  EXPECT_TRUE(allows(c, call(SYS_getpid, {1})));
  EXPECT_TRUE(allows(c, call(SYS_getpid, {2})));
  EXPECT_TRUE(fails_with(c, call(SYS_getpid, {3}), EPERM));
}

// runc and crun split every arg of such an entry, those on other indices too: (1 or 2) or
// a1 == 5, not (1 or 2) and a1 == 5. Said in a warning, since few would write it meaning that.
TEST(OciSeccompMeaning, ARepeatedIndexMakesEveryArgAnAlternative) {
  const json spec = spec_with(
      "SCMP_ACT_ERRNO",
      {rule({"getpid"}, "SCMP_ACT_ALLOW",
            {{"args",
              {arg(0, "SCMP_CMP_EQ", 1), arg(0, "SCMP_CMP_EQ", 2), arg(1, "SCMP_CMP_EQ", 5)}}})});
  auto p = policy_or_die(spec);
  EXPECT_TRUE(has_warning(p, "linux.seccomp.syscalls[0].args: an index repeats"));
  auto c = compile_or_die(spec);
  EXPECT_TRUE(allows(c, call(SYS_getpid, {1, 0})));
  EXPECT_TRUE(allows(c, call(SYS_getpid, {2, 0})));
  EXPECT_TRUE(allows(c, call(SYS_getpid, {3, 5})));
  EXPECT_FALSE(allows(c, call(SYS_getpid, {3, 4})));
  expect_same_verdicts(spec, c.program.code, reference(spec, true));
}

// Several entries for one syscall, all conditional: each applies where its args hold, the
// default elsewhere; an allow with conditions under an errno default allows nothing more.
TEST(OciSeccompMeaning, ConditionalRulesOfOneSyscallAreAlternatives) {
  const json spec =
      spec_with("SCMP_ACT_ERRNO",
                {rule({"personality"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_EQ", 0)}}}),
                 rule({"personality"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_EQ", 8)}}}),
                 rule({"personality"}, "SCMP_ACT_ERRNO",
                      {{"errnoRet", 22}, {"args", {arg(0, "SCMP_CMP_EQ", 0x20000)}}})},
                {{"defaultErrnoRet", 38}});
  auto c = compile_or_die(spec);
  EXPECT_TRUE(allows(c, call(SYS_personality, {0})));
  EXPECT_TRUE(allows(c, call(SYS_personality, {8})));
  EXPECT_TRUE(fails_with(c, call(SYS_personality, {0x20000}), EINVAL));
  EXPECT_TRUE(fails_with(c, call(SYS_personality, {0xffff}), ENOSYS));
  expect_same_verdicts(spec, c.program.code, reference(spec, true));
}

// libseccomp keeps the first unconditional rule of a syscall and nothing else of it.
TEST(OciSeccompMeaning, TheFirstUnconditionalRuleDecides) {
  const json spec = spec_with(
      "SCMP_ACT_ERRNO",
      {rule({"getpid"}, "SCMP_ACT_ERRNO", {{"errnoRet", 5}, {"args", {arg(0, "SCMP_CMP_EQ", 1)}}}),
       rule({"getpid", "getppid"}, "SCMP_ACT_ALLOW"), rule({"getppid"}, "SCMP_ACT_KILL_PROCESS"),
       rule({"getppid"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_EQ", 1)}}})});
  auto p = policy_or_die(spec);
  EXPECT_TRUE(has_warning(p, "linux.seccomp.syscalls[0]: the rule for 'getpid' is void"));
  EXPECT_TRUE(has_warning(p, "linux.seccomp.syscalls[2]: the rule for 'getppid' is void"));
  auto c = compile_or_die(spec);
  EXPECT_TRUE(allows(c, call(SYS_getpid, {1})));
  EXPECT_TRUE(allows(c, call(SYS_getpid, {2})));
  EXPECT_TRUE(allows(c, call(SYS_getppid, {7})));
  expect_same_verdicts(spec, c.program.code, reference(spec, true));
}

// A rule saying what the default says is dropped (libseccomp refuses it, runc and crun skip
// it), so it hides no conditional rule of the same syscall.
TEST(OciSeccompMeaning, ARuleEqualToTheDefaultIsDropped) {
  const json spec =
      spec_with("SCMP_ACT_ERRNO",
                {rule({"socket"}, "SCMP_ACT_ERRNO"),
                 rule({"socket"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_EQ", AF_UNIX)}}})});
  auto c = compile_or_die(spec);
  EXPECT_TRUE(allows(c, call(SYS_socket, {AF_UNIX})));
  EXPECT_TRUE(fails_with(c, call(SYS_socket, {AF_INET}), EPERM));
  expect_same_verdicts(spec, c.program.code, reference(spec, true));
}

// Conditional rules of one syscall with different actions: where no call can match two of
// them, the verdicts are libseccomp's. Where one can, the answer is up to the shape of
// libseccomp's tree (which here can even ignore a rule: allow a0 == 1 and deny a1 == 2, and
// libseccomp 2.5 denies getpid(1, 0) as well), so it is said in a warning.
TEST(OciSeccompMeaning, OverlappingConditionsAreSaid) {
  const json a1 = rule({"getpid"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_EQ", 1)}}});
  const json e2 =
      rule({"getpid"}, "SCMP_ACT_ERRNO", {{"errnoRet", 5}, {"args", {arg(1, "SCMP_CMP_EQ", 2)}}});
  const json k0 = rule({"getpid"}, "SCMP_ACT_KILL_PROCESS", {{"args", {arg(0, "SCMP_CMP_EQ", 0)}}});
  const json ne1 = rule({"getpid"}, "SCMP_ACT_TRAP", {{"args", {arg(0, "SCMP_CMP_NE", 1)}}});
  const json gt = rule({"getpid"}, "SCMP_ACT_TRAP", {{"args", {arg(0, "SCMP_CMP_GT", 0)}}});
  auto spec_of = [](std::vector<json> list) {
    json syscalls = json::array();
    for (const auto& r : list) syscalls.push_back(r);
    return spec_with("SCMP_ACT_ERRNO", syscalls, {{"defaultErrnoRet", 38}});
  };
  for (const auto& list :
       std::vector<std::vector<json>>{{a1, k0}, {k0, a1}, {a1, ne1}, {ne1, a1}}) {
    const json spec = spec_of(list);
    SCOPED_TRACE(spec.dump());
    EXPECT_TRUE(policy_or_die(spec).warnings.empty());
    auto c = compile_or_die(spec);
    expect_same_verdicts(spec, c.program.code, reference(spec, true));
    expect_same_verdicts(spec, c.program.code, reference(spec, false));
  }
  for (const auto& list : std::vector<std::vector<json>>{{a1, e2}, {a1, gt}, {k0, a1, e2}}) {
    const json spec = spec_of(list);
    SCOPED_TRACE(spec.dump());
    auto p = policy_or_die(spec);
    ASSERT_EQ(p.warnings.size(), 1u);
    EXPECT_NE(p.warnings[0].find("may both match a call"), std::string::npos) << p.warnings[0];
    EXPECT_TRUE(seccomp::compile(p, exact()).ok());
  }
}

TEST(OciSeccompMeaning, SameConditionsWithAnotherActionAreRefusedAsLibseccompDoes) {
  const std::string e = error_of(
      spec_with("SCMP_ACT_ERRNO",
                {rule({"getpid"}, "SCMP_ACT_ALLOW", {{"args", {arg(0, "SCMP_CMP_EQ", 1)}}}),
                 rule({"getpid"}, "SCMP_ACT_KILL", {{"args", {arg(0, "SCMP_CMP_EQ", 1)}}})}));
  EXPECT_NE(e.find("linux.seccomp.syscalls[1]: conflicting rules for 'getpid'"), std::string::npos)
      << e;
  EXPECT_NE(e.find("syscalls[0]"), std::string::npos) << e;
}

TEST(OciSeccompMeaning, UnknownSyscallsAreSkippedWithAWarning) {
  const json spec = spec_with(
      "SCMP_ACT_ERRNO", {rule({"getpid", "no_such_syscall_2049", "getppid"}, "SCMP_ACT_ALLOW")});
  auto p = policy_or_die(spec);
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("linux.seccomp.syscalls[0].names[1]: syscall "
                               "'no_such_syscall_2049' unknown to libseccomp"),
            std::string::npos)
      << p.warnings[0];
  auto c = compile_or_die(spec);
  EXPECT_TRUE(allows(c, call(SYS_getpid)));
  EXPECT_TRUE(allows(c, call(SYS_getppid)));
  EXPECT_TRUE(c.warnings.size() == 1);  // the front end's, passed on; none of the compiler's
}

// A name of other architectures only (arm's breakpoint on x86_64) can match no call here:
// left out without a word, as libseccomp leaves it out of runc's filter.
TEST(OciSeccompMeaning, NamesOfOtherArchitecturesAreLeftOutQuietly) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "x86_64 names";
  const json spec =
      spec_with("SCMP_ACT_ERRNO", {rule({"getpid", "breakpoint", "_llseek"}, "SCMP_ACT_ALLOW")},
                {{"architectures", {"SCMP_ARCH_X86_64"}}});
  auto p = policy_or_die(spec);
  EXPECT_TRUE(p.warnings.empty());
  auto c = compile_or_die(spec);
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_TRUE(allows(c, call(SYS_getpid)));
}

TEST(OciSeccompMeaning, EmptyListAndNoSyscalls) {
  auto allow = compile_or_die(json{{"defaultAction", "SCMP_ACT_ALLOW"}});
  EXPECT_TRUE(allows(allow, call(SYS_mount)));
  auto errno_all = compile_or_die(spec_with("SCMP_ACT_ERRNO", json::array()));
  EXPECT_TRUE(fails_with(errno_all, call(SYS_read), EPERM));
  // cloister run's implicit exec rules stay available to a front end that wants them.
  auto with_exec = compile_or_die(spec_with("SCMP_ACT_ERRNO", json::array()), {});
  EXPECT_TRUE(allows(with_exec, call(SYS_execve)));
  EXPECT_TRUE(fails_with(with_exec, call(SYS_read), EPERM));
}

// ---- what is refused ----

TEST(OciSeccompKeys, UnknownKeysAreErrorsNamingThem) {
  json top = spec_with("SCMP_ACT_ALLOW", json::array());
  top["defaultErrno"] = "EPERM";  // the Docker profile format's, not the spec's
  EXPECT_NE(error_of(top).find("linux.seccomp.defaultErrno: unknown key"), std::string::npos);
  json entry = spec_with("SCMP_ACT_ALLOW",
                         {rule({"getpid"}, "SCMP_ACT_ERRNO", {{"comment", "Docker format"}})});
  EXPECT_NE(error_of(entry).find("linux.seccomp.syscalls[0].comment: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(json::array()).find("linux.seccomp: must be an object"), std::string::npos);
  EXPECT_NE(error_of(spec_with("SCMP_ACT_ALLOW", {rule({}, "SCMP_ACT_ERRNO")}))
                .find("linux.seccomp.syscalls[0].names: must be an array of at least one"),
            std::string::npos);
  EXPECT_NE(error_of(spec_with("SCMP_ACT_ALLOW", {json{{"action", "SCMP_ACT_ERRNO"}}}))
                .find("linux.seccomp.syscalls[0].names: missing"),
            std::string::npos);
  EXPECT_NE(error_of(spec_with("SCMP_ACT_ALLOW", {rule({"@mount"}, "SCMP_ACT_ERRNO")}))
                .find("linux.seccomp.syscalls[0].names[0]: not a syscall name '@mount'"),
            std::string::npos);
  EXPECT_NE(error_of(spec_with("SCMP_ACT_ALLOW", json{{"names", {"x"}}}))
                .find("linux.seccomp.syscalls: must be an array"),
            std::string::npos);
}

TEST(OciSeccompKeys, NullMeansUnset) {
  json spec = spec_with("SCMP_ACT_ERRNO", {rule({"getpid"}, "SCMP_ACT_ALLOW")});
  spec["defaultErrnoRet"] = nullptr;
  spec["flags"] = nullptr;
  spec["syscalls"][0]["args"] = nullptr;
  spec["syscalls"][0]["errnoRet"] = nullptr;
  auto c = compile_or_die(spec);
  EXPECT_TRUE(fails_with(c, call(SYS_getppid), EPERM));
  EXPECT_TRUE(allows(c, call(SYS_getpid, {1})));
}

TEST(OciSeccompKeys, Flags) {
  auto with_flags = [](json flags) {
    return spec_with("SCMP_ACT_ALLOW", json::array(), {{"flags", std::move(flags)}});
  };
  EXPECT_TRUE(policy_or_die(with_flags({"SECCOMP_FILTER_FLAG_TSYNC"})).warnings.empty());
  EXPECT_TRUE(
      policy_or_die(with_flags({"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"})).warnings.empty());
  EXPECT_TRUE(has_warning(policy_or_die(with_flags({"SECCOMP_FILTER_FLAG_SPEC_ALLOW"})),
                          "linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_SPEC_ALLOW not applied"));
  EXPECT_NE(error_of(with_flags({"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"}))
                .find("linux.seccomp.flags[1]: SECCOMP_FILTER_FLAG_LOG is not supported"),
            std::string::npos);
  EXPECT_NE(error_of(with_flags({"SECCOMP_FILTER_FLAG_NEW_LISTENER"}))
                .find("linux.seccomp.flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_NEW_LISTENER'"),
            std::string::npos);
  EXPECT_NE(error_of(with_flags("SECCOMP_FILTER_FLAG_TSYNC"))
                .find("linux.seccomp.flags: must be an array"),
            std::string::npos);
}

TEST(OciSeccompKeys, ListenerKeys) {
  // Ignored without SCMP_ACT_NOTIFY, says the spec.
  EXPECT_TRUE(oci::seccomp_from_spec(
                  spec_with("SCMP_ACT_ALLOW", json::array(),
                            {{"listenerPath", "/run/agent.sock"}, {"listenerMetadata", "x"}}))
                  .ok());
  EXPECT_NE(error_of(spec_with("SCMP_ACT_ALLOW", json::array(), {{"listenerMetadata", "x"}}))
                .find("linux.seccomp.listenerMetadata: set without listenerPath"),
            std::string::npos);
}

// ---- architectures ----

TEST(OciSeccompArchitectures, X86AndX32CoverThoseEntryPoints) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "x86_64 entry points";
  auto arches = [](json list) {
    return policy_or_die(spec_with("SCMP_ACT_ALLOW", json::array(), {{"architectures", list}}));
  };
  auto all = arches({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"});
  EXPECT_TRUE(all.allow_i386 && all.allow_x32);
  EXPECT_TRUE(all.warnings.empty());
  auto native = arches({"SCMP_ARCH_X86_64"});
  EXPECT_FALSE(native.allow_i386 || native.allow_x32);
  auto none = arches(json::array());
  EXPECT_FALSE(none.allow_i386 || none.allow_x32);
  // The spec's own example lists no x86_64: the native entry point is filtered anyway.
  auto example = arches({"SCMP_ARCH_X86", "SCMP_ARCH_X32"});
  EXPECT_TRUE(example.allow_i386 && example.allow_x32);
  EXPECT_TRUE(example.warnings.empty());
  // Architectures of other machines: nothing to filter here.
  auto multi = arches({"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"});
  EXPECT_TRUE(multi.warnings.empty());
  EXPECT_FALSE(multi.allow_i386);
  auto foreign = arches({"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"});
  EXPECT_TRUE(has_warning(foreign,
                          "linux.seccomp.architectures: none of these is this "
                          "machine's SCMP_ARCH_X86_64"));
  EXPECT_NE(error_of(spec_with("SCMP_ACT_ALLOW", json::array(),
                               {{"architectures", {"SCMP_ARCH_X86_64", "amd64"}}}))
                .find("linux.seccomp.architectures[1]: unknown architecture 'amd64'"),
            std::string::npos);
}

TEST(OciSeccompArchitectures, RulesApplyToEveryListedEntryPoint) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "x86_64 entry points";
  const json spec =
      spec_with("SCMP_ACT_ERRNO", {rule({"getpid", "_llseek", "mmap2"}, "SCMP_ACT_ALLOW")},
                {{"architectures", {"SCMP_ARCH_X86"}}});
  auto c = compile_or_die(spec);
  EXPECT_TRUE(allows(c, call(SYS_getpid)));
  EXPECT_TRUE(allows(c, call(20 /* getpid */, {}, AUDIT_ARCH_I386)));
  EXPECT_TRUE(allows(c, call(140 /* _llseek */, {}, AUDIT_ARCH_I386)));
  EXPECT_TRUE(allows(c, call(192 /* mmap2 */, {}, AUDIT_ARCH_I386)));
  EXPECT_TRUE(fails_with(c, call(64 /* getppid */, {}, AUDIT_ARCH_I386), EPERM));
  EXPECT_TRUE(answers(c, call(kX32Bit | SYS_getpid), SECCOMP_RET_KILL_PROCESS));  // not listed
  EXPECT_TRUE(c.warnings.empty());
  expect_same_verdicts(spec, c.program.code, reference(spec, true));
}

// ---- real profiles ----

// What podman 4.3 (Debian 12) writes to config.json for a container with its default
// capabilities on amd64: tests/unit/data/README.md says how it was made.
TEST(OciSeccompPodman, DefaultProfileVerdicts) {
  const json spec = data_file("podman-default-seccomp.oci.json");
  auto p = policy_or_die(spec);
  for (const auto& w : p.warnings) std::cout << "warning: " << w << "\n";
  auto c = compile_or_die(spec);
  EXPECT_TRUE(allows(c, call(SYS_getpid)));
  EXPECT_TRUE(allows(c, call(SYS_execve)));
  // personality: the five values listed, the default (ENOSYS) for any other
  EXPECT_TRUE(allows(c, call(SYS_personality, {0})));
  EXPECT_TRUE(allows(c, call(SYS_personality, {PER_LINUX32})));
  EXPECT_TRUE(allows(c, call(SYS_personality, {UNAME26})));
  EXPECT_TRUE(allows(c, call(SYS_personality, {0xffffffff})));
  EXPECT_TRUE(fails_with(c, call(SYS_personality, {0xffff}), ENOSYS));
  EXPECT_TRUE(fails_with(c, call(SYS_personality, {READ_IMPLIES_EXEC}), ENOSYS));
  // podman's profile leaves namespaces to capabilities: clone, clone3 and unshare are allowed
  EXPECT_TRUE(allows(c, call(SYS_clone, {CLONE_NEWUSER | SIGCHLD})));
  EXPECT_TRUE(allows(c, call(SYS_clone3)));
  // what it denies with EPERM, its capability-dependent entries included (no CAP_SYS_ADMIN...)
  for (int nr : {SYS_bpf, SYS_kexec_load, SYS_init_module, SYS_open_by_handle_at, SYS_acct,
                 SYS_iopl, SYS_settimeofday, SYS_vhangup, SYS_userfaultfd, SYS_perf_event_open})
    EXPECT_TRUE(fails_with(c, call(nr), EPERM)) << nr;
  EXPECT_TRUE(allows(c, call(SYS_chroot)));  // CAP_SYS_CHROOT is a default capability
  // setns is both in the allow list and in the EPERM list for containers without
  // CAP_SYS_ADMIN: the first, unconditional allow decides, under libseccomp as here; said.
  EXPECT_TRUE(allows(c, call(SYS_setns)));
  EXPECT_TRUE(has_warning(p, "linux.seccomp.syscalls[10]: the rule for 'setns' is void"));
  EXPECT_EQ(p.warnings.size(), 1u);
  // socket: audit netlink sockets fail with EINVAL, the rest is allowed
  EXPECT_TRUE(fails_with(c, call(SYS_socket, {AF_NETLINK, SOCK_RAW, NETLINK_AUDIT}), EINVAL));
  EXPECT_TRUE(allows(c, call(SYS_socket, {AF_NETLINK, SOCK_RAW, NETLINK_ROUTE})));
  EXPECT_TRUE(allows(c, call(SYS_socket, {AF_INET, SOCK_STREAM, 0})));
  // an unlisted syscall: the default, defaultErrnoRet 38
  std::set<std::string> named;
  for (const auto& s : spec["syscalls"])
    for (const auto& n : s["names"]) named.insert(n.get<std::string>());
  int unlisted = 0;
  for (int nr = 0; nr < 460; ++nr) {
    char* raw = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (!raw) continue;
    const std::string name = raw;
    std::free(raw);
    if (named.count(name)) continue;
    EXPECT_TRUE(fails_with(c, call(nr), ENOSYS)) << name;
    ++unlisted;
  }
  EXPECT_GT(unlisted, 3);
  // the i386 and x32 entry points are listed: filtered by the same rules, by name
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
    EXPECT_TRUE(allows(c, call(20 /* getpid */, {}, AUDIT_ARCH_I386)));
    EXPECT_TRUE(allows(c, call(192 /* mmap2 */, {}, AUDIT_ARCH_I386)));
    EXPECT_TRUE(allows(c, call(140 /* _llseek */, {}, AUDIT_ARCH_I386)));
    EXPECT_TRUE(fails_with(c, call(357 /* bpf */, {}, AUDIT_ARCH_I386), EPERM));
    EXPECT_TRUE(allows(c, call(kX32Bit | SYS_getpid)));
    EXPECT_TRUE(fails_with(c, call(kX32Bit | SYS_bpf), EPERM));
    EXPECT_TRUE(answers(c, call(0, {}, AUDIT_ARCH_AARCH64), SECCOMP_RET_KILL_PROCESS));
  }
}

TEST(OciSeccompPodman, DefaultProfileMeansWhatLibseccompMakesOfIt) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "x86_64 entry points";
  const json spec = data_file("podman-default-seccomp.oci.json");
  auto c = compile_or_die(spec);
  expect_same_verdicts(spec, c.program.code, reference(spec, true));
  expect_same_verdicts(spec, c.program.code, reference(spec, false));
}

// cloister run adds exec and exit rules to filters that deny by default; podman's profile
// allows them anyway, so the verdicts are the same either way.
TEST(OciSeccompPodman, ImplicitExecRulesChangeNothingHere) {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) GTEST_SKIP() << "x86_64 entry points";
  const json spec = data_file("podman-default-seccomp.oci.json");
  auto c = compile_or_die(spec, {});
  expect_same_verdicts(spec, c.program.code, reference(spec, true));
}

// Time to read and compile the profile, and the program's size against libseccomp's own
// (crun's shape: linear; runc's: binary tree for more than 32 entries).
TEST(OciSeccompPodman, CompileTimeAndSize) {
  const json spec = data_file("podman-default-seccomp.oci.json");
  constexpr int kRounds = 20;
  std::size_t size = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    auto p = oci::seccomp_from_spec(spec);
    ASSERT_TRUE(p.ok());
    seccomp::CompileOptions o = exact();
    o.count = false;
    auto c = seccomp::compile(*p, o);
    ASSERT_TRUE(c.ok());
    size = c->program.code.size();
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count() /
                  kRounds;
  const auto parse_start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) ASSERT_TRUE(oci::seccomp_from_spec(spec).ok());
  const auto parse_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - parse_start)
                            .count() /
                        kRounds;
  const std::size_t linear = reference(spec, false).size();
  const std::size_t tree = reference(spec, true).size();
  std::cout << "podman default profile: seccomp_from_spec + compile " << us << " us (of which "
            << parse_us << " us seccomp_from_spec); " << size
            << " instructions; libseccomp directly: " << linear << " (linear, as crun), " << tree
            << " (binary tree, as runc)\n";
  RecordProperty("compile_us", static_cast<int>(us));
  RecordProperty("instructions", static_cast<int>(size));
  EXPECT_LE(size, 4096u);
  EXPECT_LE(size, tree + 16);
}

// A Docker-style default (what dockerd writes for default capabilities; written for this
// test): errno EPERM by default, clone without namespace flags, clone3 ENOSYS so that libc
// falls back to clone, personality by value.
TEST(OciSeccompDocker, DockerStyleProfile) {
  const json spec = json::parse(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 1,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [
      {"names": ["read", "write", "openat", "close", "mmap", "brk", "execve", "exit_group",
                 "getpid", "rt_sigreturn", "futex", "ioctl", "socket", "fstat", "newfstatat",
                 "mmap2", "fstat64", "_llseek", "socketcall"],
       "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
      {"names": ["ptrace", "mount", "unshare", "setns", "keyctl"], "action": "SCMP_ACT_ERRNO",
       "errnoRet": 1}
    ]
  })");
  auto p = policy_or_die(spec);
  EXPECT_TRUE(p.warnings.empty());
  auto c = compile_or_die(spec);
  EXPECT_TRUE(allows(c, call(SYS_clone, {CLONE_VM | CLONE_THREAD | CLONE_SIGHAND})));
  EXPECT_TRUE(allows(c, call(SYS_clone, {SIGCHLD})));
  EXPECT_TRUE(fails_with(c, call(SYS_clone, {CLONE_NEWUSER | SIGCHLD}), EPERM));
  EXPECT_TRUE(fails_with(c, call(SYS_clone, {CLONE_NEWNS}), EPERM));
  EXPECT_TRUE(fails_with(c, call(SYS_clone3), ENOSYS));
  EXPECT_TRUE(allows(c, call(SYS_personality, {8})));
  EXPECT_TRUE(fails_with(c, call(SYS_personality, {0xffff}), EPERM));
  EXPECT_TRUE(fails_with(c, call(SYS_unshare, {CLONE_NEWUSER}), EPERM));
  EXPECT_TRUE(fails_with(c, call(SYS_getppid), EPERM));
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
    EXPECT_TRUE(fails_with(c, call(120 /* clone */, {CLONE_NEWUSER}, AUDIT_ARCH_I386), EPERM));
    EXPECT_TRUE(allows(c, call(120 /* clone */, {SIGCHLD}, AUDIT_ARCH_I386)));
    expect_same_verdicts(spec, c.program.code, reference(spec, true));
  }
}

}  // namespace
}  // namespace cloister
