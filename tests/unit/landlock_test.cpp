#include "plan/features.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

#include "plan/explain.hpp"
#include "plan/plan.hpp"
#include "policy/cli.hpp"
#include "policy/profile.hpp"
#include "process/status.hpp"

namespace cloister {
namespace {

LandlockPolicy everything() {
  LandlockPolicy p;
  p.paths.push_back({"/", true, false, false, false});
  p.paths.push_back({"/dev/dri", false, false, false, true});
  p.connect_ports.push_back(443);
  p.scope_abstract_unix = true;
  p.scope_signal = true;
  return p;
}

TEST(LandlockAbi, UnenforceableRightsNameTheAbiNeeded) {
  const auto at3 = landlock::unenforceable(everything(), 3);
  ASSERT_EQ(at3.size(), 4u);
  EXPECT_NE(at3[0].find("--landlock-ioctl-dev): needs Landlock ABI 5, the kernel has 3"),
            std::string::npos)
      << at3[0];
  EXPECT_NE(at3[1].find("needs Landlock ABI 4"), std::string::npos) << at3[1];
  EXPECT_NE(at3[2].find("abstract-unix scope: needs Landlock ABI 6"), std::string::npos) << at3[2];
  EXPECT_TRUE(landlock::unenforceable(everything(), 7).empty());
  const auto none = landlock::unenforceable(everything(), 0);
  EXPECT_NE(none[0].find("the kernel has no Landlock"), std::string::npos) << none[0];
}

TEST(LandlockFlags, ParseIntoThePolicy) {
  auto parsed =
      cli::parse({"--landlock-read", "/usr", "--landlock-write", "/tmp", "--landlock-exec", "/bin",
                  "--landlock-ioctl-dev", "/dev/dri", "--allow-bind", "8080", "--allow-connect",
                  "443", "--landlock-scope", "signal", "--landlock=best-effort", "true"},
                 cli::Dialect::Run);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  const auto& l = parsed->policy.landlock;
  ASSERT_EQ(l.paths.size(), 4u);
  EXPECT_TRUE(l.paths[1].write && l.paths[1].read);
  EXPECT_TRUE(l.paths[2].exec);
  EXPECT_TRUE(l.paths[3].ioctl_dev);
  EXPECT_EQ(l.bind_ports, std::vector<std::uint16_t>{8080});
  EXPECT_EQ(l.connect_ports, std::vector<std::uint16_t>{443});
  EXPECT_TRUE(l.scope_signal);
  EXPECT_FALSE(l.scope_abstract_unix);
  EXPECT_EQ(l.mode, LandlockPolicy::Mode::BestEffort);
  for (const auto& bad : std::vector<std::vector<std::string>>{{"--landlock-read", "relative"},
                                                               {"--allow-bind", "70000"},
                                                               {"--landlock-scope", "files"},
                                                               {"--landlock=maybe"}}) {
    std::vector<std::string> args = bad;
    args.push_back("true");
    EXPECT_FALSE(cli::parse(args, cli::Dialect::Run).ok()) << bad[0];
  }
}

TEST(LandlockProfile, SectionsFillThePolicy) {
  Policy p;
  auto st = profile::load_text(R"([landlock]
read = ["/usr", "/etc"]
write = ["/tmp"]
exec = ["/usr/bin"]
allow-connect = [443]
scope = ["signal"]
mode = "best-effort"
[network]
mode = "tcp"
)",
                               "l.toml", p);
  ASSERT_TRUE(st.ok()) << st.error().message();
  ASSERT_EQ(p.landlock.paths.size(), 4u);
  auto rule = [&p](const std::string& path) {
    for (const auto& r : p.landlock.paths)
      if (r.path == path) return r;
    return LandlockPolicy::PathRule{};
  };
  EXPECT_TRUE(rule("/tmp").write && rule("/tmp").read);
  EXPECT_TRUE(rule("/usr/bin").exec);
  EXPECT_TRUE(rule("/etc").read && !rule("/etc").write);
  EXPECT_EQ(p.landlock.connect_ports, std::vector<std::uint16_t>{443});
  EXPECT_TRUE(p.landlock.scope_signal);
  EXPECT_EQ(p.landlock.mode, LandlockPolicy::Mode::BestEffort);
  EXPECT_EQ(p.net, NetMode::Tcp);
  Policy bad;
  auto err = profile::load_text(
      "[landlock]\nread = [\"relative\"]\nscope = [\"files\"]\n[network]\nmode = \"wifi\"\n",
      "l.toml", bad);
  ASSERT_FALSE(err.ok());
  const std::string m = err.error().message();
  EXPECT_NE(m.find("l.toml:2:8: read paths must be absolute"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown scope 'files'"), std::string::npos) << m;
  EXPECT_NE(m.find("l.toml:5:8: mode must be one of none"), std::string::npos) << m;
}

TEST(LandlockReport, UnenforcedRightsReachTheStatusFdAndExplain) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  Plan plan;
  plan.json_status_fd = fds[1];
  plan.landlock = LandlockPolicy{};
  plan.landlock_abi = 3;
  plan.landlock_unenforced = landlock::unenforceable(everything(), 3);
  status::write_start(plan, ::getpid());
  ::close(fds[1]);
  char buf[4096] = {};
  const ssize_t n = ::read(fds[0], buf, sizeof buf - 1);
  ::close(fds[0]);
  ASSERT_GT(n, 0);
  const std::string record(buf, static_cast<std::size_t>(n));
  EXPECT_NE(record.find("\"landlock-unenforced\": [\"device ioctl rules"), std::string::npos)
      << record;
  EXPECT_EQ(record.substr(record.size() - 3), " }\n") << record;
  EXPECT_NE(explain::plan_text(plan).find("not enforced: the signal scope: needs Landlock ABI 6"),
            std::string::npos);
}

// Path rules come with the safe device nodes, and the terminal unless --new-session; rules
// that are not about paths need none.
TEST(LandlockResolve, SafeDevicesAreGrantedOnceAnyPathRuleIsGiven) {
  auto rules_for = [](std::vector<std::string> args) {
    args.insert(args.begin(), "--landlock=best-effort");
    args.push_back("true");
    auto parsed = cli::parse(args, cli::Dialect::Run);
    EXPECT_TRUE(parsed.ok());
    auto plan = resolve(parsed->policy, current_caller());
    EXPECT_TRUE(plan.ok()) << plan.error().message();
    std::map<std::string, LandlockPolicy::PathRule> rules;
    if (plan->landlock)
      for (const auto& r : plan->landlock->paths) rules[r.path] = r;
    return rules;
  };
  auto rules = rules_for({"--landlock-read", "/usr"});
  for (const char* node : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}) {
    ASSERT_TRUE(rules.count(node)) << node;
    EXPECT_TRUE(rules[node].implicit && rules[node].read && rules[node].write) << node;
    EXPECT_FALSE(rules[node].exec || rules[node].ioctl_dev) << node;
  }
  ASSERT_TRUE(rules.count("/dev/tty"));
  EXPECT_TRUE(rules["/dev/tty"].ioctl_dev);
  EXPECT_FALSE(rules["/usr"].implicit);
  EXPECT_FALSE(rules_for({"--landlock-read", "/usr", "--new-session"}).count("/dev/tty"));
  EXPECT_TRUE(rules_for({"--landlock-scope", "signal"}).empty());
  // Implicit ioctl rights are cloister's, not a request that needs Landlock ABI 5.
  LandlockPolicy only_implicit;
  only_implicit.paths.push_back({"/usr", true, false, false, false});
  only_implicit.paths.push_back({"/dev/tty", true, true, false, true, true});
  EXPECT_TRUE(landlock::unenforceable(only_implicit, 1).empty());
}

TEST(LandlockResolve, OffMeansNoLandlock) {
  auto parsed = cli::parse({"--landlock-read", "/", "--landlock=off", "true"}, cli::Dialect::Run);
  ASSERT_TRUE(parsed.ok());
  auto plan = resolve(parsed->policy, current_caller());
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_FALSE(plan->landlock);
}

}  // namespace
}  // namespace cloister
