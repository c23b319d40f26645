// Planning the sandbox's cgroup from made-up hosts: the cgroup version, the hierarchy of each
// controller, the parent directory, the control files and values, how the child enters, and
// what best effort leaves out. Nothing here touches the real cgroup filesystems.
#include "plan/cgroup_plan.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <cerrno>
#include <map>
#include <set>
#include <string>

#include "plan/explain.hpp"

namespace cloister {
namespace {

constexpr std::uint64_t kMiB = 1ULL << 20;

// A host given as mountinfo and /proc/self/cgroup texts, plus the cgroup files and
// directories planning may look at.
struct FakeHost {
  std::string mountinfo;
  std::string own_cgroups;
  std::string release = "6.1.0";
  std::map<std::string, std::string> files;
  std::set<std::string> dirs;

  void file(const std::string& path, const std::string& text = "") { files[path] = text; }

  CgroupHost view() const {
    CgroupHost h;
    h.mountinfo = mountinfo;
    h.own_cgroups = own_cgroups;
    h.kernel_release = release;
    h.read = [this](const std::string& path) -> std::optional<std::string> {
      auto it = files.find(path);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    h.exists = [this](const std::string& path) {
      return files.count(path) != 0 || dirs.count(path) != 0;
    };
    h.directory_error = [this](const std::string& path) {
      if (dirs.count(path)) return 0;
      return files.count(path) ? ENOTDIR : ENOENT;
    };
    return h;
  }
};

// Like the machines these tests run on: v1 controller hierarchies, each its own mount, and a
// cgroup2 mount beside them without controllers; the caller's memory cgroup is not the top.
FakeHost hybrid_host() {
  FakeHost h;
  h.mountinfo =
      "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
      "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
      "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
      "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
      "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  h.own_cgroups =
      "9:name=systemd:/\n8:pids:/\n7:blkio:/\n4:memory:/jobs/a1\n3:cpuset:/\n2:cpuacct:/\n"
      "1:cpu:/\n0::/\n";
  for (const char* d :
       {"/sys/fs/cgroup/unified", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct",
        "/sys/fs/cgroup/memory/jobs/a1", "/sys/fs/cgroup/blkio", "/sys/fs/cgroup/pids"})
    h.dirs.insert(d);
  h.file("/sys/fs/cgroup/unified/cgroup.controllers", "");
  h.file("/sys/fs/cgroup/memory/jobs/a1/memory.limit_in_bytes", "9223372036854771712\n");
  h.file("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
  h.file("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n");
  h.file("/sys/fs/cgroup/cpu/cpu.shares", "1024\n");
  return h;
}

// A systemd host with only cgroup v2, the caller in a session scope.
const std::string kSession = "/sys/fs/cgroup/user.slice/session-4.scope";

FakeHost v2_host() {
  FakeHost h;
  h.mountinfo =
      "25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 "
      "rw,nsdelegate,memory_recursiveprot\n"
      "90 25 0:22 / /run/elsewhere rw,relatime - cgroup2 cgroup2 rw\n";
  h.own_cgroups = "0::/user.slice/session-4.scope\n";
  h.dirs.insert(kSession);
  h.dirs.insert("/sys/fs/cgroup/system.slice/jobs");
  h.file(kSession + "/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  h.file(kSession + "/cgroup.subtree_control", "");
  for (const char* f : {"memory.max", "memory.swap.max", "pids.max", "cpu.max", "cpu.weight"})
    h.file(kSession + "/" + f, "max\n");
  h.file("/sys/fs/cgroup/system.slice/jobs/cgroup.controllers", "cpu memory pids\n");
  h.file("/sys/fs/cgroup/system.slice/jobs/pids.max", "max\n");
  return h;
}

CgroupPolicy limits(std::optional<std::uint64_t> memory, std::optional<std::uint64_t> pids,
                    std::optional<std::uint64_t> cpu_quota = std::nullopt) {
  CgroupPolicy p;
  p.memory_max = memory;
  p.pids_max = pids;
  p.cpu_quota_us = cpu_quota;
  return p;
}

CgroupPlan plan_or_fail(const CgroupPolicy& policy, const FakeHost& host,
                        std::uint64_t clone_flags = 0) {
  auto plan = plan_cgroup(policy, clone_flags, host.view());
  EXPECT_TRUE(plan.ok()) << (plan.ok() ? "" : plan.error().message());
  return plan.ok() ? std::move(*plan) : CgroupPlan{};
}

// "file = value" of each write, or "a = 1 | b = 2" where launch picks among several.
std::vector<std::string> writes_of(const CgroupPlan& plan) {
  std::vector<std::string> out;
  for (const auto& w : plan.writes) {
    std::string text;
    for (const auto& f : w.files) text += (text.empty() ? "" : " | ") + f.name + " = " + f.value;
    out.push_back(text);
  }
  return out;
}

const CgroupWrite* write_to(const CgroupPlan& plan, const std::string& file) {
  for (const auto& w : plan.writes)
    for (const auto& f : w.files)
      if (f.name == file) return &w;
  return nullptr;
}

bool has_line(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines)
    if (l.find(part) != std::string::npos) return true;
  return false;
}

TEST(CgroupPlan, HybridHostUsesTheV1HierarchiesPerController) {
  const auto plan = plan_or_fail(limits(100 * kMiB, 50, 150000), hybrid_host(), CLONE_NEWCGROUP);
  EXPECT_EQ(plan.version, CgroupVersion::V1);
  EXPECT_NE(plan.why_version.find("/sys/fs/cgroup/unified does not offer memory, pids, cpu"),
            std::string::npos)
      << plan.why_version;
  ASSERT_EQ(plan.hierarchies.size(), 4u);
  EXPECT_EQ(plan.hierarchies[0].controllers, "memory");
  EXPECT_EQ(plan.hierarchies[0].parent, "/sys/fs/cgroup/memory/jobs/a1");
  EXPECT_EQ(plan.hierarchies[1].controllers, "pids");
  EXPECT_EQ(plan.hierarchies[1].parent, "/sys/fs/cgroup/pids");
  EXPECT_EQ(plan.hierarchies[2].controllers, "cpu");
  EXPECT_EQ(plan.hierarchies[3].controllers, "cpuacct");
  EXPECT_TRUE(plan.hierarchies[3].stats_only) << "cpuacct is there for the cpu time figure";
  for (std::size_t i = 0; i < 3; ++i) EXPECT_FALSE(plan.hierarchies[i].stats_only) << i;
  EXPECT_EQ(writes_of(plan),
            (std::vector<std::string>{"memory.limit_in_bytes = 104857600", "pids.max = 50",
                                      "cpu.cfs_period_us = 100000", "cpu.cfs_quota_us = 150000"}));
  for (const auto& w : plan.writes) EXPECT_TRUE(w.seen) << w.files.front().name;
  EXPECT_EQ(plan.writes[0].hierarchy, 0u);
  EXPECT_EQ(plan.writes[1].hierarchy, 1u);
  EXPECT_EQ(plan.writes[3].hierarchy, 2u);
  EXPECT_EQ(plan.entry, CgroupEntry::AttachAfterClone);
  EXPECT_TRUE(plan.late_namespace);
  EXPECT_TRUE(plan.holder.empty());
  EXPECT_TRUE(plan.enable.empty()) << "v1 has no subtree_control";
  EXPECT_EQ(plan.leaf_prefix, "cloister-");
  EXPECT_TRUE(plan.dropped.empty());
}

// CPU shares (OCI's unit) reach v1's cpu.shares exactly as asked; v2 gets the converted
// cpu.weight. A cloister weight is converted the other way for v1.
TEST(CgroupPlan, CpuSharesAreWrittenAsAskedOnV1AndConvertedOnV2) {
  for (auto [shares, weight] :
       {std::pair{1024, 39}, std::pair{512, 20}, std::pair{2, 1}, std::pair{262144, 10000}}) {
    CgroupPolicy p;
    p.cpu_shares = shares;
    const auto v1 = plan_or_fail(p, hybrid_host());
    EXPECT_EQ(v1.version, CgroupVersion::V1);
    EXPECT_EQ(writes_of(v1), (std::vector<std::string>{"cpu.shares = " + std::to_string(shares)}));
    const auto v2 = plan_or_fail(p, v2_host());
    EXPECT_EQ(v2.version, CgroupVersion::V2);
    EXPECT_EQ(writes_of(v2), (std::vector<std::string>{"cpu.weight = " + std::to_string(weight)}))
        << shares;
  }
  CgroupPolicy weight;
  weight.cpu_weight = 50;
  EXPECT_EQ(writes_of(plan_or_fail(weight, hybrid_host())),
            (std::vector<std::string>{"cpu.shares = 512"}));
  EXPECT_EQ(writes_of(plan_or_fail(weight, v2_host())),
            (std::vector<std::string>{"cpu.weight = 50"}));
}

TEST(CgroupPlan, CpuSharesOutOfRangeOrBesideAWeightAreRefused) {
  for (std::uint64_t shares : {1ULL, 262145ULL}) {
    CgroupPolicy p;
    p.cpu_shares = shares;
    auto plan = plan_cgroup(p, 0, hybrid_host().view());
    ASSERT_FALSE(plan.ok()) << shares;
    EXPECT_NE(plan.error().message().find("cpu shares out of range"), std::string::npos)
        << plan.error().message();
  }
  CgroupPolicy both;
  both.cpu_shares = 1024;
  both.cpu_weight = 100;
  auto plan = plan_cgroup(both, 0, hybrid_host().view());
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().message().find("both given"), std::string::npos) << plan.error().message();
}

TEST(CgroupPlan, HybridHostWithoutACgroupNamespaceNeedsNoLateOne) {
  const auto plan = plan_or_fail(limits(std::nullopt, 10), hybrid_host(), 0);
  EXPECT_FALSE(plan.late_namespace);
  ASSERT_FALSE(plan.hierarchies.empty());
  EXPECT_EQ(plan.hierarchies[0].controllers, "pids");
}

TEST(CgroupPlan, V2HostIsBornInsideUnderTheSharedHolder) {
  const auto plan = plan_or_fail(limits(64 * kMiB, 20, 50000), v2_host(), CLONE_NEWCGROUP);
  EXPECT_EQ(plan.version, CgroupVersion::V2);
  ASSERT_EQ(plan.hierarchies.size(), 1u);
  EXPECT_EQ(plan.hierarchies[0].mount, "/sys/fs/cgroup") << "the canonical mount wins";
  EXPECT_EQ(plan.hierarchies[0].parent, kSession);
  EXPECT_EQ(plan.holder, kSession + "/cloister");
  EXPECT_EQ(plan.leaf_prefix, "sandbox-");
  EXPECT_EQ(plan.enable, (std::vector<std::string>{"memory", "pids", "cpu"}));
  EXPECT_EQ(writes_of(plan), (std::vector<std::string>{"memory.max = 67108864", "pids.max = 20",
                                                       "cpu.max = 50000 100000"}));
  EXPECT_EQ(plan.entry, CgroupEntry::CloneInto);
  EXPECT_FALSE(plan.late_namespace) << "born inside: the namespace can be made by clone3";
  EXPECT_EQ(leaf_pattern(plan, plan.hierarchies[0]),
            kSession + "/cloister/sandbox-<launcher pid>-<random>");
}

TEST(CgroupPlan, KernelBeforeCloneIntoCgroupAttachesAfterClone) {
  FakeHost host = v2_host();
  host.release = "5.4.0-150-generic";
  const auto plan = plan_or_fail(limits(std::nullopt, 20), host, CLONE_NEWCGROUP);
  EXPECT_EQ(plan.entry, CgroupEntry::AttachAfterClone);
  EXPECT_TRUE(plan.late_namespace);
}

TEST(CgroupPlan, ParentOptionNamesTheDirectoryAndNeedsNoHolder) {
  CgroupPolicy p = limits(std::nullopt, 20);
  p.parent = "/system.slice/jobs";
  const auto plan = plan_or_fail(p, v2_host());
  ASSERT_EQ(plan.hierarchies.size(), 1u);
  EXPECT_EQ(plan.hierarchies[0].parent, "/sys/fs/cgroup/system.slice/jobs");
  EXPECT_TRUE(plan.holder.empty());
  EXPECT_EQ(plan.leaf_prefix, "cloister-");
  EXPECT_EQ(plan.parent_option, "/system.slice/jobs");
}

TEST(CgroupPlan, ParentOptionOnAHybridHostAppliesToEveryHierarchy) {
  CgroupPolicy p = limits(32 * kMiB, 20);
  p.parent = "/jobs";
  FakeHost host = hybrid_host();
  for (const char* d :
       {"/sys/fs/cgroup/memory/jobs", "/sys/fs/cgroup/pids/jobs", "/sys/fs/cgroup/cpuacct/jobs"})
    host.dirs.insert(d);
  host.file("/sys/fs/cgroup/memory/jobs/memory.limit_in_bytes");
  host.file("/sys/fs/cgroup/pids/jobs/pids.max");
  const auto plan = plan_or_fail(p, host);
  ASSERT_EQ(plan.hierarchies.size(), 3u);
  EXPECT_EQ(plan.hierarchies[0].parent, "/sys/fs/cgroup/memory/jobs");
  EXPECT_EQ(plan.hierarchies[1].parent, "/sys/fs/cgroup/pids/jobs");
  EXPECT_EQ(plan.hierarchies[2].parent, "/sys/fs/cgroup/cpuacct/jobs");
}

TEST(CgroupPlan, MissingParentIsAnErrorNamingIt) {
  CgroupPolicy p = limits(std::nullopt, 20);
  p.parent = "/no/such";
  auto plan = plan_cgroup(p, 0, v2_host().view());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().err, ENOENT);
  EXPECT_EQ(plan.error().object, "/sys/fs/cgroup/no/such");
  EXPECT_NE(plan.error().hint.find("--cgroup-parent /no/such"), std::string::npos)
      << plan.error().message();
}

TEST(CgroupPlan, MissingControllerIsAnErrorOrDroppedWithItsReason) {
  CgroupPolicy p = limits(std::nullopt, 20);
  p.io_weight = 200;
  FakeHost host = v2_host();
  host.files[kSession + "/cgroup.controllers"] = "cpu memory pids\n";
  auto strict = plan_cgroup(p, 0, host.view());
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().err, ENOENT);
  EXPECT_NE(strict.error().message().find("controller 'io' is not available"), std::string::npos)
      << strict.error().message();

