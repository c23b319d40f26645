// cloister learn's planning side, without a sandbox: Landlock grants from used paths, the
// network mode that fits, the notifying filter's verdicts, and profiles written from
// recordings loaded back through the profile loader (what `cloister run --profile` reads).
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "learn/filter.hpp"
#include "learn/grants.hpp"
#include "learn/profile_writer.hpp"
#include "learn/recording.hpp"
#include "learn/sandbox_view.hpp"
#include "plan/plan.hpp"
#include "policy/profile.hpp"
#include "seccomp/emulator.hpp"
#include "seccomp/filter.hpp"

namespace cloister {
namespace {

using learn::Grant;
using learn::PathUse;

std::vector<std::string> paths_of(const std::vector<Grant>& grants) {
  std::vector<std::string> out;
  for (const auto& g : grants) out.push_back(g.path);
  return out;
}

const Grant* find(const std::vector<Grant>& grants, const std::string& path) {
  for (const auto& g : grants)
    if (g.path == path) return &g;
  return nullptr;
}

TEST(LearnGrants, FewFilesStayExact) {
  std::map<std::string, PathUse> used = {{"/usr/lib/x/a.so", {.read = true}},
                                         {"/usr/lib/x/b.so", {.read = true}},
                                         {"/etc/hosts", {.read = true}}};
  auto g = learn::grants_for(used);
  EXPECT_EQ(paths_of(g.read),
            (std::vector<std::string>{"/etc/hosts", "/usr/lib/x/a.so", "/usr/lib/x/b.so"}));
  for (const auto& grant : g.read) EXPECT_TRUE(grant.wider.empty()) << grant.path;
}

TEST(LearnGrants, ManyFilesCollapseToTheirDirectoryAndSaySo) {
  std::map<std::string, PathUse> used;
  for (int i = 0; i < 5; ++i) used["/usr/lib/python3/m" + std::to_string(i) + ".py"].read = true;
  used["/usr/lib/python3/sub/deep.py"].read = true;
  auto g = learn::grants_for(used);
  ASSERT_EQ(paths_of(g.read), (std::vector<std::string>{"/usr/lib/python3"}));
  EXPECT_NE(g.read[0].wider.find("5 entries used"), std::string::npos) << g.read[0].wider;
}

TEST(LearnGrants, NeverCollapsesIntoATopLevelDirectory) {
  std::map<std::string, PathUse> used;
  for (const char* f : {"/etc/a", "/etc/b", "/etc/c", "/etc/d", "/etc/e"}) used[f].read = true;
  auto g = learn::grants_for(used);
  EXPECT_EQ(g.read.size(), 5u);
  EXPECT_EQ(find(g.read, "/etc"), nullptr);
}

TEST(LearnGrants, ListedDirectoriesAndCreatedFilesAreWiderAndSaySo) {
  std::map<std::string, PathUse> used = {{"/usr", {.read = true, .list = true}},
                                         {"/usr/bin/ls", {.read = true}},
                                         {"/tmp/out", {.create = true}},
                                         {"/proc", {.read = true}},
                                         {"/dev/null", {.write = true}}};
  auto g = learn::grants_for(used);
  EXPECT_EQ(paths_of(g.read), (std::vector<std::string>{"/proc", "/usr"}));  // ls under /usr
  ASSERT_NE(find(g.read, "/usr"), nullptr);
  EXPECT_NE(find(g.read, "/usr")->wider.find("reading anything beneath"), std::string::npos);
  EXPECT_NE(find(g.read, "/proc")->wider, "");
  EXPECT_EQ(paths_of(g.write), (std::vector<std::string>{"/dev/null", "/tmp"}));
  EXPECT_NE(find(g.write, "/tmp")->wider.find("created"), std::string::npos);
  EXPECT_EQ(find(g.write, "/dev/null")->wider, "");
}

TEST(LearnGrants, ExecAndWriteCoverReads) {
  std::map<std::string, PathUse> used = {{"/usr/bin/gzip", {.read = true, .exec = true}},
                                         {"/w/file", {.read = true, .write = true}}};
  auto g = learn::grants_for(used);
  EXPECT_TRUE(g.read.empty());
  EXPECT_EQ(paths_of(g.exec), (std::vector<std::string>{"/usr/bin/gzip"}));
  EXPECT_EQ(paths_of(g.write), (std::vector<std::string>{"/w/file"}));
}

TEST(LearnPaths, NormaliseIsLexical) {
  EXPECT_EQ(learn::normalise("/a/./b/../c//d/"), "/a/c/d");
  EXPECT_EQ(learn::normalise("/.."), "/");
  EXPECT_EQ(learn::normalise("/"), "/");
}

TEST(LearnNetwork, NarrowestModeThatFits) {
  learn::Recording none, tcp, udp, unix_abstract;
  tcp.inet = true;
  tcp.tcp_bind = {8000};
  udp.inet = true;
  udp.not_tcp = true;
  unix_abstract.abstract_unix = true;
  learn::LearnedIn host{NetMode::Host, false, "default"};
  learn::LearnedIn own{NetMode::Unset, true, "default"};
  EXPECT_EQ(learn::network_for(none, host), NetMode::None);
  EXPECT_EQ(learn::network_for(tcp, host), NetMode::Tcp);
  EXPECT_EQ(learn::network_for(udp, host), NetMode::Host);
  EXPECT_EQ(learn::network_for(unix_abstract, host), NetMode::Host);
  EXPECT_EQ(learn::network_for(tcp, own), NetMode::None);  // it reached only its own lo
  EXPECT_EQ(learn::network_for(tcp, {NetMode::Pasta, true, "default"}), NetMode::Pasta);
  EXPECT_EQ(learn::wider(NetMode::None, NetMode::Tcp), NetMode::Tcp);
  EXPECT_EQ(learn::wider(NetMode::Tcp, NetMode::Pasta), NetMode::Host);
}

// Every syscall a built-in base refines with conditions must be learned with conditions
// too: an unconditional learned rule for it would override the base's denials.
TEST(LearnRecording, EverySyscallTheBasesConditionIsConditioned) {
  for (const char* base : {"default", "strict-daemon"}) {
    SeccompAction ignored;
    auto layers = seccomp::builtin_rules(base, ignored);
    ASSERT_TRUE(layers.ok());
    for (const auto& layer : *layers)
      for (const auto& rule : layer)
        if (!rule.conditions.empty()) {
          EXPECT_GE(learn::conditioned_argument(rule.name), 0) << base << ": " << rule.name;
          EXPECT_EQ(learn::conditioned_argument(rule.name),
                    static_cast<int>(rule.conditions.front().index))
              << rule.name;
        }
  }
}

learn::Recording sample() {
  learn::Recording r;
  r.syscalls = {"openat", "execve", "getdents64", "bind", "listen", "accept4"};
  r.values["ioctl"] = {TCGETS, TIOCGWINSZ};
  r.values["socket"] = {AF_UNIX, AF_INET6};
  r.values["clone"] = {CLONE_VM | CLONE_VFORK | SIGCHLD};
  r.values["prctl"] = {PR_SET_NAME};
  r.paths["/usr/bin/python3.11"] = {.read = true, .exec = true};
  r.paths["/srv/www"] = {.read = true, .list = true};
  r.paths["/tmp/cache/x"] = {.create = true};
  r.inet = true;
  r.tcp_bind = {8080};
  r.notifications = 42;
  return r;
}

TEST(LearnProfile, LoadsBackThroughTheProfileLoader) {
  const learn::Recording r = sample();
  const auto text = learn::profile_text(r, {NetMode::Host, false, "default"}, "python3 -m x");
  Policy policy;
  auto loaded = profile::load_text(text.text, "learned.toml", policy);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message() << "\n" << text.text;
  EXPECT_EQ(policy.net, NetMode::Tcp);
  EXPECT_EQ(policy.landlock.bind_ports, (std::vector<std::uint16_t>{8080}));
  EXPECT_TRUE(policy.landlock.connect_ports.empty());
  EXPECT_EQ(policy.seccomp.base, "default");
  ASSERT_TRUE(policy.seccomp.default_action);
  EXPECT_EQ(policy.seccomp.default_action->kind, SeccompAction::Kind::KillProcess);
  EXPECT_NE(text.text.find("only as complete as the run"), std::string::npos);
  EXPECT_NE(text.text.find("value = \"TCGETS\""), std::string::npos) << text.text;
  EXPECT_NE(text.text.find("CLONE_VM|CLONE_VFORK|0x11"), std::string::npos) << text.text;
  // The compiled policy allows what was recorded and nothing else.
  auto compiled = seccomp::compile(policy.seccomp);
  ASSERT_TRUE(compiled.ok()) << compiled.error().message();
  auto verdict = [&](int nr, std::initializer_list<std::uint64_t> args) {
    seccomp_data d{};
    d.nr = nr;
    d.arch = AUDIT_ARCH_X86_64;
    std::size_t i = 0;
    for (auto a : args) d.args[i++] = a;
    return seccomp::emulate(compiled->program.code, d).action;
  };
  EXPECT_EQ(verdict(SYS_openat, {}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(SYS_read, {}), SECCOMP_RET_ALLOW);  // unobserved base, always allowed
  EXPECT_EQ(verdict(SYS_ioctl, {0, TCGETS}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(SYS_ioctl, {0, FIONREAD}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(SYS_socket, {AF_INET6, SOCK_STREAM}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(SYS_socket, {AF_INET, SOCK_STREAM}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(SYS_clone, {CLONE_VM | CLONE_VFORK | SIGCHLD}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(SYS_clone, {CLONE_NEWUSER | SIGCHLD}), SECCOMP_RET_ERRNO);  // base's denial
  EXPECT_EQ(verdict(SYS_mkdir, {}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(SYS_clone3, {}), SECCOMP_RET_ERRNO);  // ENOSYS kept from the base
}

TEST(LearnProfile, AppendMergesAnEarlierProfile) {
  const auto first = learn::profile_text(sample(), {NetMode::Host, false, "default"}, "one");
  char path[] = "/tmp/cloister-learn-test-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, first.text.data(), first.text.size()),
            static_cast<ssize_t>(first.text.size()));
  ::close(fd);
  learn::Recording merged;
  NetMode previous = NetMode::Unset;
  auto loaded = learn::load_previous(path, merged, previous);
  ::unlink(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(previous, NetMode::Tcp);
  EXPECT_TRUE(merged.syscalls.count("getdents64"));
  EXPECT_EQ(merged.values["ioctl"], (std::set<std::uint64_t>{TCGETS, TIOCGWINSZ}));
  EXPECT_EQ(merged.tcp_bind, (std::set<std::uint16_t>{8080}));
  learn::Recording second;
  second.syscalls = {"mkdir"};
  second.values["ioctl"] = {FIONREAD};
  merged.merge(second);
  learn::LearnedIn in{NetMode::Unset, true, "default"};
  in.previous = previous;
  const auto text = learn::profile_text(merged, in, "two");
  Policy policy;
  ASSERT_TRUE(profile::load_text(text.text, "merged.toml", policy).ok()) << text.text;
  EXPECT_EQ(policy.net, NetMode::Tcp);  // the wider of the two runs' networks
  EXPECT_NE(text.text.find("\"mkdir\""), std::string::npos);
  EXPECT_NE(text.text.find("\"getdents64\""), std::string::npos);
  EXPECT_NE(text.text.find("TIOCINQ"), std::string::npos) << text.text;  // = FIONREAD
  EXPECT_NE(text.text.find("\"/srv/www\""), std::string::npos);
}

seccomp_data call(int nr, std::initializer_list<std::uint64_t> args = {}) {
  seccomp_data d{};
  d.nr = nr;
  d.arch = AUDIT_ARCH_X86_64;
  std::size_t i = 0;
  for (auto a : args) d.args[i++] = a;
  return d;
}

TEST(LearnFilter, NotifiesAllButTheBaseAndTheListenerSend) {
  auto program = learn::notify_program(901);
  ASSERT_TRUE(program.ok()) << program.error().message();
  auto action = [&](const seccomp_data& d) { return seccomp::emulate(program->code, d).action; };
  EXPECT_EQ(action(call(SYS_read)), SECCOMP_RET_ALLOW);
  EXPECT_EQ(action(call(SYS_futex)), SECCOMP_RET_ALLOW);
  EXPECT_EQ(action(call(SYS_openat)), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(action(call(SYS_execve)), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(action(call(SYS_sendmsg, {901})), SECCOMP_RET_ALLOW);
  EXPECT_EQ(action(call(SYS_sendmsg, {3})), SECCOMP_RET_USER_NOTIF);
  EXPECT_EQ(learn::unobserved().size(),
            static_cast<std::size_t>(std::count_if(
                learn::unobserved().begin(), learn::unobserved().end(), [&](std::string_view n) {
                  return action(call(seccomp_syscall_resolve_name(std::string(n).c_str()))) ==
                         SECCOMP_RET_ALLOW;
                })));
}

TEST(SeccompNotify, ActionNamedInProfilesAndRefusedWithoutAListener) {
  auto parsed = seccomp::parse_action("notify");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->kind, SeccompAction::Kind::Notify);
  EXPECT_EQ(seccomp::action_name(*parsed), "notify");
  Policy policy;
  ASSERT_TRUE(profile::load_text("[seccomp]\ndeny = [{ name = \"mkdir\", action = \"notify\" }]\n",
                                 "n.toml", policy)
                  .ok());
  auto compiled = seccomp::compile(policy.seccomp);
  ASSERT_FALSE(compiled.ok());
  EXPECT_NE(compiled.error().message().find("only cloister learn listens"), std::string::npos)
      << compiled.error().message();
  auto listened = seccomp::compile(policy.seccomp, {.listener = true});
  EXPECT_TRUE(listened.ok());
}

}  // namespace
}  // namespace cloister
