// How a sandbox ended, from its plan and the kernel's audit records: which syscall the
// filter killed (records checked against the plan's own filters), which mechanism refused
// an exec.
#include "process/postmortem.hpp"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "policy/cli.hpp"

namespace cloister {
namespace {

Plan plan_of(const std::vector<std::string>& args) {
  auto parsed = cli::parse(args, cli::Dialect::Run);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message());
  auto plan = resolve(parsed->policy, current_caller());
  EXPECT_TRUE(plan.ok()) << (plan.ok() ? "" : plan.error().message());
  return std::move(*plan);
}

// The host uid of the sandbox's processes: the outside id of the first line of its uid map.
std::uint32_t host_uid() {
  const Plan plan = plan_of({"true"});
  if (!(plan.clone_flags & CLONE_NEWUSER)) return ::geteuid();
  unsigned long inside = 0, outside = 0;
  std::sscanf(plan.ids.uid_map.c_str(), "%lu %lu", &inside, &outside);
  return static_cast<std::uint32_t>(outside);
}

// A record as the sandbox's own processes would leave it.
postmortem::AuditRecord kill_record(long nr, std::uint32_t arch = AUDIT_ARCH_X86_64) {
  postmortem::AuditRecord r;
  r.usec = 1000;
  r.uid = host_uid();
  r.sig = SIGSYS;
  r.arch = arch;
  r.nr = nr;
  r.action = SECCOMP_RET_KILL_PROCESS;
  return r;
}

Outcome killed() { return Outcome{128 + SIGSYS, std::nullopt, {}}; }

std::string only_line(const std::vector<std::string>& lines) {
  EXPECT_EQ(lines.size(), 1u);
  return lines.empty() ? "" : lines.front();
}

TEST(PostmortemKmsg, ParsesTheKernelsSeccompRecord) {
  auto r = postmortem::parse_kmsg(
      "5,812,720288677,-;audit: type=1326 audit(1796398073.849:5): auid=4294967295 uid=65534 "
      "gid=65534 ses=4294967295 pid=4156 comm=\"probe\" exe=\"/probe\" sig=31 arch=c000003e "
      "syscall=170 compat=0 ip=0x53cd99 code=0x80000000\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->usec, 720288677u);
  EXPECT_EQ(r->uid, 65534u);
  EXPECT_EQ(r->pid, 4156);
  EXPECT_EQ(r->sig, 31);
  EXPECT_EQ(r->arch, static_cast<std::uint32_t>(AUDIT_ARCH_X86_64));
  EXPECT_EQ(r->nr, 170);
  EXPECT_EQ(r->action, SECCOMP_RET_KILL_PROCESS);
}

TEST(PostmortemKmsg, OtherRecordsAndGarbageAreNotSeccompRecords) {
  EXPECT_FALSE(postmortem::parse_kmsg("6,1,2,-;eth0: link up"));
  EXPECT_FALSE(postmortem::parse_kmsg("garbage"));
  EXPECT_FALSE(postmortem::parse_kmsg("6,1,2,-;audit: type=1326 sig=31"));  // fields missing
  EXPECT_FALSE(
      postmortem::parse_kmsg("6,1,x,-;audit: type=1326 uid=0 sig=31 arch=c000003e "
                             "syscall=1 code=0x0"));
}

TEST(PostmortemSigsys, TheAuditRecordNamesTheSyscall) {
  const auto plan = plan_of({"--seccomp-policy", "strict-daemon", "true"});
  const auto line = only_line(postmortem::explain(plan, killed(), {kill_record(SYS_sethostname)}));
  EXPECT_NE(line.find("killed by the seccomp filter (SIGSYS) at syscall sethostname (the "
                      "kernel's audit log says so)"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("allow = [\"sethostname\"]"), std::string::npos) << line;
}

TEST(PostmortemSigsys, RecordsThePlanDoesNotExplainAreIgnored) {
  const auto plan = plan_of({"--seccomp-policy", "strict-daemon", "true"});
  auto allowed = kill_record(SYS_read);  // strict-daemon allows read: another process's record
  auto other_user = kill_record(SYS_sethostname);
  other_user.uid = host_uid() + 12345;
  auto not_a_kill = kill_record(SYS_sethostname);
  not_a_kill.action = SECCOMP_RET_LOG;
  const auto line =
      only_line(postmortem::explain(plan, killed(), {allowed, other_user, not_a_kill}));
  EXPECT_NE(line.find("most likely killed by the seccomp filter (SIGSYS), which kills every "
                      "syscall it does not allow"),
            std::string::npos)
      << line;
}

TEST(PostmortemSigsys, TheLatestMatchingRecordIsTheSandboxs) {
  const auto plan = plan_of({"--seccomp-policy", "strict-daemon", "true"});
  const auto line = only_line(postmortem::explain(
      plan, killed(), {kill_record(SYS_sethostname), kill_record(SYS_setdomainname)}));
  EXPECT_NE(line.find("at syscall setdomainname"), std::string::npos) << line;
}

TEST(PostmortemSigsys, ForeignEntryPointsAreAllowedByTheirOwnKeys) {
  const auto plan = plan_of({"true"});
  const auto x32 =
      only_line(postmortem::explain(plan, killed(), {kill_record(SYS_getppid | 0x40000000)}));
  EXPECT_NE(x32.find("at syscall getppid (x32)"), std::string::npos) << x32;
  EXPECT_NE(x32.find("allow-x32 = true"), std::string::npos) << x32;
  const auto i386 =
      only_line(postmortem::explain(plan, killed(), {kill_record(20, AUDIT_ARCH_I386)}));
  EXPECT_NE(i386.find("at syscall getpid (i386)"), std::string::npos) << i386;
  EXPECT_NE(i386.find("allow-i386 = true"), std::string::npos) << i386;
}

TEST(PostmortemSigsys, WithoutARecordThePlanSaysWhatItKills) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cloister-postmortem-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "p.toml").string();
  std::ofstream(path) << "[seccomp]\ndeny = [{ name = \"getppid\", action = \"kill-process\" }]\n";
  const auto plan = plan_of({"--profile", path, "true"});
  std::filesystem::remove_all(dir);
  const auto line = only_line(postmortem::explain(plan, killed(), {}));
  EXPECT_NE(line.find("exit status 159 is 128+SIGSYS"), std::string::npos) << line;
  EXPECT_NE(line.find("which kills getppid, x32 syscalls, i386 syscalls"), std::string::npos)
      << line;
  EXPECT_NE(line.find("allow = [\"getppid\"]"), std::string::npos) << line;  // the only one
}

TEST(PostmortemSigsys, NoFilterNoWord) {
  EXPECT_TRUE(
      postmortem::explain(plan_of({"--seccomp-policy", "none", "true"}), killed(), {}).empty());
  // Other statuses say nothing either.
  EXPECT_TRUE(postmortem::explain(plan_of({"true"}), Outcome{137, std::nullopt, {}}, {}).empty());
}

Outcome exec_failed(int err) {
  return Outcome{err == ENOENT ? 127 : 126, Error{"exec", "execvp", "/cmd", err, ""}, {}};
}

TEST(PostmortemExec, RefusedBySeccomp) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cloister-postmortem-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "p.toml").string();
  std::ofstream(path) << "[seccomp]\ndeny = [{ name = \"execve\", action = \"errno:EACCES\" }]\n";
  const auto plan = plan_of({"--profile", path, "true"});
  std::filesystem::remove_all(dir);
  EXPECT_NE(only_line(postmortem::explain(plan, exec_failed(EACCES), {}))
                .find("refused by the seccomp filter (execve: errno:EACCES)"),
            std::string::npos);
}

TEST(PostmortemExec, RefusedByLandlockOrNeither) {
  auto plan = plan_of({"--landlock-read", "/", "--landlock-exec", "/usr", "/cmd"});
  ASSERT_TRUE(plan.landlock);
  plan.landlock_abi = 1;  // whatever this kernel has: the plan decides
  plan.exec_path = "/cmd";
  EXPECT_NE(only_line(postmortem::explain(plan, exec_failed(EACCES), {}))
                .find("refused by Landlock: executing is allowed only beneath the "
                      "--landlock-exec paths (/usr)"),
            std::string::npos);
  plan.exec_path = "/usr/bin/cmd";
  EXPECT_NE(only_line(postmortem::explain(plan, exec_failed(EACCES), {}))
                .find("neither seccomp nor Landlock refused the exec"),
            std::string::npos);
  plan.exec_path = "/usrx/cmd";  // a prefix of the text, not a directory above it
  EXPECT_NE(only_line(postmortem::explain(plan, exec_failed(EACCES), {})).find("by Landlock"),
            std::string::npos);
  EXPECT_TRUE(postmortem::explain(plan, exec_failed(ENOENT), {}).empty());
}

}  // namespace
}  // namespace cloister