  p.best_effort = true;
  const auto lax = plan_or_fail(p, host);
  EXPECT_EQ(lax.version, CgroupVersion::V2);
  EXPECT_EQ(writes_of(lax), (std::vector<std::string>{"pids.max = 20"}));
  EXPECT_EQ(lax.enable, (std::vector<std::string>{"pids"}));
  ASSERT_EQ(lax.dropped.size(), 1u);
  EXPECT_NE(lax.dropped[0].find("controller 'io' is not available"), std::string::npos)
      << lax.dropped[0];
}

// Neither version has every controller: the one missing fewer, v2 on a tie.
TEST(CgroupPlan, NeitherVersionHasAllControllersTheOneMissingFewerWins) {
  FakeHost host = hybrid_host();
  host.files["/sys/fs/cgroup/unified/cgroup.controllers"] = "pids\n";
  CgroupPolicy p = limits(std::nullopt, 20);
  p.io_weight = 100;  // io: no v2 controller, but the v1 blkio hierarchy has it
  p.best_effort = true;
  const auto plan = plan_or_fail(p, host);
  EXPECT_EQ(plan.version, CgroupVersion::V1);
  EXPECT_NE(plan.why_version.find("does not offer io"), std::string::npos) << plan.why_version;
}

// v1 memsw caps memory and swap together, so a swap limit alone cannot be written there.
TEST(CgroupPlan, V1SwapLimitNeedsAMemoryLimit) {
  CgroupPolicy p;
  p.memory_swap_max = 0;
  auto strict = plan_cgroup(p, 0, hybrid_host().view());
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().err, EINVAL);
  EXPECT_NE(strict.error().message().find("memsw"), std::string::npos);
  p.best_effort = true;
  const auto lax = plan_or_fail(p, hybrid_host());
  EXPECT_TRUE(lax.writes.empty());
  ASSERT_EQ(lax.dropped.size(), 1u);
  EXPECT_NE(lax.dropped[0].find("memory + swap"), std::string::npos) << lax.dropped[0];
}

