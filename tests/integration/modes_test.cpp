// Sandbox modes: chroot (no namespaces) and auto (namespaces, chroot only when refused).
// The refusal is made in a throwaway user namespace of the test's own, never on the host:
// user.max_user_namespaces = 0 there, and CAP_SYS_ADMIN dropped, as in a container.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness.hpp"

namespace cloister_it {
namespace {

// A directory holding only the static probe, to chroot into.
struct ChrootDir {
  TempDir dir;
  ChrootDir() {
    std::ifstream in(kProbe, std::ios::binary);
    std::stringstream data;
    data << in.rdbuf();
    dir.write("probe", data.str(), 0755);
    dir.write("marker", "inside\n");
  }
  const std::string& path() const { return dir.path(); }
};

// Runs `cloister run ARGS` where creating namespaces is refused: a user namespace whose own
// limit forbids nested ones, and no CAP_SYS_ADMIN (CAP_SYS_CHROOT stays, as in Docker).
RunResult run_where_namespaces_are_refused(const Argv& cloister_args) {
  Argv argv = {"/usr/bin/unshare",
               "--user",
               "--map-root-user",
               "/bin/sh",
               "-c",
               "echo 0 > /proc/sys/user/max_user_namespaces && "
               "exec /usr/bin/setpriv --bounding-set -sys_admin --inh-caps -sys_admin \"$@\"",
               "sh",
               kCloister,
               "run"};
  argv.insert(argv.end(), cloister_args.begin(), cloister_args.end());
  return run(argv);
}

TEST(ChrootMode, ChrootsIntoTheRootBindAndDropsEverything) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "chroot mode needs CAP_SYS_CHROOT, which only root has here";
  ChrootDir root;
  auto r = run(cloister({"--sandbox=chroot", "--ro-bind", root.path(), "/", "--", "/probe", "ls",
                         "/", "+", "capsys", "+", "read", "/marker"}));
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("entries:/"), "marker,probe") << r.describe();
  EXPECT_EQ(r.value("cap-effective"), "0000000000000000") << r.describe();
  EXPECT_EQ(r.value("cap-bounding"), "0000000000000000") << r.describe();
  EXPECT_EQ(r.value("no-new-privs"), "1") << r.describe();
  EXPECT_NE(r.err.find("cloister: chroot mode without: read-only root (DAC only), "),
            std::string::npos)
      << r.describe();
  EXPECT_NE(r.err.find("mount namespace"), std::string::npos) << r.describe();
}

TEST(ChrootMode, LandlockAppliesInside) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "chroot mode needs CAP_SYS_CHROOT, which only root has here";
  ChrootDir root;
  auto r = run(cloister({"--sandbox=chroot", "--ro-bind", root.path(), "/", "--landlock-exec",
                         "/probe", "--", "/probe", "read", "/marker", "+", "ls", "/"}));
  EXPECT_EQ(r.value("read:/marker"), "EACCES") << r.describe();
  EXPECT_EQ(r.value("ls:/"), "EACCES") << r.describe();
}

// Root in a container may lack CAP_SYS_ADMIN; Landlock then needs no_new_privs first.
TEST(ChrootMode, LandlockAppliesWithoutCapSysAdmin) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "chroot mode needs CAP_SYS_CHROOT, which only root has here";
  ChrootDir root;
  Argv argv = {"/usr/bin/setpriv", "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin"};
  for (const auto& a : cloister({"--sandbox=chroot", "--ro-bind", root.path(), "/",
                                 "--landlock-exec", "/probe", "--", "/probe", "read", "/marker"}))
    argv.push_back(a);
  auto r = run(argv);
  EXPECT_EQ(r.value("read:/marker"), "EACCES") << r.describe();
}

TEST(ChrootMode, NeedsCapSysChroot) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root holds CAP_SYS_CHROOT; this checks the refusal without it";
  ChrootDir root;
  auto r = run(
      cloister({"--sandbox=chroot", "--ro-bind", root.path(), "/", "--", "/probe", "exit", "0"}));
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("chroot mode needs CAP_SYS_CHROOT"), std::string::npos) << r.describe();
}

