// Seccomp: compile a SeccompPolicy to a BPF program in the parent (libseccomp, binary-tree
// optimised, native architecture only), install it in the child as the very last step.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"

namespace cloister::seccomp {

struct Program {
  std::vector<sock_filter> code;
};

// The effective decision for one syscall of the native architecture, or of a covered compat
// entry point only (i386's mmap2 with allow_i386: nr is libseccomp's negative pseudo number).
struct Entry {
  std::string name;
  int nr = -1;
  std::vector<SeccompRule> rules;  // conditional and unconditional, from the deciding layer
};

struct Compiled {
  // One program, whatever the policy: a second stacked filter could not be installed once
  // the first forbids seccomp(2), as every allowlist without @sandbox does. Conditional
  // denials that refine a catch-all which is not the default action (TIOCSTI under an
  // allowlist that allows ioctl) run in front of the rest of the program.
  Program program;
  SeccompAction default_action;
  std::vector<Entry> entries;             // syscalls with rules, sorted by name
  std::size_t allowed = 0;                // native syscalls always allowed
  std::size_t allowed_conditionally = 0;  // allowed for some arguments only
  std::size_t known = 0;                  // native syscalls libseccomp knows
  std::vector<std::string> warnings;      // names unknown here but known on other architectures
};

// The origin of the rules every filter whose default is not "allow" gets implicitly: execve,
// execveat, exit, exit_group and rt_sigreturn, which exec'ing COMMAND needs. The lowest
// layer: a base or profile that names one of them decides.
inline constexpr const char* kImplicitOrigin = "implicit: needed to exec COMMAND";

// The built-in bases, as layers (bottom first): "default", "strict-daemon", "none".
Result<std::vector<std::vector<SeccompRule>>> builtin_rules(const std::string& base,
                                                            SeccompAction& default_action);

struct CompileOptions {
  // libseccomp's binary tree over syscall numbers (SCMP_FLTATR_CTL_OPTIMIZE=2). false gives
  // libseccomp's default shape (a linear sequence), as most sandboxes build it: for
  // benchmarks and comparisons.
  bool binary_tree = true;
  // Fill Compiled's allowed/known figures (1024 libseccomp lookups: for explain, not run).
  bool count = true;
  // A supervisor holds the filter's listener (cloister learn): the notify action is allowed.
  bool listener = false;
  // The filter goes on before exec'ing COMMAND: exec and exit are allowed implicitly. false
  // for a daemon confining itself (the library), which allows only what it names.
  bool exec_command = true;
};

Result<Compiled> compile(const SeccompPolicy& policy, const CompileOptions& options = {});

// Whether a syscall name exists on this architecture, only on others, or nowhere
// (libseccomp's tables). Front ends report Unknown names; the compiler warns of the others.
enum class SyscallName : std::uint8_t { Native, OtherArchitecture, Unknown };
SyscallName classify(const std::string& name);

// "kill-process", "errno:EPERM", ... <-> SeccompAction
Result<SeccompAction> parse_action(const std::string& text);
std::string action_name(const SeccompAction& action);

// Reads a ready BPF program (bwrap's --seccomp FD format: raw struct sock_filter array);
// refuses a size that is not a whole number of instructions.
Result<Program> read_program(int fd, const std::string& option);
// Refuses an empty program or one longer than the kernel takes. Checked once every program
// is read, so a malformed one is reported first, as bubblewrap does.
Status check_length(const Program& program, const std::string& option);

// Filters are stacked by one prctl(PR_SET_SECCOMP) or seccomp(2) call each (install()), which
// the filters installed before must allow. The first `own` programs are cloister's (its
// filter and the stacked policies' ones): one that forbids both calls (an allowlist without
// @sandbox) goes after the others, and they after the ready programs, which keep their order
// (bubblewrap's rule: each but the last allows prctl). Two of cloister's that forbid both
// cannot be installed together: an error naming them (`own_names`, one per own program, may
// be empty). The order decides only which errno a call gets when two filters refuse it with
// different ones.
Status order_for_install(std::vector<Program>& programs, std::size_t own,
                         const std::vector<std::string>& own_names = {});

}  // namespace cloister::seccomp