// Without swap accounting the memory cgroup (not a top one) has no memsw file: planning sees
// that the new cgroup will not have it either.
TEST(CgroupPlan, AControlFileTheHostLacksIsAnErrorOrDropped) {
  CgroupPolicy p = limits(64 * kMiB, std::nullopt);
  p.memory_swap_max = 0;
  auto strict = plan_cgroup(p, 0, hybrid_host().view());
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error().message().find("memory.memsw.limit_in_bytes"), std::string::npos);
  EXPECT_NE(strict.error().message().find("swapaccount=1"), std::string::npos)
      << strict.error().message();
  EXPECT_NE(strict.error().hint.find("/sys/fs/cgroup/memory/jobs/a1"), std::string::npos)
      << strict.error().hint;

  p.best_effort = true;
  const auto lax = plan_or_fail(p, hybrid_host());
  EXPECT_EQ(writes_of(lax), (std::vector<std::string>{"memory.limit_in_bytes = 67108864"}));
  ASSERT_EQ(lax.dropped.size(), 1u);
  EXPECT_NE(lax.dropped[0].find("limit not applied"), std::string::npos);

  FakeHost swap = hybrid_host();
  swap.file("/sys/fs/cgroup/memory/jobs/a1/memory.memsw.limit_in_bytes");
  p.best_effort = false;
  const auto with_swap = plan_or_fail(p, swap);
  EXPECT_EQ(writes_of(with_swap),
            (std::vector<std::string>{"memory.limit_in_bytes = 67108864",
                                      "memory.memsw.limit_in_bytes = 67108864"}));
}

