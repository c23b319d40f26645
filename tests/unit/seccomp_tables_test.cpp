// The seccomp name tables: syscall groups (@file-system...) and symbolic constants (AF_INET...).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "seccomp/tables.hpp"

namespace cloister::seccomp {
namespace {

// Architectures whose names a group may list besides x86_64's.
constexpr std::uint32_t kOtherArches[] = {
    SCMP_ARCH_X86,    SCMP_ARCH_X32,       SCMP_ARCH_ARM,    SCMP_ARCH_AARCH64,  SCMP_ARCH_MIPS,
    SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_PPC,    SCMP_ARCH_PPC64,    SCMP_ARCH_PPC64LE,
    SCMP_ARCH_S390,   SCMP_ARCH_S390X,     SCMP_ARCH_PARISC, SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64};

// Syscalls newer than the libseccomp these tests run with (2.5.4), which resolves them on no
// architecture yet. Each is a real kernel syscall; the version is the first kernel with it.
constexpr std::string_view kNewerThanLibseccomp[] = {
    "file_getattr",       // 6.17
    "file_setattr",       // 6.17
    "getxattrat",         // 6.13
    "listmount",          // 6.8
    "listxattrat",        // 6.13
    "lsm_get_self_attr",  // 6.8
    "lsm_list_modules",   // 6.8
    "lsm_set_self_attr",  // 6.8
    "mseal",              // 6.10
    "open_tree_attr",     // 6.15
    "removexattrat",      // 6.13
    "riscv_hwprobe",      // 6.4, riscv only
    "setxattrat",         // 6.13
    "statmount",          // 6.8
    "uprobe",             // 6.18, x86_64 only
    "uretprobe",          // 6.11, x86_64 only
};

bool is_group(std::string_view name) { return !name.empty() && name[0] == '@'; }

bool resolves(std::uint32_t arch, std::string_view name) {
  // Names missing on an architecture resolve to __NR_SCMP_ERROR or to a negative pseudo number.
  return seccomp_syscall_resolve_name_arch(arch, std::string(name).c_str()) >= 0;
}

bool newer_than_libseccomp(std::string_view name) {
  return std::find(std::begin(kNewerThanLibseccomp), std::end(kNewerThanLibseccomp), name) !=
         std::end(kNewerThanLibseccomp);
}

bool strictly_increasing(std::span<const std::string_view> names) {
  return std::adjacent_find(names.begin(), names.end(), [](std::string_view a, std::string_view b) {
           return !(a < b);
         }) == names.end();
}

// The syscall names a group stands for, its subgroups expanded.
std::set<std::string> expand(std::string_view group) {
  std::set<std::string> out;
  std::set<std::string> seen;
  std::vector<std::string> todo{std::string(group)};
  while (!todo.empty()) {
    std::string name = todo.back();
    todo.pop_back();
    if (!is_group(name)) {
      out.insert(name);
      continue;
    }
    if (!seen.insert(name).second) continue;
    const Group* g = find_group(name);
    if (!g) {
      ADD_FAILURE() << "unknown group " << name;
      continue;
    }
    for (auto m : g->members) todo.emplace_back(m);
  }
  return out;
}

std::set<std::string> members_of(std::string_view group) {
  std::set<std::string> out;
  if (const Group* g = find_group(group))
    for (auto m : g->members) out.emplace(m);
  return out;
}

TEST(SeccompGroups, SortedUniqueAndDescribed) {
  const auto all = groups();
  ASSERT_FALSE(all.empty());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Group& g = all[i];
    SCOPED_TRACE(std::string(g.name));
    if (i > 0) {
      EXPECT_LT(all[i - 1].name, g.name) << "groups not sorted or not unique";
    }
    EXPECT_TRUE(is_group(g.name));
    EXPECT_FALSE(g.description.empty());
    EXPECT_EQ(g.description.find('\n'), std::string_view::npos) << "description is one line";
    EXPECT_FALSE(g.members.empty());
    EXPECT_TRUE(strictly_increasing(g.members)) << "members not sorted or not unique";
    for (auto m : g.members) {
      EXPECT_FALSE(m.empty());
      EXPECT_EQ(m.find_first_of(" \t\n,"), std::string_view::npos) << "'" << m << "'";
    }
  }
}

TEST(SeccompGroups, TheExpectedGroupsExist) {
  for (std::string_view name :
       {"@aio",     "@basic-io",    "@chown",    "@clock",  "@cpu-emulation", "@debug",
        "@default", "@file-system", "@io-event", "@ipc",    "@keyring",       "@known",
        "@memlock", "@memory",      "@module",   "@mount",  "@network-io",    "@obsolete",
        "@pkey",    "@privileged",  "@process",  "@raw-io", "@reboot",        "@resources",
        "@sandbox", "@setuid",      "@signal",   "@swap",   "@sync",          "@system-service",
        "@timer"})
    EXPECT_NE(find_group(name), nullptr) << name;
}

TEST(SeccompGroups, ReferencedGroupsExist) {
  for (const Group& g : groups())
    for (auto m : g.members)
      if (is_group(m)) {
        EXPECT_NE(find_group(m), nullptr) << g.name << " refers to unknown " << m;
        EXPECT_NE(m, g.name) << g.name << " refers to itself";
      }
}

TEST(SeccompGroups, NoCycles) {
  // Depth-first search; a group met again while still on the path closes a cycle.
  enum class State { OnPath, Done };
  std::map<std::string_view, State> state;
  std::vector<std::string_view> path;
  auto visit = [&](auto& self, const Group& g) -> void {
    auto [it, fresh] = state.try_emplace(g.name, State::OnPath);
    if (!fresh) {
      if (it->second == State::OnPath) {
        std::string cycle;
        for (auto p : path) cycle += std::string(p) + " -> ";
        ADD_FAILURE() << "cycle: " << cycle << g.name;
      }
      return;
    }
    path.push_back(g.name);
    for (auto m : g.members)
      if (is_group(m))
        if (const Group* sub = find_group(m)) self(self, *sub);
    path.pop_back();
    it->second = State::Done;
  };
  for (const Group& g : groups()) visit(visit, g);
  EXPECT_EQ(state.size(), groups().size());
}

TEST(SeccompGroups, EveryMemberIsARealSyscall) {
  std::vector<std::string> unknown;
  for (const Group& g : groups())
    for (auto m : g.members) {
      if (is_group(m) || resolves(SCMP_ARCH_X86_64, m) || newer_than_libseccomp(m)) continue;
      const bool elsewhere = std::any_of(std::begin(kOtherArches), std::end(kOtherArches),
                                         [&](std::uint32_t arch) { return resolves(arch, m); });
      if (!elsewhere) unknown.push_back(std::string(g.name) + ": " + std::string(m));
    }
  EXPECT_TRUE(unknown.empty()) << ::testing::PrintToString(unknown);
}

TEST(SeccompGroups, NewerThanLibseccompListIsSortedAndUsed) {
  std::vector<std::string_view> newer(std::begin(kNewerThanLibseccomp),
                                      std::end(kNewerThanLibseccomp));
  EXPECT_TRUE(strictly_increasing(newer));
  const auto known = members_of("@known");
  for (auto name : newer) EXPECT_TRUE(known.count(std::string(name))) << name;
}

TEST(SeccompGroups, KnownIsFlatAndHasEverything) {
  const Group* known = find_group("@known");
  ASSERT_NE(known, nullptr);
  for (auto m : known->members) EXPECT_FALSE(is_group(m)) << m;
  const auto names = members_of("@known");

  // Every syscall listed anywhere.
  for (const Group& g : groups()) {
    for (auto m : g.members) {
      if (!is_group(m)) {
        EXPECT_TRUE(names.count(std::string(m))) << g.name << ": " << m;
      }
    }
  }

  // Every syscall libseccomp knows, on x86_64 and the other architectures.
  std::vector<std::uint32_t> arches(std::begin(kOtherArches), std::end(kOtherArches));
  arches.push_back(SCMP_ARCH_X86_64);
  for (auto arch : arches)
    for (int nr = 0; nr < 10000; ++nr) {
      char* name = seccomp_syscall_resolve_num_arch(arch, nr);
      if (!name) continue;
      EXPECT_TRUE(names.count(name)) << name << " (arch " << std::hex << arch << ")";
      std::free(name);
    }
}

TEST(SeccompGroups, NativeNamesOfCommonGroupsResolve) {
  // The groups a confined daemon is built from must mostly be real here, not only elsewhere.
  for (std::string_view group :
       {"@basic-io", "@file-system", "@network-io", "@process", "@signal", "@memory", "@default"}) {
    std::size_t native = 0;
    const auto names = expand(group);
    for (const auto& n : names) native += resolves(SCMP_ARCH_X86_64, n);
    EXPECT_GE(native * 2, names.size()) << group;
  }
}

TEST(SeccompGroups, Contents) {
  const auto def = expand("@default");
  for (auto n : {"execve", "exit", "exit_group", "brk", "mmap", "munmap", "mprotect", "arch_prctl",
                 "futex", "rt_sigreturn", "getpid", "gettid", "set_tid_address", "rseq",
                 "clock_gettime", "restart_syscall", "seccomp"})
    EXPECT_TRUE(def.count(n)) << "@default lacks " << n;
  for (auto n : {"open", "openat", "read", "socket", "clone", "ptrace", "mount"})
    EXPECT_FALSE(def.count(n)) << "@default has " << n;

  const auto memory = expand("@memory");
  for (auto n : {"mmap", "munmap", "mprotect", "brk", "mremap", "madvise", "mlock", "mlockall",
                 "munlock", "mincore", "pkey_mprotect"})
    EXPECT_TRUE(memory.count(n)) << "@memory lacks " << n;

  const auto service = expand("@system-service");
  for (auto n : {"read", "write", "openat", "close", "socket", "accept4", "epoll_wait", "clone",
                 "rt_sigaction", "timerfd_create", "fsync", "setuid", "chown", "ioctl", "uname",
                 "execve", "mmap", "io_submit", "prlimit64"})
    EXPECT_TRUE(service.count(n)) << "@system-service lacks " << n;
  for (auto n : {"mount", "reboot", "init_module", "swapon", "ptrace", "settimeofday", "iopl",
                 "kexec_load", "bpf"})
    EXPECT_FALSE(service.count(n)) << "@system-service has " << n;

  const auto privileged = expand("@privileged");
  for (auto n :
       {"mount", "pivot_root", "chroot", "reboot", "kexec_load", "init_module", "delete_module",
        "swapon", "settimeofday", "iopl", "chown", "setuid", "bpf", "sethostname", "acct"})
    EXPECT_TRUE(privileged.count(n)) << "@privileged lacks " << n;

  EXPECT_TRUE(members_of("@mount").count("mount"));
  EXPECT_TRUE(members_of("@mount").count("umount2"));
  EXPECT_TRUE(members_of("@network-io").count("socketcall"));  // x86 (32-bit) only
  EXPECT_TRUE(members_of("@ipc").count("ipc"));
  EXPECT_TRUE(members_of("@basic-io").count("_llseek"));
  EXPECT_TRUE(members_of("@file-system").count("open"));  // not on aarch64
  EXPECT_TRUE(members_of("@file-system").count("stat"));
  EXPECT_TRUE(members_of("@debug").count("ptrace"));
  EXPECT_TRUE(members_of("@swap").count("swapoff"));
  EXPECT_TRUE(members_of("@keyring").count("keyctl"));
  EXPECT_TRUE(members_of("@sandbox").count("landlock_restrict_self"));
}

TEST(SeccompGroups, FindGroupHitsAndMisses) {
  const auto all = groups();
  for (const Group& g : all) {
    const Group* found = find_group(g.name);
    ASSERT_NE(found, nullptr) << g.name;
    EXPECT_EQ(found, &g) << g.name;  // the table's own entry, not a copy
  }
  const Group* basic = find_group("@basic-io");
  ASSERT_NE(basic, nullptr);
  EXPECT_EQ(basic->name, "@basic-io");
  EXPECT_TRUE(std::find(basic->members.begin(), basic->members.end(), "read") !=
              basic->members.end());

  const std::string_view misses[] = {"",
                                     "@",
                                     "basic-io",
                                     "@Basic-io",
                                     "@basic-i",
                                     "@basic-io ",
                                     "@basic-iox",
                                     "@@basic-io",
                                     "@aaa",
                                     "@zzz",
                                     "@files",
                                     "read",
                                     std::string_view("@known\0", 7)};
  for (std::string_view miss : misses) EXPECT_EQ(find_group(miss), nullptr) << "'" << miss << "'";
  // Before the first and after the last name.
  EXPECT_EQ(find_group(std::string(all.front().name).substr(0, all.front().name.size() - 1)),
            nullptr);
  EXPECT_EQ(find_group(std::string(all.back().name) + "s"), nullptr);
}

TEST(SeccompConstants, KnownValues) {
#if defined(__x86_64__) || defined(__i386__)
  EXPECT_EQ(constant("TIOCSTI"), 0x5412u);
  EXPECT_EQ(constant("TIOCLINUX"), 0x541Cu);
  EXPECT_EQ(constant("TIOCGPTPEER"), 0x5441u);
  EXPECT_EQ(constant("FIONREAD"), 0x541Bu);
  EXPECT_EQ(constant("O_LARGEFILE"), 0100000u);  // the kernel's bit, not glibc's 0
  EXPECT_EQ(constant("MAP_ANONYMOUS"), 0x20u);
#endif
  EXPECT_EQ(constant("AF_UNSPEC"), 0u);
  EXPECT_EQ(constant("AF_UNIX"), 1u);
  EXPECT_EQ(constant("AF_LOCAL"), 1u);
  EXPECT_EQ(constant("AF_INET"), 2u);
  EXPECT_EQ(constant("AF_NETLINK"), 16u);
  EXPECT_EQ(constant("AF_PACKET"), 17u);
  EXPECT_EQ(constant("AF_INET6"), 10u);
  EXPECT_EQ(constant("AF_VSOCK"), 40u);
  EXPECT_EQ(constant("SOCK_STREAM"), 1u);
  EXPECT_EQ(constant("SOCK_DGRAM"), 2u);
  EXPECT_EQ(constant("SOCK_RAW"), 3u);
  EXPECT_EQ(constant("SOCK_PACKET"), 10u);
  EXPECT_EQ(constant("CLONE_NEWUSER"), 0x10000000u);
  EXPECT_EQ(constant("CLONE_NEWNS"), 0x00020000u);
  EXPECT_EQ(constant("CLONE_NEWPID"), 0x20000000u);
  EXPECT_EQ(constant("CLONE_NEWNET"), 0x40000000u);
  EXPECT_EQ(constant("CLONE_NEWCGROUP"), 0x02000000u);
  EXPECT_EQ(constant("CLONE_NEWTIME"), 0x80u);
  EXPECT_EQ(constant("CLONE_THREAD"), 0x00010000u);
  EXPECT_EQ(constant("CLONE_IO"), 0x80000000u);
  EXPECT_EQ(constant("CLONE_INTO_CGROUP"), 0x200000000u);  // above 32 bits
  EXPECT_EQ(constant("PER_LINUX"), 0u);
  EXPECT_EQ(constant("PER_LINUX32"), 0x0008u);
  EXPECT_EQ(constant("PER_MASK"), 0x00ffu);
  EXPECT_EQ(constant("ADDR_NO_RANDOMIZE"), 0x0040000u);
  EXPECT_EQ(constant("READ_IMPLIES_EXEC"), 0x0400000u);
  EXPECT_EQ(constant("PR_SET_NAME"), 15u);
  EXPECT_EQ(constant("PR_SET_SECCOMP"), 22u);
  EXPECT_EQ(constant("PR_SET_NO_NEW_PRIVS"), 38u);
  EXPECT_EQ(constant("PR_CAP_AMBIENT"), 47u);
  EXPECT_EQ(constant("PR_CAP_AMBIENT_RAISE"), 2u);
  EXPECT_EQ(constant("PR_SET_PTRACER"), 0x59616d61u);
  EXPECT_EQ(constant("PR_SET_MDWE"), 65u);
  EXPECT_EQ(constant("PR_SET_PTRACER_ANY"), static_cast<std::uint64_t>(~0UL));
  EXPECT_EQ(constant("PROT_NONE"), 0u);
  EXPECT_EQ(constant("PROT_READ"), 1u);
  EXPECT_EQ(constant("PROT_EXEC"), 4u);
  EXPECT_EQ(constant("O_RDONLY"), 0u);
}

TEST(SeccompConstants, MatchTheSystemHeaders) {
  const std::pair<std::string_view, std::uint64_t> expected[] = {
      {"AF_BLUETOOTH", AF_BLUETOOTH},
      {"AF_ALG", AF_ALG},
      {"AF_XDP", AF_XDP},
      {"SOCK_NONBLOCK", SOCK_NONBLOCK},
      {"SOCK_CLOEXEC", SOCK_CLOEXEC},
      {"SOCK_SEQPACKET", SOCK_SEQPACKET},
      {"TIOCSCTTY", TIOCSCTTY},
      {"TIOCGWINSZ", TIOCGWINSZ},
      {"TIOCSWINSZ", TIOCSWINSZ},
      {"TIOCNOTTY", TIOCNOTTY},
      {"TIOCGPGRP", TIOCGPGRP},
      {"TIOCSPGRP", TIOCSPGRP},
      {"TIOCSETD", TIOCSETD},
      {"TIOCGSID", TIOCGSID},
      {"TIOCCONS", TIOCCONS},
      {"TIOCEXCL", TIOCEXCL},
      {"TIOCNXCL", TIOCNXCL},
      {"TIOCGPTN", TIOCGPTN},
      {"TIOCSPTLCK", TIOCSPTLCK},
      {"FIONBIO", FIONBIO},
      {"FIOCLEX", FIOCLEX},
      {"FIONCLEX", FIONCLEX},
      {"TCGETS", TCGETS},
      {"CLONE_VM", CLONE_VM},
      {"CLONE_FS", CLONE_FS},
      {"CLONE_FILES", CLONE_FILES},
      {"CLONE_SIGHAND", CLONE_SIGHAND},
      {"CLONE_NEWIPC", CLONE_NEWIPC},
      {"CLONE_NEWUTS", CLONE_NEWUTS},
      {"CLONE_PIDFD", CLONE_PIDFD},
      {"PER_LINUX_32BIT", PER_LINUX_32BIT},
      {"PER_BSD", PER_BSD},
      {"PR_GET_NAME", PR_GET_NAME},
      {"PR_CAPBSET_DROP", PR_CAPBSET_DROP},
      {"PR_SET_DUMPABLE", PR_SET_DUMPABLE},
      {"PR_SET_PDEATHSIG", PR_SET_PDEATHSIG},
      {"PR_SET_CHILD_SUBREAPER", PR_SET_CHILD_SUBREAPER},
      {"PR_SET_MM", PR_SET_MM},
      {"PR_SET_VMA", PR_SET_VMA},
      {"O_WRONLY", O_WRONLY},
      {"O_RDWR", O_RDWR},
      {"O_CREAT", O_CREAT},
      {"O_EXCL", O_EXCL},
      {"O_TRUNC", O_TRUNC},
      {"O_APPEND", O_APPEND},
      {"O_CLOEXEC", O_CLOEXEC},
      {"O_PATH", O_PATH},
      {"O_TMPFILE", O_TMPFILE},
      {"O_DIRECTORY", O_DIRECTORY},
      {"O_NOFOLLOW", O_NOFOLLOW},
      {"PROT_WRITE", PROT_WRITE},
      {"PROT_GROWSDOWN", PROT_GROWSDOWN},
      {"MAP_SHARED", MAP_SHARED},
      {"MAP_PRIVATE", MAP_PRIVATE},
      {"MAP_FIXED", MAP_FIXED},
      {"MAP_FIXED_NOREPLACE", MAP_FIXED_NOREPLACE},
      {"MAP_HUGETLB", MAP_HUGETLB},
      {"MAP_STACK", MAP_STACK},
  };
  for (const auto& [name, value] : expected) EXPECT_EQ(constant(name), value) << name;
}

TEST(SeccompConstants, UnknownNames) {
  for (std::string_view name :
       {"",       "AF_",   "af_unix", "AF_unix",  "AF_UNIX ", " AF_UNIX", "AF_UNIXX",
        "AF_MAX", "AAA",   "ZZZZ",    "TIOCSTI2", "CLONE_",   "PER_",     "PR_",
        "O_",     "PROT_", "MAP_",    "EPERM",    "SIGKILL",  "read"})
    EXPECT_FALSE(constant(name).has_value()) << "'" << name << "'";
}

}  // namespace
}  // namespace cloister::seccomp
