// What ended a sandbox, told to the user once it has ended: a COMMAND killed by the seccomp
// filter (SIGSYS; which syscall, where the kernel's audit log says so; how to allow it), and
// an exec refused by seccomp or by Landlock (which of the two). Works in the parent from the
// plan alone (its filters are emulated) and /dev/kmsg where the caller may read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan/plan.hpp"
#include "process/launcher.hpp"

namespace cloister::postmortem {

// A seccomp record of the kernel's audit log (type=1326), as /dev/kmsg gives it when no
// audit daemon takes them: "6,812,720288677,-;audit: type=1326 ... uid=65534 ... pid=4156
// comm="probe" exe="/probe" sig=31 arch=c000003e syscall=170 compat=0 ip=0x53cd99
// code=0x80000000".
struct AuditRecord {
  std::uint64_t usec = 0;  // the record's time, CLOCK_MONOTONIC microseconds
  std::uint32_t uid = 0;   // in the initial user namespace
  long pid = 0;            // in the initial PID namespace
  int sig = 0;
  std::uint32_t arch = 0;  // AUDIT_ARCH_*
  long nr = -1;
  std::uint32_t action = 0;  // SECCOMP_RET_ACTION_FULL part of the filter's answer
};

std::optional<AuditRecord> parse_kmsg(std::string_view record);

// Seccomp records logged at or after `since_usec`; empty when /dev/kmsg cannot be read
// (unprivileged callers, kernel.dmesg_restrict) or the kernel logs none (no audit).
std::vector<AuditRecord> read_audit_log(std::uint64_t since_usec);

// CLOCK_MONOTONIC in microseconds, the clock of /dev/kmsg's timestamps.
std::uint64_t now_usec();

// Lines for stderr (without "cloister: ") about how the sandbox ended; `log` holds the audit
// records of its lifetime.
std::vector<std::string> explain(const Plan& plan, const Outcome& outcome,
                                 const std::vector<AuditRecord>& log);

// explain(), reading the audit log only when a COMMAND was killed by SIGSYS.
std::vector<std::string> report(const Plan& plan, const Outcome& outcome,
                                std::uint64_t started_usec);

}  // namespace cloister::postmortem