// io.weight (iocost) or io.bfq.weight (BFQ): the parent shows which one cgroups here have.
TEST(CgroupPlan, IoWeightPicksTheFileTheHostHas) {
  CgroupPolicy p;
  p.io_weight = 300;
  FakeHost host = v2_host();
  host.file(kSession + "/io.bfq.weight", "default 100\n");
  const auto plan = plan_or_fail(p, host);
  ASSERT_EQ(plan.writes.size(), 1u);
  EXPECT_EQ(writes_of(plan), (std::vector<std::string>{"io.bfq.weight = default 300"}));
  EXPECT_TRUE(plan.writes[0].seen);
}

// Under a hierarchy's top cgroup, which has no limit files, what is not always there is left
// for the launch to see in the new cgroup.
TEST(CgroupPlan, UnderTheTopCgroupUncertainFilesAreSeenAtLaunch) {
  FakeHost host = v2_host();
  host.own_cgroups = "0::/\n";
  host.dirs.insert("/sys/fs/cgroup");
  host.file("/sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n");
  CgroupPolicy p = limits(std::nullopt, 20, 50000);
  p.io_weight = 100;
  const auto plan = plan_or_fail(p, host);
  EXPECT_EQ(plan.holder, "/sys/fs/cgroup/cloister");
  const auto* pids = write_to(plan, "pids.max");
  ASSERT_TRUE(pids);
  EXPECT_TRUE(pids->seen) << "every pids cgroup has pids.max";
  const auto* cpu = write_to(plan, "cpu.max");
  ASSERT_TRUE(cpu);
  EXPECT_FALSE(cpu->seen) << "bandwidth control depends on the kernel's configuration";
  const auto* io = write_to(plan, "io.weight");
  ASSERT_TRUE(io);
  EXPECT_FALSE(io->seen);
  EXPECT_EQ(io->files.size(), 2u) << "io.weight, else io.bfq.weight";
}