TEST(ChrootMode, RefusesWhatItCannotApply) {
  auto none = run(cloister({"--sandbox=chroot", "--", "/bin/true"}));
  EXPECT_EQ(none.exit_code, 2) << none.describe();
  EXPECT_NE(none.err.find("--bind SRC / or --ro-bind SRC /"), std::string::npos) << none.describe();
  auto proc = run(
      cloister({"--sandbox=chroot", "--ro-bind", "/", "/", "--proc", "/proc", "--", "/bin/true"}));
  EXPECT_EQ(proc.exit_code, 2) << proc.describe();
  EXPECT_NE(proc.err.find("--proc /proc"), std::string::npos) << proc.describe();
}

// cloister started inside a plain chroot (its root a directory, not a mount point) names the
// chroot as the cause, as root and unprivileged (no user namespace, no private mounts there).
TEST(ChrootMode, RefusalInsideAChrootNamesTheChroot) {
  if (::geteuid() != 0) GTEST_SKIP() << "making a chroot to test in needs root";
  auto mount_ns = run({"/usr/bin/unshare", "--mount", "/bin/true"});
  if (mount_ns.exit_code != 0)
    GTEST_SKIP() << "this test makes its chroot in a mount namespace of its own, which the kernel "
                    "refuses here: "
                 << mount_ns.err;
  TempDir dir;
  std::string setup = "set -e; D=" + dir.path() + "; ";
  for (const char* top : {"usr", "etc", "proc", "dev"})
    setup += std::string("mkdir -p $D/") + top + "; mount --rbind /" + top + " $D/" + top + "; ";
  for (const char* top : {"bin", "lib", "lib64", "sbin"})
    setup += std::string("if [ -L /") + top + " ]; then ln -sfn $(readlink /" + top + ") $D/" +
             top + "; elif [ -d /" + top + " ]; then mkdir -p $D/" + top + "; mount --rbind /" +
             top + " $D/" + top + "; fi; ";
  setup += "touch $D/cloister; mount --bind " + std::string(kCloister) + " $D/cloister; ";
  const std::string command = "/cloister run --empty-root --ro-bind /usr /usr -- /usr/bin/true";
  auto in_chroot = [&](const std::string& userspec) {
    return run({"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                setup + "exec /usr/sbin/chroot " + userspec + " $D " + command});
  };
  auto as_root = in_chroot("");
  EXPECT_EQ(as_root.exit_code, 125) << as_root.describe();
  EXPECT_NE(as_root.err.find("cloister runs in a chroot"), std::string::npos) << as_root.describe();
  auto as_nobody = in_chroot("--userspec=65534:65534");
  EXPECT_EQ(as_nobody.exit_code, 125) << as_nobody.describe();
  EXPECT_NE(as_nobody.err.find("cloister runs in a chroot: the kernel refuses user namespaces to "
                               "chrooted processes"),
            std::string::npos)
      << as_nobody.describe();
}

TEST(AutoMode, FallsBackToChrootWhenNamespacesAreRefused) {
  ChrootDir root;
  auto r = run_where_namespaces_are_refused(
      {"--sandbox=auto", "--ro-bind", root.path(), "/", "--", "/probe", "ls", "/", "+", "capsys"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("entries:/"), "marker,probe") << r.describe();
  EXPECT_EQ(r.value("cap-effective"), "0000000000000000") << r.describe();
  EXPECT_EQ(r.value("no-new-privs"), "1") << r.describe();
  // One line naming each protection lost.
  const auto line_start = r.err.find("cloister: namespaces refused (clone3: ");
  ASSERT_NE(line_start, std::string::npos) << r.describe();
  const std::string line = r.err.substr(line_start, r.err.find('\n', line_start) - line_start);
  for (const char* lost : {"mount namespace", "PID namespace", "network namespace", "IPC namespace",
                           "UTS namespace", "read-only root (DAC only)"})
    EXPECT_NE(line.find(lost), std::string::npos) << lost << " missing from: " << line;
}

TEST(AutoMode, NamespaceModeDoesNotFallBack) {
  ChrootDir root;
  auto r = run_where_namespaces_are_refused(
      {"--ro-bind", root.path(), "/", "--", "/probe", "exit", "0"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("clone3"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("sysctl user.max_user_namespaces is 0"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("--sandbox=auto"), std::string::npos) << r.describe();
}

TEST(AutoMode, UsesNamespacesWhenTheyWork) {
  ChrootDir root;
  auto r = run(cloister({"--sandbox=auto", "--ro-bind", root.path(), "/", "--", "/probe", "pids"}));
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.err.find("chroot"), std::string::npos) << r.describe();
  EXPECT_EQ(r.value("pid"), "2") << r.describe();
}

}  // namespace
}  // namespace cloister_it
