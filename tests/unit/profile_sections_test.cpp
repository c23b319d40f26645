// Profiles that describe the sandbox itself: [filesystem] (root and operations, with the
// command line's names), [process], `sandbox`; and how `--profile NAME` finds shipped profiles.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "plan/plan.hpp"
#include "policy/cli.hpp"
#include "policy/profile.hpp"
#include "policy/profile_search.hpp"

namespace cloister {
namespace {

using Kind = FsOp::Kind;
namespace fs = std::filesystem;

const Caller kRoot{0, 0, "/root-cwd"};

Policy load(const std::string& text, std::string* error = nullptr) {
  Policy policy;
  auto st = profile::load_text(text, "p.toml", policy);
  if (error) *error = st.ok() ? "" : st.error().message();
  return policy;
}

// A directory with profile files, removed afterwards.
class ProfileDir {
 public:
  ProfileDir() {
    std::string tmpl = (fs::temp_directory_path() / "cloister-profiles-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ProfileDir(const ProfileDir&) = delete;
  ProfileDir& operator=(const ProfileDir&) = delete;
  ~ProfileDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ + "/" + name) << text;
    return path_ + "/" + name;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ProfileFilesystem, OperationsKeepTheirOrderKindsAndModifiers) {
  std::string error;
  auto p = load(R"([filesystem]
root = "empty"
ops = [
  { ro-bind = ["/usr", "/usr"] },
  { bind-try = ["/srv/x", "/x"] },
  { tmpfs = "/tmp", size = "64M", perms = "01777" },
  { dir = "/run/user", perms = "0700" },
  { symlink = ["usr/bin", "/bin"] },
  { chmod = ["0755", "/run"] },
  { remount-ro = "/x" }, { proc = "/proc" }, { dev = "/dev" }, { mqueue = "/mq" },
]
)",
                &error);
  ASSERT_EQ(error, "");
  EXPECT_TRUE(p.root_chosen);
  EXPECT_FALSE(p.default_root);
  ASSERT_EQ(p.fs.size(), 10u);
  EXPECT_EQ(p.fs[0].kind, Kind::RoBind);
  EXPECT_EQ(p.fs[0].source, "/usr");
  EXPECT_FALSE(p.fs[0].optional);
  EXPECT_EQ(p.fs[1].kind, Kind::Bind);
  EXPECT_TRUE(p.fs[1].optional);
  EXPECT_EQ(p.fs[1].dest, "/x");
  EXPECT_EQ(p.fs[2].kind, Kind::Tmpfs);
  EXPECT_EQ(p.fs[2].size, std::uint64_t{64} << 20);
  EXPECT_EQ(p.fs[2].perms, 01777u);
  EXPECT_EQ(p.fs[3].perms, 0700u);
  EXPECT_EQ(p.fs[4].kind, Kind::Symlink);
  EXPECT_EQ(p.fs[4].source, "usr/bin");
  EXPECT_EQ(p.fs[4].dest, "/bin");
  EXPECT_EQ(p.fs[5].kind, Kind::Chmod);
  EXPECT_EQ(p.fs[5].perms, 0755u);
  EXPECT_EQ(p.fs[5].dest, "/run");
  EXPECT_EQ(p.fs[9].kind, Kind::Mqueue);
}

TEST(ProfileFilesystem, VariablesComeFromTheEnvironmentAndATryOperationWithoutOneIsSkipped) {
  ::setenv("CLOISTER_TEST_HOME", "/home/someone", 1);
  ::unsetenv("CLOISTER_TEST_UNSET");
  std::string error;
  auto p = load(R"([filesystem]
ops = [
  { ro-bind = ["${CLOISTER_TEST_HOME}", "${CLOISTER_TEST_HOME}/x"] },
  { ro-bind-try = ["${CLOISTER_TEST_UNSET}/wayland-0", "/run/wayland-0"] },
]
)",
                &error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(p.fs.size(), 1u);
  EXPECT_EQ(p.fs[0].source, "/home/someone");
  EXPECT_EQ(p.fs[0].dest, "/home/someone/x");

  load("[filesystem]\nops = [{ bind = [\"${CLOISTER_TEST_UNSET}\", \"/x\"] }]\n", &error);
  EXPECT_EQ(error,
            "profile: p.toml:2:17: bind uses the variable 'CLOISTER_TEST_UNSET', which is not set "
            "in the environment");
  load("[filesystem]\nops = [{ tmpfs = \"/a/${OOPS\" }]\n", &error);
  EXPECT_NE(error.find("p.toml:2:18: tmpfs uses an unterminated ${"), std::string::npos) << error;
}

TEST(ProfileFilesystem, EveryProblemIsReportedWithItsLocation) {
  std::string error;
  load(R"([filesystem]
root = "host"
ops = [
  { bind = "/only-one" },
  { tmpfs = "/a", dir = "/b" },
  { bind-fd = 3 },
  { frobnicate = "/x" },
  { bind = ["/a", "/b"], perms = "0700" },
  { tmpfs = "/t", size = 0 },
  { dir = "/d", perms = "999" },
  { chmod = ["rwx", "/x"] },
  "tmpfs",
]
colour = "blue"
)",
       &error);
  for (const char* expected : {
           "p.toml:2:8: root must be \"default\" or \"empty\"",
           "p.toml:4:12: bind takes [SOURCE, DEST]",
           "one operation per entry (",
           "p.toml:6:15: bind-fd takes a file descriptor: give it on the command line",
           "p.toml:7:18: unknown operation 'frobnicate'",
           "p.toml:8:3: perms goes with tmpfs and dir only",
           "p.toml:9:26: size is BYTES with an optional K, M or G suffix, not zero",
           "p.toml:10:25: perms is an octal mode in a string, up to \"07777\"",
           "p.toml:11:13: chmod's mode is octal, up to \"07777\"",
           "p.toml:12:3: each operation is a table such as { tmpfs = \"/x\" }",
           "p.toml:14:10: unknown key 'colour' in [filesystem]",
       })
    EXPECT_NE(error.find(expected), std::string::npos) << expected << "\nin:\n" << error;
}

TEST(ProfileFilesystem, ADefaultRootTakesTheCommandLinesOperationsAndIsSealedAfterThem) {
  ProfileDir dir;
  const auto path = dir.write("p.toml", "[filesystem]\nroot = \"default\"\n");
  auto parsed = cli::parse({"--profile", path, "--tmpfs", "/extra", "--", "true"}, cli::Dialect::Run);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE(parsed->policy.default_root);
  ASSERT_EQ(parsed->policy.fs.size(), 1u);

  auto plan = resolve(parsed->policy, kRoot);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  ASSERT_GE(plan->fs.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<step::SealRoot>(plan->fs.back()));
  const auto& extra = plan->fs[plan->fs.size() - 2];
  ASSERT_TRUE(std::holds_alternative<step::Tmpfs>(extra));
  EXPECT_EQ(std::get<step::Tmpfs>(extra).dest, "/extra");
}

// Operations add to the default view, as the command line's filesystem options do; only
// root = "empty" (or --empty-root, which overrides a profile) starts from an empty root.
TEST(ProfileFilesystem, OperationsAddToTheDefaultRootUnlessRootIsEmpty) {
  ProfileDir dir;
  const auto adds = dir.write("p.toml", "[filesystem]\nops = [{ dir = \"/d\" }]\n");
  auto parsed = cli::parse({"--profile", adds, "--", "true"}, cli::Dialect::Run);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE(parsed->policy.default_root);
  ASSERT_EQ(parsed->policy.fs.size(), 1u);

  const auto empty = dir.write("e.toml", "[filesystem]\nroot = \"empty\"\n");
  parsed = cli::parse({"--profile", empty, "--profile", adds, "true"}, cli::Dialect::Run);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_FALSE(parsed->policy.default_root) << "a later profile without root kept the choice";

  const auto base = dir.write("base.toml", "[filesystem]\nroot = \"default\"\n");
  parsed = cli::parse({"--empty-root", "--profile", base, "true"}, cli::Dialect::Run);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_FALSE(parsed->policy.default_root) << "--empty-root overrides the profile's root";
}

TEST(ProfileProcess, SessionEnvironmentDirectoryAndMode) {
  ::setenv("CLOISTER_TEST_HOME", "/home/someone", 1);
  std::string error;
  auto p = load(R"(sandbox = "auto"
[process]
new-session = true
die-with-parent = true
setenv = { LANG = "C.UTF-8" }
unsetenv = ["SECRET"]
clearenv = true
chdir = "${CLOISTER_TEST_HOME}/work"
)",
                &error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(p.mode, SandboxMode::Auto);
  EXPECT_TRUE(p.new_session);
  EXPECT_TRUE(p.die_with_parent);
  EXPECT_EQ(p.chdir, "/home/someone/work");
  ASSERT_EQ(p.env.size(), 3u);  // clear first, then unset, then set
  EXPECT_EQ(p.env[0].kind, EnvOp::Kind::Clear);
  EXPECT_EQ(p.env[1].kind, EnvOp::Kind::Unset);
  EXPECT_EQ(p.env[2].name, "LANG");

  load("sandbox = \"vm\"\n[process]\nnew-session = 1\nsetenv = { A = 1 }\nshell = true\n", &error);
  for (const char* expected : {"p.toml:1:11: sandbox must be", "p.toml:3:15: must be true or false",
                               "p.toml:4:16: setenv values must be strings",
                               "p.toml:5:9: unknown key 'shell' in [process]"})
    EXPECT_NE(error.find(expected), std::string::npos) << expected << "\nin:\n" << error;
}

TEST(ProfileSearch, ANameHasNoSlashAndNoDotAnythingElseIsAPath) {
  EXPECT_TRUE(profile::is_profile_name("untrusted-parser"));
  EXPECT_TRUE(profile::is_profile_name("x11-app2"));
  for (const char* path : {"./untrusted-parser", "untrusted-parser.toml", "/etc/p", "", "-x",
                           "Parser", "a b", "..", "a_b"})
    EXPECT_FALSE(profile::is_profile_name(path)) << path;
  auto same = profile::locate("p.toml", {"/nonexistent"});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, "p.toml");
}

