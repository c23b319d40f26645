#include "isolate/rlimits.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include "kernel/rlimit_names.hpp"
#include "plan/features.hpp"
#include "policy/cli.hpp"
#include "policy/profile.hpp"
#include "policy/rlimit_parse.hpp"

namespace cloister {
namespace {

TEST(Rlimits, ParsesNamesValuesAndSuffixes) {
  auto a = rlimits::parse("nofile=1024:4096", "--rlimit");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->resource, RLIMIT_NOFILE);
  EXPECT_EQ(a->soft, 1024u);
  EXPECT_EQ(a->hard, 4096u);
  auto b = rlimits::parse("RLIMIT_AS=1G", "--rlimit");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->resource, RLIMIT_AS);
  EXPECT_EQ(b->soft, 1ULL << 30);
  EXPECT_EQ(b->hard, 1ULL << 30);
  auto c = rlimits::parse("core=0:unlimited", "--rlimit");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->hard, RLIM_INFINITY);
  for (const char* name :
       {"as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
        "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"})
    EXPECT_TRUE(rlimits::resource_from_name(name)) << name;
}

TEST(Rlimits, RejectsMalformed) {
  for (const char* bad :
       {"nofile", "nofile=", "nofile=x", "bogus=1", "nofile=10:5", "as=99999999999G"}) {
    auto r = rlimits::parse(bad, "--rlimit");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().step, "--rlimit");
  }
}

// An error names what set the limit (an OCI config's key), not cloister run's --rlimit. A
// nofile hard limit above fs.nr_open is refused to anyone: nothing is changed here.
TEST(Rlimits, ApplyNamesWhereTheLimitCameFrom) {
  RlimitSetting s{RLIMIT_NOFILE, 16, std::uint64_t{1} << 40, "process.rlimits[3]"};
  auto st = rlimits::apply(s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().step, "process.rlimits[3]");
  EXPECT_EQ(st.error().err, EPERM);
  EXPECT_NE(st.error().hint.find("fs.nr_open"), std::string::npos) << st.error().hint;
  s.origin = "";
  st = rlimits::apply(s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().step, "--rlimit");
}

TEST(Rlimits, AboveTheCallersHardLimitIsAnError) {
  rlimit current{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &current), 0);
  if (current.rlim_max == RLIM_INFINITY)
    GTEST_SKIP() << "the caller's nofile hard limit is unlimited";
  RlimitSetting above{RLIMIT_NOFILE, current.rlim_max + 1, current.rlim_max + 1, ""};
  auto st = rlimits::check_against_caller(above, "--rlimit");
  // Only a caller holding CAP_SYS_RESOURCE may raise it.
  if (st.ok()) GTEST_SKIP() << "the caller holds CAP_SYS_RESOURCE";
  EXPECT_EQ(st.error().err, EPERM);
  EXPECT_NE(st.error().hint.find(std::to_string(current.rlim_max)), std::string::npos);
  RlimitSetting within{RLIMIT_NOFILE, 16, current.rlim_max, ""};
  EXPECT_TRUE(rlimits::check_against_caller(within, "--rlimit").ok());
}

TEST(Rlimits, FromFlagsAndProfiles) {
  auto parsed = cli::parse({"--rlimit", "nproc=50", "true"}, cli::Dialect::Run);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->policy.rlimits.size(), 1u);
  EXPECT_EQ(parsed->policy.rlimits[0].resource, RLIMIT_NPROC);
  Policy p;
  ASSERT_TRUE(profile::load_text("[rlimits]\nnofile = 64\ncore = \"0:0\"\nas = \"unlimited\"\n",
                                 "r.toml", p)
                  .ok());
  ASSERT_EQ(p.rlimits.size(), 3u);
  // Errors about a limit name where it came from.
  EXPECT_EQ(parsed->policy.rlimits[0].origin, "--rlimit");
  for (const auto& limit : p.rlimits)
    EXPECT_EQ(limit.origin, "[rlimits] " + std::string(rlimits::name_of(limit.resource)));
  Policy bad;
  auto st = profile::load_text("[rlimits]\nnofile = \"lots\"\n", "r.toml", bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("r.toml:2:10"), std::string::npos) << st.error().message();
}

TEST(CgroupProfile, SectionFillsThePolicy) {
  Policy p;
  auto st = profile::load_text(R"([cgroup]
memory-max = "512M"
memory-swap-max = "1G"
pids-max = 100
cpus = 1.5
cpu-weight = 200
io-weight = 50
parent = "/my/slice"
mode = "best-effort"
)",
                               "c.toml", p);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(p.cgroup.memory_max, 512ULL << 20);
  EXPECT_EQ(p.cgroup.memory_swap_max, 1ULL << 30);
  EXPECT_EQ(p.cgroup.pids_max, 100u);
  EXPECT_EQ(p.cgroup.cpu_quota_us, 150000u);
  EXPECT_EQ(p.cgroup.cpu_period_us, 100000u);
  EXPECT_EQ(p.cgroup.cpu_weight, 200u);
  EXPECT_EQ(p.cgroup.io_weight, 50u);
  EXPECT_EQ(p.cgroup.parent, "/my/slice");
  EXPECT_TRUE(p.cgroup.best_effort);
  Policy q;
  ASSERT_TRUE(profile::load_text("[cgroup]\ncpu-max = \"50000/100000\"\n", "c.toml", q).ok());
  EXPECT_EQ(q.cgroup.cpu_quota_us, 50000u);
  Policy bad;
  auto err =
      profile::load_text("[cgroup]\npids-max = 0\ncpu-weight = 99999\nswap = 1\n", "c.toml", bad);
  ASSERT_FALSE(err.ok());
  const std::string m = err.error().message();
  EXPECT_NE(m.find("c.toml:2:12"), std::string::npos) << m;
  EXPECT_NE(m.find("c.toml:3:14"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown key 'swap'"), std::string::npos) << m;
}

TEST(CgroupFlags, ParseIntoThePolicy) {
  auto parsed =
      cli::parse({"--memory-max", "64M", "--pids-max", "10", "--cpus", "0.5", "--cpu-weight", "300",
                  "--io-weight", "20", "--cgroup-parent", "/x", "--cgroup=best-effort", "true"},
                 cli::Dialect::Run);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  const auto& cg = parsed->policy.cgroup;
  EXPECT_EQ(cg.memory_max, 64ULL << 20);
  EXPECT_EQ(cg.pids_max, 10u);
  EXPECT_EQ(cg.cpu_quota_us, 50000u);
  EXPECT_EQ(cg.cpu_weight, 300u);
  EXPECT_EQ(cg.io_weight, 20u);
  EXPECT_EQ(cg.parent, "/x");
  EXPECT_TRUE(cg.best_effort);
  auto cpu = cli::parse({"--cpu-max", "20000/50000", "true"}, cli::Dialect::Run);
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ(cpu->policy.cgroup.cpu_quota_us, 20000u);
  EXPECT_EQ(cpu->policy.cgroup.cpu_period_us, 50000u);
  for (const auto& bad : std::vector<std::vector<std::string>>{{"--pids-max", "0"},
                                                               {"--cpus", "x"},
                                                               {"--cpu-max", "100"},
                                                               {"--cpu-weight", "0"},
                                                               {"--memory-max", "lots"},
                                                               {"--cgroup=maybe"}}) {
    std::vector<std::string> args = bad;
    args.push_back("true");
    EXPECT_FALSE(cli::parse(args, cli::Dialect::Run).ok()) << bad[0];
  }
}

}  // namespace
}  // namespace cloister
