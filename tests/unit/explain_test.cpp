// cloister explain: the seccomp figures and rule list, and the generated groups document.
#include "plan/explain.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "policy/cli.hpp"
#include "policy/profile.hpp"

namespace cloister {
namespace {

Plan plan_for(const std::vector<std::string>& args) {
  auto parsed = cli::parse(args, cli::Dialect::Run);
  EXPECT_TRUE(parsed.ok());
  auto plan = resolve(parsed->policy, current_caller(), ResolveOptions{.summary = true});
  EXPECT_TRUE(plan.ok()) << (plan.ok() ? "" : plan.error().message());
  return std::move(*plan);
}

TEST(Explain, ShowsAllowedCountAndRules) {
  const Plan plan = plan_for({"--ro-bind", "/usr", "/usr", "true"});
  const std::string text = explain::plan_text(plan);
  ASSERT_TRUE(plan.seccomp_summary);
  const std::string figure = std::to_string(plan.seccomp_summary->allowed) + " of " +
                             std::to_string(plan.seccomp_summary->known) + " syscalls allowed";
  EXPECT_NE(text.find(figure), std::string::npos) << text;
  EXPECT_NE(text.find("ptrace: errno:EPERM  [built-in]"), std::string::npos) << text;
  EXPECT_NE(text.find("ioctl: errno:EPERM if arg1 & 0xffffffff == 0x5412"), std::string::npos)
      << text;
  EXPECT_NE(text.find("[yours]   ro-bind /usr -> /usr"), std::string::npos) << text;
  EXPECT_NE(text.find("replaced in the default view: ro-bind /usr -> /usr"), std::string::npos)
      << text;
}

// Each filesystem step says whether it comes from the default view or from the options, and
// what an option replaced in the default view.
TEST(Explain, MarksDefaultAndUserStepsAndWhatWasReplaced) {
  const Plan plan = plan_for({"--tmpfs", "/tmp", "--dir", "/work", "true"});
  const std::string text = explain::plan_text(plan);
  EXPECT_NE(text.find("[yours]   tmpfs /tmp (mode 0755)"), std::string::npos) << text;
  EXPECT_NE(text.find("[yours]   dir /work (mode 0755)"), std::string::npos) << text;
  EXPECT_NE(text.find("[default] proc /proc"), std::string::npos) << text;
  EXPECT_NE(text.find("[default] remount-ro / (root only)"), std::string::npos) << text;
  EXPECT_NE(text.find("replaced in the default view: tmpfs /tmp (mode 1777) (by tmpfs /tmp"),
            std::string::npos)
      << text;
  const std::string json = explain::plan_json(plan);
  EXPECT_NE(json.find("\"filesystem_origin\": [\"default\", "), std::string::npos) << json;
  EXPECT_NE(json.find("\"user\", \"user\", \"default\"]"), std::string::npos) << json;

  const Plan empty = plan_for({"--empty-root", "--dir", "/work", "true"});
  const std::string bare = explain::plan_text(empty);
  EXPECT_NE(bare.find("1 steps, in order: 0 from the default view, 1 from your options; the "
                      "root starts empty"),
            std::string::npos)
      << bare;
  EXPECT_NE(bare.find("1. [yours]   dir /work"), std::string::npos) << bare;
}

TEST(Explain, FiguresDifferPerProfile) {
  const Plan lax = plan_for({"--seccomp-policy", "default", "true"});
  const Plan strict = plan_for({"--seccomp-policy", "strict-daemon", "true"});
  ASSERT_TRUE(lax.seccomp_summary && strict.seccomp_summary);
  EXPECT_LT(strict.seccomp_summary->allowed, lax.seccomp_summary->allowed);
  EXPECT_NE(explain::plan_text(strict).find("default action kill-process"), std::string::npos);
  const Plan none = plan_for({"--seccomp-policy", "none", "true"});
  EXPECT_NE(explain::plan_text(none).find("seccomp: no filter of cloister's own"),
            std::string::npos);
}

TEST(Explain, JsonCarriesTheSameFigures) {
  const Plan plan = plan_for({"true"});
  const std::string json = explain::plan_json(plan);
  EXPECT_NE(json.find("\"allowed\": " + std::to_string(plan.seccomp_summary->allowed)),
            std::string::npos);
  EXPECT_NE(json.find("{\"syscall\": \"ptrace\", \"action\": \"errno:EPERM\""), std::string::npos)
      << json;
  EXPECT_EQ(json.back(), '\n');
}

TEST(Explain, GroupsDocumentIsUpToDate) {
  std::ifstream in(std::string(CLOISTER_SOURCE_DIR) + "/docs/seccomp-groups.md");
  ASSERT_TRUE(in) << "docs/seccomp-groups.md missing";
  std::stringstream all;
  all << in.rdbuf();
  const std::string doc = all.str();
  const auto table = doc.find("| group |");
  ASSERT_NE(table, std::string::npos);
  EXPECT_EQ(doc.substr(table), explain::groups_text())
      << "regenerate docs/seccomp-groups.md with cloister explain --groups";
}

TEST(Explain, ShippedProfilesCompile) {
  for (const char* name : {"network-daemon.toml"}) {
    Policy p;
    auto st = profile::load_file(std::string(CLOISTER_SOURCE_DIR) + "/profiles/" + name, p);
    ASSERT_TRUE(st.ok()) << name << ": " << st.error().message();
    auto compiled = seccomp::compile(p.seccomp);
    EXPECT_TRUE(compiled.ok()) << name << ": " << (compiled.ok() ? "" : compiled.error().message());
  }
}

}  // namespace
}  // namespace cloister
