#include "learn/filter.hpp"

namespace cloister::learn {
namespace {

constexpr std::string_view kUnobserved[] = {
    "read",           "write",         "readv",           "writev",         "pread64",
    "pwrite64",       "lseek",         "close",           "fstat",          "newfstatat",
    "statx",          "mmap",          "munmap",          "mprotect",       "mremap",
    "madvise",        "brk",           "rt_sigaction",    "rt_sigprocmask", "rt_sigreturn",
    "futex",          "getpid",        "gettid",          "exit",           "exit_group",
    "sched_yield",    "clock_gettime", "clock_nanosleep", "nanosleep",      "gettimeofday",
    "restart_syscall"};

}  // namespace

std::span<const std::string_view> unobserved() { return kUnobserved; }

Result<seccomp::Program> notify_program(int socket_fd) {
  SeccompPolicy policy;
  policy.base = "none";
  policy.default_action = SeccompAction{SeccompAction::Kind::Notify, 0};
  const SeccompAction allow{SeccompAction::Kind::Allow, 0};
  std::vector<SeccompRule> layer;
  for (auto name : kUnobserved) layer.push_back({std::string(name), {}, allow, "learn"});
  layer.push_back({"sendmsg",
                   {{0, SeccompCondition::Op::Eq, static_cast<std::uint64_t>(socket_fd), ~0ULL}},
                   allow,
                   "learn"});
  policy.layers.push_back(std::move(layer));
  auto compiled = seccomp::compile(policy, {.binary_tree = true, .count = false, .listener = true});
  if (!compiled) return compiled.take_error();
  return std::move(compiled->program);
}

}  // namespace cloister::learn
