// The constructed root: what is visible, what is writable, where binds land, /proc and /dev,
// the default root, and the filesystem options (--dir, --symlink, --file, --tmpfs, ...).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace cloister_it {
namespace {

constexpr const char* kTmpfsMagic = "0x1021994";

bool host_has_mount_at(const std::string& point) {
  for (const auto& line : lines_of(read_text("/proc/self/mountinfo"))) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mount_point;
    fields >> id >> parent >> devno >> root >> mount_point;
    if (mount_point == point) return true;
  }
  return false;
}

bool host_mountinfo_mentions(const std::string& path) {
  return read_text("/proc/self/mountinfo").find(path) != std::string::npos;
}

std::string unique_name(const char* prefix) {
  return std::string(prefix) + std::to_string(::getpid()) + "-" +
         std::to_string(Clock::now().time_since_epoch().count());
}

// ---- visibility ----------------------------------------------------------------------------

TEST(Visibility, UnboundHostPathsAreAbsent) {
  TempDir dir;
  const std::string marker = dir.write("marker", "host marker\n");
  auto r = run_sandbox({}, {"ls", "/", "+", "stat", marker, "+", "stat", dir.path(), "+", "stat",
                            "/etc/passwd", "+", "stat", "/usr"});
  EXPECT_EQ(r.list("entries:/"), (Argv{"dev", "probe", "proc"})) << r.describe();
  EXPECT_EQ(r.value("stat:" + marker), "ENOENT");
  EXPECT_EQ(r.value("stat:" + dir.path()), "ENOENT");
  EXPECT_EQ(r.value("stat:/etc/passwd"), "ENOENT");
  EXPECT_EQ(r.value("stat:/usr"), "ENOENT");

  auto bound = run_sandbox({"--ro-bind", dir.path(), dir.path()}, {"read", marker});
  ASSERT_EQ(bound.exit_code, 0) << bound.describe();
  EXPECT_EQ(bound.value("data:" + marker), "host marker\\n") << "control: bound, it is visible";
}

// ---- read-only binds -----------------------------------------------------------------------

TEST(ReadOnly, RoBindRejectsWrites) {
  TempDir dir;
  dir.write("existing", "original\n");
  auto r = run_sandbox({"--ro-bind", dir.path(), "/t"},
                       {"write", "/t/new", "+", "write", "/t/existing", "+", "mkdir", "/t/sub", "+",
                        "statfs", "/t", "+", "read", "/t/existing"});
  EXPECT_EQ(r.value("write:/t/new"), "EROFS") << r.describe();
  EXPECT_EQ(r.value("write:/t/existing"), "EROFS");
  EXPECT_EQ(r.value("mkdir:/t/sub"), "EROFS");
  EXPECT_EQ(r.value("rdonly:/t"), "1");
  EXPECT_EQ(r.value("data:/t/existing"), "original\\n");
  EXPECT_EQ(list_dir(dir.path()), (Argv{"existing"}));
  EXPECT_EQ(read_text(dir / "existing"), "original\n");
}

