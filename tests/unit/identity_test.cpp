// Who the sandbox is on the host, and what it inherits: root's sandbox maps onto nobody
// unless root keeps its ids explicitly; cloister run closes inherited descriptors.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "plan/explain.hpp"
#include "plan/plan.hpp"
#include "policy/cli.hpp"

namespace cloister {
namespace {

using Args = std::vector<std::string>;

Caller host_root() {
  Caller c{0, 0, "/", 0};
  c.host_root = true;
  return c;
}
const Caller kContainerRoot{0, 0, "/", 0};  // uid 0 of a user namespace: not host root
const Caller kUser{1000, 1001, "/home/user", 0};

Result<Plan> plan_for(const Args& args, const Caller& caller,
                      cli::Dialect dialect = cli::Dialect::Run) {
  auto parsed = cli::parse(args, dialect);
  if (!parsed) return parsed.take_error();
  return resolve(parsed->policy, caller);
}

std::string why(const Result<Plan>& r) { return r.ok() ? "ok" : r.error().message(); }

TEST(RootIdentity, HostRootsSandboxMapsOntoNobodyAndNeedsItsUserNamespace) {
  auto plan = plan_for({"--", "/bin/true"}, host_root());
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_TRUE(plan->clone_flags & CLONE_NEWUSER);
  EXPECT_EQ(plan->ids.uid_map, "0 65534 1\n");
  EXPECT_EQ(plan->ids.gid_map, "0 65534 1\n");
  EXPECT_TRUE(plan->ids.written_by_parent);
  EXPECT_EQ(plan->ids.switch_uid, 0U);
  // Without its user namespace the sandbox would be host root: not optional.
  EXPECT_FALSE(plan->user_ns_optional);
}

TEST(RootIdentity, UidAndGidChooseTheInsideIdsStillOntoNobody) {
  auto plan = plan_for({"--uid", "5", "--gid", "6", "--", "/bin/true"}, host_root());
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->ids.uid_map, "5 65534 1\n");
  EXPECT_EQ(plan->ids.gid_map, "6 65534 1\n");
  EXPECT_EQ(plan->ids.switch_uid, 5U);
  EXPECT_EQ(plan->ids.switch_gid, 6U);
}

TEST(RootIdentity, KeepingHostRootIsExplicit) {
  auto plan =
      plan_for({"--uid-map", "0:0:1", "--gid-map", "0:0:1", "--", "/bin/true"}, host_root());
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->ids.uid_map, "0 0 1\n");
  EXPECT_EQ(plan->ids.gid_map, "0 0 1\n");
}

TEST(RootIdentity, AContainersRootIsAlreadyUnprivilegedAndKeepsItsIds) {
  auto plan = plan_for({"--", "/bin/true"}, kContainerRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->ids.uid_map, "0 0 1\n");
  EXPECT_TRUE(plan->user_ns_optional);
}

TEST(RootIdentity, UnprivilegedCallersMapTheirOwnIds) {
  auto plan = plan_for({"--", "/bin/true"}, kUser);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->ids.uid_map, "1000 1000 1\n");
  EXPECT_EQ(plan->ids.gid_map, "1001 1001 1\n");
  EXPECT_FALSE(plan->ids.written_by_parent);
}

// One id onto the caller's own is a map the child may write itself (a rootless OCI bundle's
// uidMappings): accepted, the sandbox runs as its inside id. Anything more needs root.
TEST(RootIdentity, UnprivilegedCallersMayMapOneIdOntoTheirOwn) {
  auto plan =
      plan_for({"--uid-map", "0:1000:1", "--gid-map", "0:1001:1", "--", "/bin/true"}, kUser);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->ids.uid_map, "0 1000 1\n");
  EXPECT_EQ(plan->ids.gid_map, "0 1001 1\n");
  EXPECT_FALSE(plan->ids.written_by_parent);
  EXPECT_TRUE(plan->ids.deny_setgroups);
  plan = plan_for({"--uid", "0", "--uid-map", "0:1000:1", "--", "/bin/true"}, kUser);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->ids.uid_map, "0 1000 1\n");
  EXPECT_EQ(plan->ids.gid_map, "1001 1001 1\n");

  for (const Args& args :
       {Args{"--uid-map", "0:1000:2"}, Args{"--uid-map", "0:1001:1"}, Args{"--gid-map", "0:1000:1"},
        Args{"--uid-map", "0:1000:1", "--uid-map", "1:1000:1"}}) {
    Args full = args;
    full.insert(full.end(), {"--", "/bin/true"});
    auto refused = plan_for(full, kUser);
    ASSERT_FALSE(refused.ok()) << args[1];
    EXPECT_EQ(refused.error().step, "--uid-map/--gid-map") << args[1];
    EXPECT_EQ(refused.error().err, EPERM) << args[1];
  }
  auto other = plan_for({"--uid", "5", "--uid-map", "0:1000:1", "--", "/bin/true"}, kUser);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().step, "--uid");
}