// A container's cgroup2 mount shows its own cgroup as the top: that one is not the
// hierarchy's top, so what it lacks the new cgroup lacks too.
TEST(CgroupPlan, ContainerMountRootIsNotTheHierarchyTop) {
  FakeHost host;
  host.mountinfo = "600 590 0:30 /docker/c1 /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n";
  host.own_cgroups = "0::/docker/c1\n";
  host.dirs.insert("/sys/fs/cgroup");
  host.file("/sys/fs/cgroup/cgroup.controllers", "memory pids\n");
  host.file("/sys/fs/cgroup/memory.max");
  CgroupPolicy p = limits(16 * kMiB, std::nullopt);
  p.memory_swap_max = 0;
  p.best_effort = true;
  const auto plan = plan_or_fail(p, host);
  ASSERT_EQ(plan.hierarchies.size(), 1u);
  EXPECT_EQ(plan.hierarchies[0].parent, "/sys/fs/cgroup");
  EXPECT_EQ(writes_of(plan), (std::vector<std::string>{"memory.max = 16777216"}));
  ASSERT_EQ(plan.dropped.size(), 1u);
  EXPECT_NE(plan.dropped[0].find("memory.swap.max"), std::string::npos) << plan.dropped[0];
}

TEST(CgroupPlan, NoCgroupFilesystemIsAnErrorOrRunningWithout) {
  FakeHost host;
  host.mountinfo = "22 1 0:21 / /proc rw - proc proc rw\n";
  CgroupPolicy p = limits(std::nullopt, 20);
  auto strict = plan_cgroup(p, 0, host.view());
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error().message().find("no cgroup filesystem"), std::string::npos);
  p.best_effort = true;
  const auto lax = plan_or_fail(p, host);
  EXPECT_FALSE(lax.creates());
  ASSERT_EQ(lax.dropped.size(), 1u);
  EXPECT_EQ(lax.dropped[0].rfind("running without a cgroup (best effort): no cgroup filesystem", 0),
            0u)
      << lax.dropped[0];
}

