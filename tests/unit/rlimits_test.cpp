#include "isolate/rlimits.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include "policy/cli.hpp"
#include "policy/profile.hpp"

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

TEST(Rlimits, AboveTheCallersHardLimitIsAnError) {
  rlimit current{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &current), 0);
  if (current.rlim_max == RLIM_INFINITY)
    GTEST_SKIP() << "the caller's nofile hard limit is unlimited";
  RlimitSetting above{RLIMIT_NOFILE, current.rlim_max + 1, current.rlim_max + 1};
  auto st = rlimits::check_against_caller(above, "--rlimit");
  // Only a caller holding CAP_SYS_RESOURCE may raise it.
  if (st.ok()) GTEST_SKIP() << "the caller holds CAP_SYS_RESOURCE";
  EXPECT_EQ(st.error().err, EPERM);
  EXPECT_NE(st.error().hint.find(std::to_string(current.rlim_max)), std::string::npos);
  RlimitSetting within{RLIMIT_NOFILE, 16, current.rlim_max};
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
  Policy bad;
  auto st = profile::load_text("[rlimits]\nnofile = \"lots\"\n", "r.toml", bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("r.toml:2:10"), std::string::npos) << st.error().message();
}

}  // namespace
}  // namespace cloister