TEST(ProfileSearch, TheFirstDirectoryHoldingNameDotTomlWinsAndAMissOneNamesThemAll) {
  ProfileDir first, second;
  second.write("shell.toml", "");
  first.write("other.toml", "");
  auto found = profile::locate("shell", {first.path(), second.path()});
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(*found, second.path() + "/shell.toml");
  first.write("shell.toml", "");
  EXPECT_EQ(*profile::locate("shell", {first.path(), second.path()}), first.path() + "/shell.toml");

  auto missing = profile::locate("nope", {first.path(), second.path()});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().err, ENOENT);
  EXPECT_NE(missing.error().message().find("no shipped profile named 'nope'"), std::string::npos);
  EXPECT_NE(missing.error().hint.find(first.path() + ", " + second.path()), std::string::npos);
}

TEST(ProfileSearch, TheEnvironmentsDirectoriesComeFirstThenTheInstalledOnes) {
  ::setenv("CLOISTER_PROFILE_PATH", "/a::/b", 1);
  auto dirs = profile::search_path();
  ::unsetenv("CLOISTER_PROFILE_PATH");
  ASSERT_GE(dirs.size(), 3u);
  EXPECT_EQ(dirs[0], "/a");
  EXPECT_EQ(dirs[1], "/b");
  EXPECT_NE(dirs[2].find("/share/cloister/profiles"), std::string::npos) << dirs[2];
}

// Every shipped profile loads by its name through the search path.
TEST(ShippedProfiles, EachLoadsByName) {
  const fs::path dir = fs::path(CLOISTER_SOURCE_DIR) / "profiles";
  ::setenv("CLOISTER_PROFILE_PATH", dir.c_str(), 1);
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    ++count;
    const std::string name = entry.path().stem().string();
    auto parsed = cli::parse({"--profile", name, "--", "/usr/bin/true"}, cli::Dialect::Run);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.error().message();
  }
  ::unsetenv("CLOISTER_PROFILE_PATH");
  EXPECT_GE(count, 7);
}

}  // namespace
}  // namespace cloister