TEST(CgroupPlan, OutOfRangeValuesAreRefusedEvenWithBestEffort) {
  CgroupPolicy p;
  p.cpu_weight = 0;
  p.best_effort = true;
  auto plan = plan_cgroup(p, 0, v2_host().view());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().err, EINVAL);
  EXPECT_NE(plan.error().hint.find("10000"), std::string::npos);
}

// Without limits (only --cgroup-parent) no controller is needed: the v2 mount of a hybrid
// host holds the sandbox, and the child is born inside it.
TEST(CgroupPlan, NoLimitsOnAHybridHostUseTheControllerlessV2Mount) {
  CgroupPolicy p;
  p.parent = "/";
  FakeHost host = hybrid_host();
  const auto plan = plan_or_fail(p, host);
  EXPECT_EQ(plan.version, CgroupVersion::V2);
  EXPECT_EQ(plan.hierarchies[0].parent, "/sys/fs/cgroup/unified");
  EXPECT_TRUE(plan.writes.empty());
  EXPECT_EQ(plan.entry, CgroupEntry::CloneInto);
}

// An OCI container goes where engines look: on a host whose /sys/fs/cgroup is v1 into the v1
// hierarchies even without limits, into each one it can join as it is (freezer for pause),
// not cpuset (a new cpuset has no CPU); on a v2 host into v2 as before.
TEST(CgroupPlan, EveryV1HierarchyJoinsEachJoinableHierarchyOnAV1Host) {
  CgroupPolicy p;
  p.own = true;
  p.every_v1_hierarchy = true;
  p.parent = "/jobs";
  p.leaf = "c1";
  FakeHost host = hybrid_host();
  host.mountinfo +=
      "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
      "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
      "41 30 0:38 / /sys/fs/cgroup/net_cls,net_prio rw,relatime - cgroup cgroup "
      "rw,net_cls,net_prio\n";
  for (const char* c : {"cpu", "cpuacct", "cpuset", "memory", "blkio", "pids", "devices", "freezer",
                        "net_cls,net_prio"})
    host.dirs.insert(std::string("/sys/fs/cgroup/") + c + "/jobs");
  auto plan = plan_or_fail(p, host);
  EXPECT_EQ(plan.version, CgroupVersion::V1);
  EXPECT_NE(plan.why_version.find("/sys/fs/cgroup is cgroup v1"), std::string::npos)
      << plan.why_version;
  std::set<std::string> joined;
  for (const auto& h : plan.hierarchies) {
    joined.insert(h.controllers);
    EXPECT_TRUE(h.stats_only) << h.controllers << ": no limit, skipped when refused";
    EXPECT_EQ(h.parent, h.mount + "/jobs");
  }
  EXPECT_EQ(joined, (std::set<std::string>{"cpu", "cpuacct", "memory", "blkio", "pids", "devices",
                                           "freezer", "net_cls,net_prio"}));
  EXPECT_EQ(plan.entry, CgroupEntry::AttachAfterClone);
  EXPECT_TRUE(has_line(describe(plan),
                       "mkdir /sys/fs/cgroup/freezer/jobs/c1  [freezer] (joined for the container "
                       "engine; skipped when refused)"));

  // A limit's hierarchy stays required; the others are joined beside it.
  p.pids_max = 10;
  host.file("/sys/fs/cgroup/pids/jobs/pids.max", "max\n");
  plan = plan_or_fail(p, host);
  for (const auto& h : plan.hierarchies) EXPECT_EQ(h.stats_only, h.controllers != "pids");
  EXPECT_EQ(plan.hierarchies.size(), 8u);

  // Without the flag a limitless cgroup stays in the controllerless v2 mount.
  CgroupPolicy plain = p;
  plain.every_v1_hierarchy = false;
  plain.pids_max.reset();
  host.dirs.insert("/sys/fs/cgroup/unified/jobs");
  EXPECT_EQ(plan_or_fail(plain, host).version, CgroupVersion::V2);
  // A v2 host: v2, whatever the flag.
  CgroupPolicy v2 = p;
  v2.parent.clear();
  EXPECT_EQ(plan_or_fail(v2, v2_host()).version, CgroupVersion::V2);
}