TEST(ReadOnly, BindIsWritableAndSharedWithTheHost) {
  TempDir dir;
  dir.writable_by_sandbox();
  auto r = run_sandbox({"--bind", dir.path(), "/t"}, {"write", "/t/new", "+", "statfs", "/t"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("write:/t/new"), "ok");
  EXPECT_EQ(r.value("rdonly:/t"), "0");
  EXPECT_EQ(read_text(dir / "new"), "probe\n");
}

// /dev on the host has submounts (/dev/shm, a world-writable tmpfs; /dev/pts): a read-only
// bind of /dev must make them read-only too.
TEST(ReadOnly, RoBindCoversHostSubmounts) {
  if (!host_has_mount_at("/dev/shm")) GTEST_SKIP() << "the host has no /dev/shm mount";
  struct stat st {};
  ASSERT_EQ(::stat("/dev/shm", &st), 0);
  if ((st.st_mode & 0002) == 0) GTEST_SKIP() << "the host's /dev/shm is not world-writable";
  const std::string name = unique_name("cloister-it-");
  auto r = run_sandbox({"--ro-bind", "/dev", "/hostdev"},
                       {"write", "/hostdev/shm/" + name, "+", "mkdir", "/hostdev/shm/" + name + "d",
                        "+", "statfs", "/hostdev/shm", "+", "write", "/hostdev/" + name});
  // Should the write have gone through, take it back off the host.
  const bool leaked = exists("/dev/shm/" + name) || exists("/dev/shm/" + name + "d");
  ::unlink(("/dev/shm/" + name).c_str());
  ::rmdir(("/dev/shm/" + name + "d").c_str());
  EXPECT_FALSE(leaked) << "a write reached the host's /dev/shm";
  EXPECT_EQ(r.value("write:/hostdev/shm/" + name), "EROFS") << r.describe();
  EXPECT_EQ(r.value("mkdir:/hostdev/shm/" + name + "d"), "EROFS");
  EXPECT_EQ(r.value("rdonly:/hostdev/shm"), "1");
  EXPECT_EQ(r.value("write:/hostdev/" + name), "EROFS");
}

TEST(ReadOnly, RemountRoCoversSubmounts) {
  TempDir dir;
  dir.writable_by_sandbox();
  auto r = run_sandbox({"--bind", dir.path(), "/t", "--tmpfs", "/t/sub", "--remount-ro", "/t"},
                       {"write", "/t/top", "+", "write", "/t/sub/nested", "+", "statfs", "/t/sub"});
  EXPECT_EQ(r.value("write:/t/top"), "EROFS") << r.describe();
  EXPECT_EQ(r.value("write:/t/sub/nested"), "EROFS");
  EXPECT_EQ(r.value("rdonly:/t/sub"), "1");
  EXPECT_FALSE(exists(dir / "top"));

  auto control =
      run_sandbox({"--bind", dir.path(), "/t", "--tmpfs", "/t/sub"}, {"write", "/t/sub/nested"});
  EXPECT_EQ(control.value("write:/t/sub/nested"), "ok") << control.describe();
}

TEST(ReadOnly, RemountRoOfANonMountPointFails) {
  auto r = run_sandbox({"--dir", "/plain", "--remount-ro", "/plain"}, {"exit", "0"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("/plain"), std::string::npos) << r.describe();
}

// ---- symlinks planted in bind destinations -------------------------------------------------

struct SymlinkCase {
  const char* name;
  bool relative;  // "../../.." up to the root, then the victim's path
  bool through;   // DEST goes through the link (/t/evil/x) or is the link (/t/evil)
};

class PlantedSymlink : public ::testing::TestWithParam<SymlinkCase> {};

// A host directory bound at /t holds `evil -> VICTIM`, VICTIM being a host directory the
// sandbox never sees. A bind onto /t/evil[/x] must resolve inside the new root, where VICTIM
// is a directory of the sandbox's own (--dir): the host's VICTIM must stay untouched.
TEST_P(PlantedSymlink, CannotRedirectABindOntoTheHost) {
  const SymlinkCase c = GetParam();
  TempDir bound, victim, source;
  source.write("payload", "from source\n");
  std::string target = victim.path();
  if (c.relative) {
    target.clear();
    for (int i = 0; i < 12; ++i) target += "../";
    target += victim.path().substr(1);
  }
  bound.symlink(target, "evil");
  ASSERT_TRUE(exists(victim.path()));
  const std::string dest = c.through ? "/t/evil/x" : "/t/evil";
  const std::string inside = c.through ? victim / "x" : victim.path();
  auto r = run_sandbox(
      {"--bind", bound.path(), "/t", "--dir", victim.path(), "--bind", source.path(), dest},
      {"read", dest + "/payload", "+", "read", inside + "/payload"});
  EXPECT_EQ(list_dir(victim.path()), Argv{}) << "the host's victim directory was written to";
  EXPECT_EQ(list_dir(bound.path()), (Argv{"evil"}));
  EXPECT_FALSE(host_mountinfo_mentions(victim.path()));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("data:" + dest + "/payload"), "from source\\n");
  EXPECT_EQ(r.value("data:" + inside + "/payload"), "from source\\n");
}

INSTANTIATE_TEST_SUITE_P(Binds, PlantedSymlink,
                         ::testing::Values(SymlinkCase{"AbsoluteThrough", false, true},
                                           SymlinkCase{"AbsoluteLeaf", false, false},
                                           SymlinkCase{"RelativeThrough", true, true},
                                           SymlinkCase{"RelativeLeaf", true, false}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// Without a VICTIM inside the sandbox the link leads nowhere: whatever cloister does, the
// host's directory stays empty.
TEST(PlantedSymlinkNoTarget, HostStaysUntouched) {
  TempDir bound, victim, source;
  source.write("payload", "from source\n");
  bound.symlink(victim.path(), "evil");
  auto r = run_sandbox({"--bind", bound.path(), "/t", "--bind", source.path(), "/t/evil/x"},
                       {"read", "/t/evil/x/payload"});
  EXPECT_EQ(list_dir(victim.path()), Argv{}) << r.describe();
  EXPECT_EQ(list_dir(bound.path()), (Argv{"evil"}));
  EXPECT_FALSE(host_mountinfo_mentions(victim.path()));
  if (r.exit_code == 0)
    EXPECT_EQ(r.value("data:/t/evil/x/payload"), "from source\\n");
  else
    EXPECT_EQ(r.exit_code, 125) << r.describe();
}

// Every other operation whose DEST runs through (or is) a planted link: the host's directory
// and file behind the links keep their contents and modes.
struct PlantedOp {
  const char* name;
  Argv options;  // the links: /t/evil -> VICTIM, /t/evilfile -> VICTIM/file
};

class PlantedSymlinkOps : public ::testing::TestWithParam<PlantedOp> {};

TEST_P(PlantedSymlinkOps, LeaveTheHostUntouched) {
  TempDir bound, victim;
  victim.write("file", "original\n", 0644);
  bound.symlink(victim.path(), "evil");
  bound.symlink(victim / "file", "evilfile");
  Fd data = data_fd("planted\n");
  Argv options = {"--bind", bound.path(), "/t"};
  options.insert(options.end(), GetParam().options.begin(), GetParam().options.end());
  auto r = run_sandbox(options, {"exit", "0"}, with_fds({{5, data.get()}}));
  EXPECT_EQ(list_dir(victim.path()), (Argv{"file"})) << r.describe();
  EXPECT_EQ(read_text(victim / "file"), "original\n");
  struct stat dir_st {
  }, file_st{};
  ASSERT_EQ(::stat(victim.path().c_str(), &dir_st), 0);
  ASSERT_EQ(::stat((victim / "file").c_str(), &file_st), 0);
  EXPECT_EQ(dir_st.st_mode & 07777, 0755U);
  EXPECT_EQ(file_st.st_mode & 07777, 0644U);
  EXPECT_EQ(list_dir(bound.path()), (Argv{"evil", "evilfile"}));
  EXPECT_FALSE(host_mountinfo_mentions(victim.path()));
  // Refusing is fine (nothing of VICTIM exists in the sandbox), as long as it says so.
  if (r.exit_code != 0) {
    EXPECT_EQ(r.exit_code, 125) << r.describe();
    EXPECT_EQ(r.err.rfind("cloister: ", 0), 0U) << r.describe();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Binds, PlantedSymlinkOps,
    ::testing::Values(PlantedOp{"FileThrough", {"--file", "5", "/t/evil/new"}},
                      PlantedOp{"FileLeaf", {"--file", "5", "/t/evilfile"}},
                      PlantedOp{"DirThrough", {"--dir", "/t/evil/newdir"}},
                      PlantedOp{"SymlinkThrough", {"--symlink", "/x", "/t/evil/lnk"}},
                      PlantedOp{"TmpfsLeaf", {"--tmpfs", "/t/evil"}},
                      PlantedOp{"ChmodDirLeaf", {"--chmod", "0700", "/t/evil"}},
                      PlantedOp{"ChmodFileLeaf", {"--chmod", "0600", "/t/evilfile"}},
                      PlantedOp{"BindDataLeaf", {"--bind-data", "5", "/t/evilfile"}},
                      PlantedOp{"RoBindDataThrough", {"--ro-bind-data", "5", "/t/evil/bd"}},
                      PlantedOp{"RemountRoLeaf", {"--remount-ro", "/t/evil"}}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// ".." in DEST stops at the new root: "/../oldroot/HOSTDIR/x" (the host's root while cloister
// builds the sandbox) and "/../../../HOSTDIR/x" name paths inside the sandbox.
TEST(DotDot, DestinationsStayInsideTheNewRoot) {
  TempDir victim, source;
  source.write("payload", "from source\n");
  // {DEST prefix, where it lands inside}
  for (const auto& [prefix, clamped] : std::vector<std::pair<std::string, std::string>>{
           {"/../oldroot", "/oldroot"}, {"/../../..", ""}}) {
    const std::string dest = prefix + victim.path() + "/x";
    const std::string inside = clamped + victim.path() + "/x";
    for (const Argv& op : {Argv{"--dir", dest}, Argv{"--file", "5", dest},
                           Argv{"--bind", source.path(), dest}, Argv{"--tmpfs", dest}}) {
      Fd data = data_fd("data\n");
      auto r = run_sandbox(op, {"stat", inside}, with_fds({{5, data.get()}}));
      EXPECT_EQ(list_dir(victim.path()), Argv{}) << op[0] << " " << dest << "\n" << r.describe();
      EXPECT_EQ(r.exit_code, 0) << r.describe();
      EXPECT_NE(r.value("stat:" + inside), "ENOENT") << op[0] << " " << dest;
    }
  }
  EXPECT_FALSE(host_mountinfo_mentions(victim.path()));
}

// ---- /proc and /dev ------------------------------------------------------------------------

TEST(Proc, SysctlsAreReadOnly) {
  // Root of its own user namespace owns the sandbox's network sysctls: only the read-only
  // mount stands between it and a write.
  auto r = run_sandbox({"--uid", "0", "--gid", "0"},
                       {"statfs", "/proc/sys", "+", "statfs", "/proc", "+", "write",
                        "/proc/sys/net/ipv4/ping_group_range", "+", "statfs", "/proc/irq", "+",
                        "statfs", "/proc/bus"});
  EXPECT_EQ(r.value("rdonly:/proc/sys"), "1") << r.describe();
  EXPECT_EQ(r.value("rdonly:/proc"), "0");
  EXPECT_EQ(r.value("write:/proc/sys/net/ipv4/ping_group_range"), "EROFS");
  if (exists("/proc/irq")) {
    EXPECT_EQ(r.value("rdonly:/proc/irq"), "1");
  }
  if (exists("/proc/bus")) {
    EXPECT_EQ(r.value("rdonly:/proc/bus"), "1");
  }
}

TEST(Proc, SysrqTriggerIsReadOnly) {
  if (!exists("/proc/sysrq-trigger")) GTEST_SKIP() << "kernel without CONFIG_MAGIC_SYSRQ";
  auto r = run_sandbox({}, {"statfs", "/proc/sysrq-trigger"});
  EXPECT_EQ(r.value("rdonly:/proc/sysrq-trigger"), "1") << r.describe();
}

const std::set<std::string> kDevRequired = {"null",   "zero",   "full", "random", "urandom",
                                            "tty",    "ptmx",   "pts",  "shm",    "stdin",
                                            "stdout", "stderr", "fd"};

TEST(Dev, HoldsOnlyTheMinimalNodes) {
  auto r = run_sandbox({}, {"ls", "/dev", "+", "stat", "/dev/null", "+", "stat", "/dev/pts", "+",
                            "stat", "/dev/shm", "+", "stat", "/dev/fd"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::set<std::string> allowed = kDevRequired;
  allowed.insert({"core", "console"});
  const auto entries = r.list("entries:/dev");
  for (const auto& name : kDevRequired)
    EXPECT_NE(std::find(entries.begin(), entries.end(), name), entries.end()) << "missing " << name;
  for (const auto& name : entries) EXPECT_TRUE(allowed.count(name)) << "unexpected /dev/" << name;
  // Nothing else of the host's /dev (disks, consoles, kmsg...).
  for (const auto& host_entry : list_dir("/dev")) {
    if (allowed.count(host_entry)) continue;
    EXPECT_EQ(std::find(entries.begin(), entries.end(), host_entry), entries.end())
        << "host device /dev/" << host_entry << " is visible";
  }
  EXPECT_EQ(r.value("stat:/dev/null"), "chr");
  EXPECT_EQ(r.value("stat:/dev/pts"), "dir");
  EXPECT_EQ(r.value("stat:/dev/shm"), "dir");
  EXPECT_EQ(r.value("stat:/dev/fd"), "symlink");
}

TEST(Dev, NodesWork) {
  auto r = run_sandbox({}, {"write", "/dev/null", "+", "fill", "/dev/full", "10", "+", "write",
                            "/dev/shm/x", "+", "read", "/dev/null"});
  EXPECT_EQ(r.value("write:/dev/null"), "ok") << r.describe();
  EXPECT_EQ(r.value("fill:/dev/full"), "ENOSPC");
  EXPECT_EQ(r.value("write:/dev/shm/x"), "ok");
  EXPECT_EQ(r.value("data:/dev/null"), "");
}

TEST(Dev, HostDevicesAreAbsent) {
  std::vector<std::string> block;
  for (const auto& name : list_dir("/dev")) {
    struct stat st {};
    if (::stat(("/dev/" + name).c_str(), &st) == 0 && S_ISBLK(st.st_mode)) block.push_back(name);
  }
  if (block.empty()) GTEST_SKIP() << "no block device on the host to look for";
  Argv args;
  for (const auto& name : block) args.insert(args.end(), {"stat", "/dev/" + name, "+"});
  args.pop_back();
  auto r = run_sandbox({}, args);
  for (const auto& name : block) EXPECT_EQ(r.value("stat:/dev/" + name), "ENOENT") << name;
}

// ---- the default root ----------------------------------------------------------------------

TEST(DefaultRoot, ShellRuns) {
  auto r = run(cloister({"--", "/bin/sh", "-c",
                         "echo hello; test -r /etc/passwd && test ! -e /etc/shadow && "
                         "test -w /tmp && test ! -w / && echo checks=ok"}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.has_line("hello"));
  EXPECT_TRUE(r.has_line("checks=ok")) << r.describe();
}

TEST(DefaultRoot, SystemIsReadOnlyAndTmpIsWritable) {
  auto r = run_default({}, {"stat",
                            "/usr/bin",
                            "+",
                            "write",
                            "/usr/cloister-it",
                            "+",
                            "statfs",
                            "/usr",
                            "+",
                            "write",
                            "/cloister-it",
                            "+",
                            "mkdir",
                            "/newdir",
                            "+",
                            "write",
                            "/tmp/x",
                            "+",
                            "write",
                            "/var/tmp/x",
                            "+",
                            "statfs",
                            "/tmp"});
  EXPECT_EQ(r.value("stat:/usr/bin"), "dir") << r.describe();
  EXPECT_EQ(r.value("write:/usr/cloister-it"), "EROFS");
  EXPECT_EQ(r.value("rdonly:/usr"), "1");
  EXPECT_EQ(r.value("write:/cloister-it"), "EROFS");
  EXPECT_EQ(r.value("mkdir:/newdir"), "EROFS");
  EXPECT_EQ(r.value("write:/tmp/x"), "ok");
  EXPECT_EQ(r.value("write:/var/tmp/x"), "ok");
  EXPECT_EQ(r.value("fstype:/tmp"), kTmpfsMagic);
}

TEST(DefaultRoot, TmpIsPrivate) {
  TempDir host;
  host.write("marker", "host\n");
  const std::string name = unique_name("cloister-it-private-");
  auto r = run_default(
      {}, {"stat", host / "marker", "+", "stat", host.path(), "+", "write", "/tmp/" + name});
  EXPECT_EQ(r.value("stat:" + host / "marker"), "ENOENT") << r.describe();
  EXPECT_EQ(r.value("stat:" + host.path()), "ENOENT");
  EXPECT_EQ(r.value("write:/tmp/" + name), "ok");
  EXPECT_FALSE(exists("/tmp/" + name)) << "the sandbox's /tmp is the host's";
  ::unlink(("/tmp/" + name).c_str());
}

TEST(DefaultRoot, EtcHasPasswdButNoSecrets) {
  auto r = run_default({}, {"read", "/etc/passwd", "+", "stat", "/etc/shadow", "+", "stat",
                            "/etc/gshadow", "+", "stat", "/etc/ssh", "+", "stat", "/root"});
  EXPECT_EQ(r.value("read:/etc/passwd"), "ok") << r.describe();
  EXPECT_NE(r.value("data:/etc/passwd").find("root:"), std::string::npos);
  EXPECT_EQ(r.value("stat:/etc/shadow"), "ENOENT");
  EXPECT_EQ(r.value("stat:/etc/gshadow"), "ENOENT");
  EXPECT_EQ(r.value("stat:/etc/ssh"), "ENOENT");
  EXPECT_EQ(r.value("stat:/root"), "ENOENT");
}

TEST(DefaultRoot, IsolatedProcessesNetworkAndPrivileges) {
  auto r = run_default({}, {"pids", "+", "netifs", "+", "caps", "+", "ls", "/dev", "+", "ids"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.list("pids"), (Argv{"1", "2"}));
  EXPECT_EQ(r.list("ifs"), (Argv{"lo"}));
  EXPECT_EQ(r.list("up"), (Argv{"lo"}));
  for (const char* set : {"CapPrm", "CapEff", "CapBnd", "CapAmb"})
    EXPECT_EQ(r.value(set), "0000000000000000") << set;
  EXPECT_EQ(r.value("NoNewPrivs"), "1");
  const auto dev = r.list("entries:/dev");
  for (const auto& name : kDevRequired)
    EXPECT_NE(std::find(dev.begin(), dev.end(), name), dev.end()) << "missing /dev/" << name;
  EXPECT_EQ(r.value("uid"), std::to_string(::geteuid()));
}

// Filesystem options add to the default view: the system stays, the bind and the tmpfs join it.
TEST(DefaultRoot, FilesystemOptionsAddToTheView) {
  TempDir dir;
  const std::string src = dir.mkdir("src", 0777);  // writable for the uid 65534 run too
  dir.write("src/input", "data\n");
  auto r = run_default(
      {"--bind", src, "/src", "--size", "1M", "--tmpfs", "/t"},
      {"stat",       "/usr/bin", "+",     "read",        "/etc/passwd", "+",       "read",
       "/src/input", "+",        "write", "/src/output", "+",           "write",   "/t/x",
       "+",          "statfs",   "/t",    "+",           "write",       "/newfile"});
  EXPECT_EQ(r.value("stat:/usr/bin"), "dir") << r.describe();
  EXPECT_EQ(r.value("read:/etc/passwd"), "ok");
  EXPECT_EQ(r.value("data:/src/input"), "data\\n");
  EXPECT_EQ(r.value("write:/src/output"), "ok");
  EXPECT_TRUE(exists(src + "/output")) << "the bind is the host's directory";
  EXPECT_EQ(r.value("write:/t/x"), "ok");
  EXPECT_EQ(r.value("fstype:/t"), kTmpfsMagic);
  EXPECT_EQ(r.value("write:/newfile"), "EROFS") << "the root stays sealed";
}

// --empty-root is bubblewrap's model: only what is named.
TEST(DefaultRoot, EmptyRootHoldsOnlyWhatIsNamed) {
  auto r = run_sandbox({}, {"ls", "/"});
  EXPECT_EQ(r.list("entries:/"), (Argv{"dev", "probe", "proc"})) << r.describe();
}

// The jobs a newcomer tries first: cc (a link through /etc/alternatives) and make on a
// bound tree, read-write.
TEST(DefaultRoot, CompilerAndMakeWorkOnABoundTree) {
  for (const char* tool : {"/usr/bin/cc", "/usr/bin/make"})
    if (::access(tool, X_OK) != 0) GTEST_SKIP() << tool << " is not installed on this host";
  TempDir dir;
  const std::string src = dir.mkdir("src", 0777);  // writable for the uid 65534 run too
  dir.write("src/hello.c", "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n");
  dir.write("src/Makefile", "hello: hello.c\n\tcc -o hello hello.c\n");
  auto r =
      run(cloister({"--bind", src, "/src", "--", "/bin/sh", "-c", "make -C /src && /src/hello"}));
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.has_line("hello")) << r.describe();
  EXPECT_TRUE(exists(src + "/hello"));
}

// ---- filesystem options --------------------------------------------------------------------

TEST(FsOptions, DirWithPerms) {
  auto r = run_sandbox({"--dir", "/plain", "--perms", "0710", "--dir", "/a/b/strict"},
                       {"stat", "/plain", "+", "stat", "/a/b/strict", "+", "stat", "/a/b"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("stat:/plain"), "dir");
  EXPECT_EQ(r.value("mode:/plain"), "0755");
  EXPECT_EQ(r.value("stat:/a/b/strict"), "dir");
  EXPECT_EQ(r.value("mode:/a/b/strict"), "0710");
  EXPECT_EQ(r.value("stat:/a/b"), "dir");
}

TEST(FsOptions, Symlink) {
  auto r = run_sandbox({"--symlink", "/somewhere/else", "/lnk", "--symlink", "probe", "/p2"},
                       {"stat", "/lnk", "+", "stat", "/p2", "+", "exit", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("stat:/lnk"), "symlink");
  EXPECT_EQ(r.value("link:/lnk"), "/somewhere/else");
  EXPECT_EQ(r.value("link:/p2"), "probe");
  auto run_through = run(cloister({"--empty-root", "--ro-bind", kProbe, "/probe", "--symlink",
                                   "/probe", "/bin/p", "--", "/bin/p", "exit", "7"}));
  EXPECT_EQ(run_through.exit_code, 7) << run_through.describe();
}

TEST(FsOptions, FileCopiesTheDescriptorsContents) {
  Fd data = data_fd("hello\nworld\n");
  Fd data2 = data_fd("second\n");
  auto r = run_sandbox(
      {"--file", "5", "/etc/motd", "--perms", "0640", "--file", "6", "/f2"},
      {"read", "/etc/motd", "+", "stat", "/f2", "+", "read", "/f2", "+", "write", "/etc/motd"},
      with_fds({{5, data.get()}, {6, data2.get()}}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("data:/etc/motd"), "hello\\nworld\\n");
  EXPECT_EQ(r.value("data:/f2"), "second\\n");
  EXPECT_EQ(r.value("mode:/f2"), "0640");
  EXPECT_EQ(r.value("write:/etc/motd"), "ok") << "a copy on the sandbox's own root";
}

TEST(FsOptions, BindDataAndRoBindData) {
  Fd rw = data_fd("writable data\n");
  Fd ro = data_fd("read-only data\n");
  auto r = run_sandbox({"--bind-data", "5", "/rw", "--perms", "0640", "--ro-bind-data", "6", "/ro"},
                       {"read", "/rw", "+", "read", "/ro", "+", "stat", "/ro", "+", "statfs", "/ro",
                        "+", "write", "/rw", "+", "write", "/ro"},
                       with_fds({{5, rw.get()}, {6, ro.get()}}));
  EXPECT_EQ(r.value("data:/rw"), "writable data\\n") << r.describe();
  EXPECT_EQ(r.value("data:/ro"), "read-only data\\n");
  EXPECT_EQ(r.value("mode:/ro"), "0640");
  EXPECT_EQ(r.value("rdonly:/ro"), "1");
  EXPECT_EQ(r.value("write:/rw"), "ok");
  EXPECT_EQ(r.value("write:/ro"), "EROFS");
}

TEST(FsOptions, TmpfsWithPermsAndSize) {
  auto r = run_sandbox(
      {"--perms", "0700", "--size", "1048576", "--tmpfs", "/small", "--tmpfs", "/plain"},
      {"stat", "/small", "+", "statfs", "/small", "+", "fill", "/small/a", "65536", "+", "fill",
       "/small/big", "2097152", "+", "stat", "/plain", "+", "statfs", "/plain"});
  EXPECT_EQ(r.value("stat:/small"), "dir") << r.describe();
  EXPECT_EQ(r.value("mode:/small"), "0700");
  EXPECT_EQ(r.value("fstype:/small"), kTmpfsMagic);
  EXPECT_EQ(r.value("fssize:/small"), "1048576");
  EXPECT_EQ(r.value("fill:/small/a"), "ok");
  EXPECT_EQ(r.value("fill:/small/big"), "ENOSPC");
  EXPECT_EQ(r.value("mode:/plain"), "0755");
  EXPECT_NE(r.value("fssize:/plain"), "1048576");
}

TEST(FsOptions, Mqueue) {
  auto r = run_sandbox({"--mqueue", "/dev/mqueue"}, {"statfs", "/dev/mqueue"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("fstype:/dev/mqueue"), "0x19800202");  // MQUEUE_MAGIC
}

TEST(FsOptions, Chmod) {
  auto r = run_sandbox(
      {"--dir", "/c", "--tmpfs", "/m", "--chmod", "1777", "/m", "--chmod", "0750", "/c"},
      {"stat", "/c", "+", "stat", "/m"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("mode:/c"), "0750");
  EXPECT_EQ(r.value("mode:/m"), "1777");
}

TEST(FsOptions, BindTryWithMissingSourceIsSkipped) {
  TempDir dir;
  dir.write("marker", "x");
  const std::string missing = dir / "does-not-exist";
  auto r = run_sandbox({"--bind-try", missing, "/missing", "--ro-bind-try", dir.path(), "/there"},
                       {"stat", "/missing", "+", "stat", "/there/marker"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("stat:/missing"), "ENOENT");
  EXPECT_EQ(r.value("stat:/there/marker"), "file");
  EXPECT_FALSE(exists(missing));
}

TEST(FsOptions, BindWithMissingSourceFails) {
  TempDir dir;
  const std::string missing = dir / "does-not-exist";
  auto r = run_sandbox({"--bind", missing, "/missing"}, {"exit", "0"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("cloister: "), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.describe();
  EXPECT_FALSE(exists(missing));
}

}  // namespace
}  // namespace cloister_it
