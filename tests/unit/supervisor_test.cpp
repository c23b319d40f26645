// cloister supervise's planning side and its log lines, without privileges: what each
// service's Policy gets from the group (identity, isolation, its own cgroup), and how the
// services' output reaches the manager's stderr.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "policy/group_file.hpp"
#include "supervisor/log_lines.hpp"
#include "supervisor/service_plan.hpp"

namespace cloister::supervisor {
namespace {

group::Service service_with(std::optional<uid_t> uid) {
  group::Service s;
  s.name = "web";
  s.policy.argv = {"/bin/true"};
  s.policy.default_root = true;
  s.policy.id.root_maps_onto = 65534;  // what cloister run's front end sets for root
  s.uid = uid;
  return s;
}

TEST(ServicePolicy, RootRunsUnderTheServicesHostIdsWithoutUserNamespace) {
  GroupIdentity root;
  root.host_ids = true;
  const Policy p = service_policy(service_with(200003), root);
  EXPECT_TRUE(p.id.host_ids);
  EXPECT_EQ(p.id.uid, 200003u);
  EXPECT_EQ(p.id.gid, 200003u) << "the gid defaults to the uid's number";
  EXPECT_EQ(p.ns.user, Want::No);
  EXPECT_FALSE(p.id.root_maps_onto) << "no user namespace to map root onto nobody";
}

TEST(ServicePolicy, RootWithoutARangeRunsServicesAsNobody) {
  GroupIdentity root;
  root.host_ids = true;
  const Policy p = service_policy(service_with(std::nullopt), root);
  EXPECT_EQ(p.id.uid, 65534u);
  EXPECT_EQ(p.id.gid, 65534u);
}

TEST(ServicePolicy, UnprivilegedServicesShareTheManagersUserNamespace) {
  GroupIdentity user;
  user.host_ids = false;
  user.caller_uid = 1000;
  const Policy p = service_policy(service_with(200003), user);
  EXPECT_FALSE(p.id.host_ids);
  EXPECT_FALSE(p.id.uid) << "the caller's uid, mapped onto itself";
  EXPECT_EQ(p.ns.user, Want::No) << "no user namespace per service";
}

TEST(ServicePolicy, ServicesAreScopedApartAndGetACgroupEach) {
  const Policy p = service_policy(service_with(std::nullopt), GroupIdentity{});
  EXPECT_TRUE(p.landlock.scope_signal);
  EXPECT_TRUE(p.landlock.scope_abstract_unix);
  EXPECT_TRUE(p.cgroup.own);
  EXPECT_TRUE(p.cgroup.best_effort) << "no limit asked: a host without cgroups runs it anyway";
  EXPECT_TRUE(p.new_session);
  EXPECT_EQ(p.seccomp.base, "default") << "ptrace and process_vm_* denied by the base";
}

TEST(ServicePolicy, AskedLimitsStayRequired) {
  auto s = service_with(std::nullopt);
  s.policy.cgroup.memory_max = 64 << 20;
  const Policy p = service_policy(s, GroupIdentity{});
  EXPECT_FALSE(p.cgroup.best_effort) << "a limit the host cannot apply is an error";
}

TEST(ServicePolicy, ManagerPlansAsRootOfItsNamespaces) {
  GroupIdentity user;
  user.caller_uid = 1000;
  const Caller c = manager_caller(user);
  EXPECT_EQ(c.uid, 0u) << "full capabilities in its user namespace: no nested one per service";
  EXPECT_FALSE(c.host_root);
  GroupIdentity root;
  root.host_ids = true;
  EXPECT_TRUE(manager_caller(root).host_root);
}

// An unprivileged caller's /etc/subuid and /etc/subgid decide between a range of its own
// uids for the services and the caller's one uid (said why).
class SubordinateFilesFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/cloister-subids-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    files_.subuid = dir_ + "/subuid";
    files_.subgid = dir_ + "/subgid";
    files_.newuidmap = "/bin/true";  // present and executable: what identity_for checks
    files_.newgidmap = "/bin/true";
  }
  void TearDown() override {
    ::unlink(files_.subuid.c_str());
    ::unlink(files_.subgid.c_str());
    ::rmdir(dir_.c_str());
  }
  void write(const std::string& path, const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  group::Group with_range(std::uint32_t count) {
    group::Group g;
    g.uids = group::IdRange{1000, count};
    return g;
  }
  Caller unprivileged() {
    Caller c;
    c.uid = 4242;  // no account: the number is the name
    c.gid = 4242;
    return c;
  }
  std::string dir_;
  SubordinateFiles files_;
};

TEST_F(SubordinateFilesFixture, RangesThatCoverTheGroupAreUsed) {
  write(files_.subuid, "other:100000:65536\n4242:300000:65536\n");
  write(files_.subgid, "4242:400000:100\n");
  const auto id = identity_for(unprivileged(), with_range(10), files_);
  ASSERT_TRUE(id.sub) << id.one_uid_because;
  EXPECT_EQ(id.sub->uid_start, 300000u);
  EXPECT_EQ(id.sub->gid_start, 400000u);
  EXPECT_TRUE(manager_caller(id).host_root) << "root of its own namespace, where the ranges are";
  const Policy p = service_policy(service_with(1003), id);
  EXPECT_TRUE(p.id.host_ids);
  EXPECT_EQ(p.id.uid, 1003u);
}

TEST_F(SubordinateFilesFixture, TooSmallOrMissingRangesMeanOneUidSaidWhy) {
  write(files_.subuid, "4242:300000:5\n");
  write(files_.subgid, "4242:400000:100\n");
  auto id = identity_for(unprivileged(), with_range(10), files_);
  EXPECT_FALSE(id.sub);
  EXPECT_EQ(id.one_uid_because, files_.subuid + " gives 4242 no range of 10 ids");
  id = identity_for(unprivileged(), group::Group{}, files_);
  EXPECT_EQ(id.one_uid_because, "the group has no uid-range");
  files_.newgidmap = dir_ + "/missing";
  write(files_.subuid, "4242:300000:65536\n");
  id = identity_for(unprivileged(), with_range(10), files_);
  EXPECT_FALSE(id.sub);
  EXPECT_NE(id.one_uid_because.find("uidmap package"), std::string::npos) << id.one_uid_because;
}

// The README's example group loads as shown, and plans as root would run it.
TEST(ExampleGroup, LoadsWithItsServicesInOrder) {
  auto g = group::load_file(std::string(CLOISTER_SOURCE_DIR) + "/examples/supervise/vm-group.toml");
  ASSERT_TRUE(g.ok()) << g.error().message();
  ASSERT_EQ(g->services.size(), 2u);
  EXPECT_EQ(g->services[0].name, "files");
  EXPECT_EQ(g->services[1].name, "vmm");
  EXPECT_EQ(g->services[0].uid, 200000u);
  EXPECT_EQ(g->services[1].uid, 200001u);
  EXPECT_EQ(g->services[1].ready.kind, group::Readiness::Kind::Fd);
  EXPECT_EQ(g->services[1].stop_signal, SIGINT);
  EXPECT_EQ(g->services[1].policy.cgroup.pids_max, 64u);
  EXPECT_EQ(g->shutdown_timeout_ms, 5000u);
}

// ---- log lines ----

class Captured {
 public:
  Captured() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    read_ = fds[0];
    write_ = fds[1];
  }
  ~Captured() {
    ::close(read_);
    ::close(write_);
  }
  int fd() const { return write_; }
  std::string text() const {
    std::string out;
    char buf[8192];
    ssize_t n;
    while ((n = ::read(read_, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }

 private:
  int read_ = -1, write_ = -1;
};

TEST(LineLog, PrefixesWholeLinesAndKeepsPartialOnesUntilTheirEnd) {
  Captured out;
  LineLog log("web: ", out.fd());
  log.feed("one\ntw", 6);
  EXPECT_EQ(out.text(), "web: one\n");
  log.feed("o\nthree", 7);
  EXPECT_EQ(out.text(), "web: two\n");
  log.flush();
  EXPECT_EQ(out.text(), "web: three\n");
  log.flush();
  EXPECT_EQ(out.text(), "") << "nothing twice";
}

TEST(LineLog, CutsOverlongLines) {
  Captured out;
  LineLog log("x: ", out.fd());
  const std::string big(LineLog::kMaxLine + 10, 'a');
  log.feed(big.data(), big.size());
  const std::string first = out.text();
  EXPECT_EQ(first, "x: " + std::string(LineLog::kMaxLine, 'a') + "\n");
  log.feed("\n", 1);
  EXPECT_EQ(out.text(), "x: " + std::string(10, 'a') + "\n");
}

TEST(LineLog, EmptyLinesStayLines) {
  Captured out;
  LineLog log("x: ", out.fd());
  log.feed("\n\n", 2);
  EXPECT_EQ(out.text(), "x: \nx: \n");
}

}  // namespace
}  // namespace cloister::supervisor