TEST(CgroupPlan, JoinableV1MountsLeaveCpusetOut) {
  EXPECT_TRUE(joinable_v1_mount("rw,freezer"));
  EXPECT_TRUE(joinable_v1_mount("rw,cpu,cpuacct"));
  EXPECT_TRUE(joinable_v1_mount("rw,net_cls,net_prio"));
  EXPECT_FALSE(joinable_v1_mount("rw,cpuset"));
  EXPECT_FALSE(joinable_v1_mount("rw,cpuset,cpu"));
  EXPECT_FALSE(joinable_v1_mount("rw,name=systemd"));
  EXPECT_FALSE(joinable_v1_mount("rw,xattr,release_agent=/x"));
}

TEST(CgroupPlan, DescribeNamesEveryStep) {
  CgroupPolicy p = limits(100 * kMiB, 50, 150000);
  p.io_weight = 100;
  p.best_effort = true;  // no blkio weight file in the caller's blkio cgroup: dropped, and said
  FakeHost host = hybrid_host();
  host.own_cgroups.replace(host.own_cgroups.find("7:blkio:/"), 9, "7:blkio:/jobs/a1");
  host.dirs.insert("/sys/fs/cgroup/blkio/jobs/a1");
  const auto plan = plan_or_fail(p, host, CLONE_NEWCGROUP);
  const auto lines = describe(plan);
  EXPECT_TRUE(has_line(lines,
                       "version: v1 hierarchies (the cgroup v2 mount at "
                       "/sys/fs/cgroup/unified does not offer"));
  EXPECT_TRUE(has_line(lines,
                       "mkdir /sys/fs/cgroup/memory/jobs/a1/cloister-<launcher "
                       "pid>-<random>  [memory]"));
  EXPECT_TRUE(has_line(lines, "[cpuacct] (figures only; skipped when refused)"));
  EXPECT_TRUE(has_line(lines, "write memory.limit_in_bytes = 104857600  [memory]"));
  EXPECT_TRUE(has_line(lines, "write pids.max = 50  [pids]"));
  EXPECT_TRUE(has_line(lines, "write cpu.cfs_quota_us = 150000"));
  EXPECT_TRUE(has_line(lines, "child enters: attached after clone"));
  EXPECT_TRUE(has_line(lines, "cgroup namespace: created by the child after the attach"));
  EXPECT_TRUE(has_line(lines,
                       "not applied (best effort): blkio.weight: controller 'blkio' has "
                       "no weight file here"));

  Plan whole;
  whole.cgroup = plan;
  const auto text = explain::plan_text(whole);
  EXPECT_NE(text.find("cgroup:\n  version: v1"), std::string::npos) << text;
  const auto json = explain::plan_json(whole);
  EXPECT_NE(json.find("\"cgroup\": {\"creates\": true, \"version\": \"v1\""), std::string::npos)
      << json;
  EXPECT_NE(json.find("{\"hierarchy\": 1, \"files\": [\"pids.max\"], \"values\": [\"50\"], "
                      "\"seen\": true}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"entry\": \"attach-after-clone\", \"late_namespace\": true"),
            std::string::npos)
      << json;
}

}  // namespace
}  // namespace cloister