TEST(RootIdentity, BwrapDialectKeepsTheCallersIds) {
  auto plan = plan_for({"--unshare-user", "--ro-bind", "/", "/", "--", "/bin/true"}, host_root(),
                       cli::Dialect::Bwrap);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->ids.uid_map, "0 0 1\n");
}

TEST(RootIdentity, ChrootModeRunsRootsSandboxUnderNobodysHostIds) {
  auto plan = plan_for({"--sandbox=chroot", "--ro-bind", "/", "/", "--", "/bin/true"}, host_root());
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_TRUE(plan->chroot);
  ASSERT_TRUE(plan->chroot->switch_ids);
  EXPECT_EQ(plan->chroot->switch_ids->switch_uid, 65534U);
  EXPECT_EQ(plan->chroot->switch_ids->switch_gid, 65534U);
  auto container =
      plan_for({"--sandbox=chroot", "--ro-bind", "/", "/", "--", "/bin/true"}, kContainerRoot);
  ASSERT_TRUE(container.ok()) << why(container);
  EXPECT_FALSE(container->chroot->switch_ids);
}

TEST(RootIdentity, ExplainSaysRootsSandboxIsNotHostRootAndHowToKeepIt) {
  auto plan = plan_for({"--", "/bin/true"}, host_root());
  ASSERT_TRUE(plan.ok()) << why(plan);
  const std::string text = explain::plan_text(*plan);
  EXPECT_NE(text.find("uid map: 0 65534 1; gid map: 0 65534 1 (root's sandbox is not host root"),
            std::string::npos)
      << text;
  EXPECT_NE(explain::plan_json(*plan).find("\"uid_map\": [\"0 65534 1\"]"), std::string::npos)
      << explain::plan_json(*plan);
  auto user = plan_for({"--", "/bin/true"}, kUser);
  ASSERT_TRUE(user.ok()) << why(user);
  EXPECT_EQ(explain::plan_text(*user).find("not host root"), std::string::npos);
}

TEST(InheritedFds, RunClosesAllButTheNamedOnesBwrapInheritsThem) {
  const int fd = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const std::string n = std::to_string(fd);
  auto plan = plan_for({"--keep-fd", n, "--json-status-fd", "1", "--", "/bin/true"}, kUser);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_TRUE(plan->close_inherited);
  EXPECT_EQ(plan->keep_fds, std::vector<int>{fd});
  for (int kept : {fd, 1})
    EXPECT_NE(std::find(plan->inherited_kept.begin(), plan->inherited_kept.end(), kept),
              plan->inherited_kept.end())
        << kept;
  auto bwrap = plan_for({"--ro-bind", "/", "/", "--", "/bin/true"}, kUser, cli::Dialect::Bwrap);
  ASSERT_TRUE(bwrap.ok()) << why(bwrap);
  EXPECT_FALSE(bwrap->close_inherited);
  ::close(fd);
}

TEST(InheritedFds, KeepFdOfAClosedDescriptorIsAnError) {
  auto plan = plan_for({"--keep-fd", "987", "--", "/bin/true"}, kUser);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().step, "--keep-fd");
  EXPECT_NE(plan.error().message().find("987"), std::string::npos) << why(plan);
}

TEST(InheritedFds, KeepFdIsNotABwrapOption) {
  auto parsed = cli::parse({"--keep-fd", "0", "--", "/bin/true"}, cli::Dialect::Bwrap);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().step, "--keep-fd");
}

}  // namespace
}  // namespace cloister
