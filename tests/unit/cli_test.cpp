// cli::parse: bubblewrap's option names filling a Policy, in both dialects.
#include "policy/cli.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "kernel/capability_names.hpp"

namespace cloister {
namespace {

using cli::Dialect;
using Kind = FsOp::Kind;
using Args = std::vector<std::string>;

std::string why(const Result<cli::Parsed>& r) { return r.ok() ? "ok" : r.error().message(); }

Result<cli::Parsed> bwrap(const Args& args) { return cli::parse(args, Dialect::Bwrap); }
Result<cli::Parsed> run(const Args& args) { return cli::parse(args, Dialect::Run); }

// "a\0b\0c" (and a final NUL when `trailing`), as bwrap's --args reads it.
std::string nul_join(const Args& args, bool trailing) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    out += args[i];
    if (trailing || i + 1 < args.size()) out.push_back('\0');
  }
  return out;
}

// A pipe holding `data`, write end closed, so a reader sees the data and then EOF.
class FilledPipe {
 public:
  explicit FilledPipe(const std::string& data) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    read_ = fds[0];
    ssize_t n = ::write(fds[1], data.data(), data.size());
    EXPECT_EQ(n, static_cast<ssize_t>(data.size()));
    ::close(fds[1]);
  }
  ~FilledPipe() { ::close(read_); }
  FilledPipe(const FilledPipe&) = delete;
  FilledPipe& operator=(const FilledPipe&) = delete;
  int fd() const { return read_; }
  std::string fd_text() const { return std::to_string(read_); }

 private:
  int read_ = -1;
};

// ---------------------------------------------------------------------------------------
// Dialect defaults

TEST(CliDefaults, RunDialectUnsharesEveryNamespaceWithUserAndCgroupAsTry) {
  auto r = run({"true"});
  ASSERT_TRUE(r.ok()) << why(r);
  const auto& ns = r->policy.ns;
  EXPECT_EQ(ns.user, Want::Try);
  EXPECT_EQ(ns.cgroup, Want::Try);
  EXPECT_EQ(ns.mount, Want::Yes);
  EXPECT_EQ(ns.pid, Want::Yes);
  EXPECT_EQ(ns.net, Want::Yes);
  EXPECT_EQ(ns.ipc, Want::Yes);
  EXPECT_EQ(ns.uts, Want::Yes);
  EXPECT_EQ(ns.userns_fd, -1);
  EXPECT_EQ(ns.pidns_fd, -1);
  EXPECT_TRUE(r->policy.default_root);
  EXPECT_FALSE(r->policy.root_keeps_caps);
  EXPECT_TRUE(r->policy.fs.empty());
  EXPECT_EQ(r->policy.argv, Args{"true"});
  EXPECT_EQ(r->policy.mode, SandboxMode::Namespace);
  EXPECT_FALSE(r->help);
  EXPECT_FALSE(r->version);
}

TEST(CliDefaults, BwrapDialectUnsharesNothingAndHasNoDefaultRoot) {
  auto r = bwrap({"true"});
  ASSERT_TRUE(r.ok()) << why(r);
  const auto& ns = r->policy.ns;
  EXPECT_EQ(ns.user, Want::No);
  EXPECT_EQ(ns.cgroup, Want::No);
  EXPECT_EQ(ns.mount, Want::Yes);
  EXPECT_EQ(ns.pid, Want::No);
  EXPECT_EQ(ns.net, Want::No);
  EXPECT_EQ(ns.ipc, Want::No);
  EXPECT_EQ(ns.uts, Want::No);
  EXPECT_FALSE(r->policy.default_root);
  EXPECT_TRUE(r->policy.root_keeps_caps);
  EXPECT_EQ(r->policy.argv, Args{"true"});
}

// Filesystem options add to the default view; only --empty-root starts from nothing.
TEST(CliDefaults, RunDialectKeepsTheDefaultRootUnlessEmptyRoot) {
  const std::vector<Args> with_fs = {
      {"--bind", "/usr", "/usr", "true"}, {"--ro-bind-try", "/x", "/x", "true"},
      {"--tmpfs", "/tmp", "true"},        {"--proc", "/proc", "true"},
      {"--dev", "/dev", "true"},          {"--dir", "/d", "true"},
      {"--symlink", "a", "/b", "true"},   {"--remount-ro", "/", "true"},
      {"--chmod", "0755", "/", "true"},   {"--lock-file", "/l", "true"},
      {"--mqueue", "/m", "true"},         {"--bind-fd", "3", "/x", "true"},
  };
  for (const auto& args : with_fs) {
    auto r = run(args);
    ASSERT_TRUE(r.ok()) << args[0] << ": " << why(r);
    EXPECT_TRUE(r->policy.default_root) << args[0];
    EXPECT_EQ(r->policy.fs.size(), 1u) << args[0];
  }
  for (const Args& args :
       {Args{"--empty-root", "true"}, Args{"--tmpfs", "/t", "--empty-root", "true"}}) {
    auto r = run(args);
    ASSERT_TRUE(r.ok()) << why(r);
    EXPECT_FALSE(r->policy.default_root) << args[0];
  }
}

// bubblewrap writes no exit-code record for a COMMAND that never ran; cloister run says 125.
TEST(CliDefaults, OnlyBwrapLeavesOutTheExitRecordOfACommandThatNeverRan) {
  auto b = bwrap({"true"});
  ASSERT_TRUE(b.ok()) << why(b);
  EXPECT_TRUE(b->policy.exit_record_only_if_ran);
  auto r = run({"true"});
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_FALSE(r->policy.exit_record_only_if_ran);
}

TEST(CliDefaults, BwrapDialectNeverSetsDefaultRoot) {
  auto r = bwrap({"--chdir", "/", "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_FALSE(r->policy.default_root);
}

// ---------------------------------------------------------------------------------------
// Namespaces and identity

TEST(CliNamespaces, EachUnshareOptionSetsYes) {
  struct Case {
    const char* option;
    Want Namespaces::*field;
  };
  const Case cases[] = {
      {"--unshare-user", &Namespaces::user}, {"--unshare-ipc", &Namespaces::ipc},
      {"--unshare-pid", &Namespaces::pid},   {"--unshare-net", &Namespaces::net},
      {"--unshare-uts", &Namespaces::uts},   {"--unshare-cgroup", &Namespaces::cgroup},
  };
  for (const auto& c : cases) {
    auto r = bwrap({c.option, "true"});
    ASSERT_TRUE(r.ok()) << c.option << ": " << why(r);
    EXPECT_EQ(r->policy.ns.*c.field, Want::Yes) << c.option;
  }
}

TEST(CliNamespaces, UnshareUserTryIsTryButUnshareUserWinsInEitherOrder) {
  auto try_only = bwrap({"--unshare-user-try", "true"});
  ASSERT_TRUE(try_only.ok()) << why(try_only);
  EXPECT_EQ(try_only->policy.ns.user, Want::Try);

  auto yes_only = bwrap({"--unshare-user", "true"});
  ASSERT_TRUE(yes_only.ok()) << why(yes_only);
  EXPECT_EQ(yes_only->policy.ns.user, Want::Yes);

  auto try_then_yes = bwrap({"--unshare-user-try", "--unshare-user", "true"});
  ASSERT_TRUE(try_then_yes.ok()) << why(try_then_yes);
  EXPECT_EQ(try_then_yes->policy.ns.user, Want::Yes);

  auto yes_then_try = bwrap({"--unshare-user", "--unshare-user-try", "true"});
  ASSERT_TRUE(yes_then_try.ok()) << why(yes_then_try);
  EXPECT_EQ(yes_then_try->policy.ns.user, Want::Yes);

  // Run dialect: user is Try by default; --unshare-user makes it required.
  auto run_yes = run({"--unshare-user", "true"});
  ASSERT_TRUE(run_yes.ok()) << why(run_yes);
  EXPECT_EQ(run_yes->policy.ns.user, Want::Yes);
}

TEST(CliNamespaces, UnshareCgroupTryIsTryButUnshareCgroupWins) {
  auto t = bwrap({"--unshare-cgroup-try", "true"});
  ASSERT_TRUE(t.ok()) << why(t);
  EXPECT_EQ(t->policy.ns.cgroup, Want::Try);
  auto y = bwrap({"--unshare-cgroup", "--unshare-cgroup-try", "true"});
  ASSERT_TRUE(y.ok()) << why(y);
  EXPECT_EQ(y->policy.ns.cgroup, Want::Yes);
}

TEST(CliNamespaces, UnshareAllThenShareNet) {
  auto all = bwrap({"--unshare-all", "true"});
  ASSERT_TRUE(all.ok()) << why(all);
  EXPECT_EQ(all->policy.ns.user, Want::Try);
  EXPECT_EQ(all->policy.ns.cgroup, Want::Try);
  EXPECT_EQ(all->policy.ns.ipc, Want::Yes);
  EXPECT_EQ(all->policy.ns.pid, Want::Yes);
  EXPECT_EQ(all->policy.ns.net, Want::Yes);
  EXPECT_EQ(all->policy.ns.uts, Want::Yes);

  auto shared = bwrap({"--unshare-all", "--share-net", "true"});
  ASSERT_TRUE(shared.ok()) << why(shared);
  EXPECT_EQ(shared->policy.ns.net, Want::No);
  EXPECT_EQ(shared->policy.ns.pid, Want::Yes);
  EXPECT_EQ(shared->policy.ns.ipc, Want::Yes);
  EXPECT_EQ(shared->policy.ns.uts, Want::Yes);
  EXPECT_EQ(shared->policy.ns.user, Want::Try);

  // --unshare-all keeps an explicit --unshare-user a requirement.
  auto explicit_user = bwrap({"--unshare-user", "--unshare-all", "true"});
  ASSERT_TRUE(explicit_user.ok()) << why(explicit_user);
  EXPECT_EQ(explicit_user->policy.ns.user, Want::Yes);

  // Run dialect: --share-net is how the host network is kept.
  auto run_shared = run({"--share-net", "true"});
  ASSERT_TRUE(run_shared.ok()) << why(run_shared);
  EXPECT_EQ(run_shared->policy.ns.net, Want::No);
  EXPECT_EQ(run_shared->policy.ns.pid, Want::Yes);
}

TEST(CliNamespaces, NamespaceFdsAndUsernsFlags) {
  auto r = bwrap({"--userns", "7", "--pidns", "8", "--assert-userns-disabled", "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_EQ(r->policy.ns.userns_fd, 7);
  EXPECT_EQ(r->policy.ns.pidns_fd, 8);
  EXPECT_TRUE(r->policy.ns.assert_userns_disabled);
  auto disable = bwrap({"--unshare-user", "--disable-userns", "true"});
  ASSERT_TRUE(disable.ok()) << why(disable);
  EXPECT_TRUE(disable->policy.ns.disable_userns);
}

// bubblewrap refuses --disable-userns unless --unshare-user itself is given (-try and
// --unshare-all do not count), and with --userns-block-fd; in its words.
TEST(CliNamespaces, BwrapDisableUsernsNeedsAnExplicitUnshareUser) {
  for (const Args& args :
       {Args{"--disable-userns", "true"}, Args{"--unshare-user-try", "--disable-userns", "true"},
        Args{"--unshare-all", "--disable-userns", "true"}}) {
    auto r = bwrap(args);
    ASSERT_FALSE(r.ok()) << args[0];
    EXPECT_EQ(r.error().message(), "--disable-userns requires --unshare-user");
  }
  auto block = bwrap(
      {"--unshare-user", "--disable-userns", "--info-fd", "3", "--userns-block-fd", "4", "true"});
  ASSERT_FALSE(block.ok());
  EXPECT_EQ(block.error().message(), "--disable-userns is not compatible with --userns-block-fd");
  // The run dialect leaves it to resolve(), where its implicit user namespace counts.
  EXPECT_TRUE(run({"--disable-userns", "true"}).ok());
}

TEST(CliIdentity, UidGidHostname) {
  auto r = bwrap({"--uid", "1000", "--gid", "100", "--hostname", "box", "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  ASSERT_TRUE(r->policy.id.uid.has_value());
  EXPECT_EQ(*r->policy.id.uid, 1000u);
  ASSERT_TRUE(r->policy.id.gid.has_value());
  EXPECT_EQ(*r->policy.id.gid, 100u);
  ASSERT_TRUE(r->policy.hostname.has_value());
  EXPECT_EQ(*r->policy.hostname, "box");

  auto none = bwrap({"true"});
  ASSERT_TRUE(none.ok()) << why(none);
  EXPECT_FALSE(none->policy.id.uid.has_value());
  EXPECT_FALSE(none->policy.id.gid.has_value());
  EXPECT_FALSE(none->policy.hostname.has_value());
}

TEST(CliIdentity, UidMapAndGidMapAreRepeatableRanges) {
  auto r = bwrap({"--uid-map", "0:100000:65536", "--uid-map", "65536:1000:1", "--gid-map",
                  "0:200000:10", "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  ASSERT_EQ(r->policy.id.uid_map.size(), 2u);
  EXPECT_EQ(r->policy.id.uid_map[0].inside, 0u);
  EXPECT_EQ(r->policy.id.uid_map[0].outside, 100000u);
  EXPECT_EQ(r->policy.id.uid_map[0].count, 65536u);
  EXPECT_EQ(r->policy.id.uid_map[1].inside, 65536u);
  EXPECT_EQ(r->policy.id.uid_map[1].outside, 1000u);
  EXPECT_EQ(r->policy.id.uid_map[1].count, 1u);
  ASSERT_EQ(r->policy.id.gid_map.size(), 1u);
  EXPECT_EQ(r->policy.id.gid_map[0].inside, 0u);
  EXPECT_EQ(r->policy.id.gid_map[0].outside, 200000u);
  EXPECT_EQ(r->policy.id.gid_map[0].count, 10u);
}

TEST(CliIdentity, BadNumbersAndRangesAreErrorsNamingTheOption) {
  const std::vector<std::pair<Args, std::string>> cases = {
      {{"--uid", "abc", "true"}, "--uid"},
      {{"--uid", "-1", "true"}, "--uid"},
      {{"--uid", "", "true"}, "--uid"},
      {{"--uid", "12x", "true"}, "--uid"},
      {{"--gid", "1.5", "true"}, "--gid"},
      {{"--uid-map", "0:1000", "true"}, "--uid-map"},
      {{"--uid-map", "0:1000:0", "true"}, "--uid-map"},
      {{"--uid-map", "0::1", "true"}, "--uid-map"},
      {{"--uid-map", "a:1:1", "true"}, "--uid-map"},
      {{"--gid-map", "0:1:2:3", "true"}, "--gid-map"},
  };
  for (const auto& [args, option] : cases) {
    auto r = bwrap(args);
    ASSERT_FALSE(r.ok()) << args[0] << " " << args[1];
    EXPECT_EQ(r.error().step, option) << args[1];
    EXPECT_EQ(r.error().err, 0);
  }
}

// ---------------------------------------------------------------------------------------
// Filesystem operations

TEST(CliFilesystem, EveryOperationParsesIntoItsKindSourceDestAndFd) {
  auto r = bwrap({"--bind",       "/s1",    "/d1",      "--bind-try",     "/s2",    "/d2",
                  "--ro-bind",    "/s3",    "/d3",      "--ro-bind-try",  "/s4",    "/d4",
                  "--dev-bind",   "/s5",    "/d5",      "--dev-bind-try", "/s6",    "/d6",
                  "--bind-fd",    "5",      "/d7",      "--ro-bind-fd",   "6",      "/d8",
                  "--remount-ro", "/d9",    "--tmpfs",  "/d10",           "--proc", "/d11",
                  "--dev",        "/d12",   "--mqueue", "/d13",           "--dir",  "/d14",
                  "--symlink",    "target", "/d15",     "--file",         "9",      "/d16",
                  "--bind-data",  "10",     "/d17",     "--ro-bind-data", "11",     "/d18",
                  "--chmod",      "0640",   "/d19",     "--lock-file",    "/d20",   "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  struct Want_ {
    Kind kind;
    std::string source;
    std::string dest;
    int fd;
    bool optional;
  };
  const std::vector<Want_> expected = {
      {Kind::Bind, "/s1", "/d1", -1, false},        {Kind::Bind, "/s2", "/d2", -1, true},
      {Kind::RoBind, "/s3", "/d3", -1, false},      {Kind::RoBind, "/s4", "/d4", -1, true},
      {Kind::DevBind, "/s5", "/d5", -1, false},     {Kind::DevBind, "/s6", "/d6", -1, true},
      {Kind::BindFd, "", "/d7", 5, false},          {Kind::RoBindFd, "", "/d8", 6, false},
      {Kind::RemountRo, "", "/d9", -1, false},      {Kind::Tmpfs, "", "/d10", -1, false},
      {Kind::Proc, "", "/d11", -1, false},          {Kind::Dev, "", "/d12", -1, false},
      {Kind::Mqueue, "", "/d13", -1, false},        {Kind::Dir, "", "/d14", -1, false},
      {Kind::Symlink, "target", "/d15", -1, false}, {Kind::File, "", "/d16", 9, false},
      {Kind::BindData, "", "/d17", 10, false},      {Kind::RoBindData, "", "/d18", 11, false},
      {Kind::Chmod, "", "/d19", -1, false},         {Kind::LockFile, "", "/d20", -1, false},
  };
  const auto& fs = r->policy.fs;
  ASSERT_EQ(fs.size(), expected.size());
  for (std::size_t i = 0; i < fs.size(); ++i) {
    SCOPED_TRACE("operation " + std::to_string(i) + " dest " + expected[i].dest);
    EXPECT_EQ(fs[i].kind, expected[i].kind);
    EXPECT_EQ(fs[i].source, expected[i].source);
    EXPECT_EQ(fs[i].dest, expected[i].dest);
    EXPECT_EQ(fs[i].fd, expected[i].fd);
    EXPECT_EQ(fs[i].optional, expected[i].optional);
    EXPECT_FALSE(fs[i].size.has_value());
    if (fs[i].kind == Kind::Chmod) {
      ASSERT_TRUE(fs[i].perms.has_value());
      EXPECT_EQ(*fs[i].perms, 0640u);
    } else {
      EXPECT_FALSE(fs[i].perms.has_value());
    }
  }
  EXPECT_EQ(r->policy.argv, Args{"true"});
}

TEST(CliFilesystem, OperationsKeepCommandLineOrder) {
  auto r = bwrap({"--tmpfs", "/a", "--bind", "/x", "/a/x", "--remount-ro", "/a", "--dir", "/a/y",
                  "--tmpfs", "/b", "--symlink", "/a", "/c", "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  const auto& fs = r->policy.fs;
  ASSERT_EQ(fs.size(), 6u);
  EXPECT_EQ(fs[0].kind, Kind::Tmpfs);
  EXPECT_EQ(fs[0].dest, "/a");
  EXPECT_EQ(fs[1].kind, Kind::Bind);
  EXPECT_EQ(fs[1].dest, "/a/x");
  EXPECT_EQ(fs[2].kind, Kind::RemountRo);
  EXPECT_EQ(fs[3].kind, Kind::Dir);
  EXPECT_EQ(fs[4].kind, Kind::Tmpfs);
  EXPECT_EQ(fs[4].dest, "/b");
  EXPECT_EQ(fs[5].kind, Kind::Symlink);
  EXPECT_EQ(fs[5].source, "/a");
  EXPECT_EQ(fs[5].dest, "/c");
}

TEST(CliFilesystem, PermsAppliesToTheNextOperationOnly) {
  auto r = bwrap({"--perms",        "0700",        "--dir",   "/a",  "--dir",   "/b",
                  "--perms",        "01777",       "--tmpfs", "/t",  "--tmpfs", "/u",
                  "--perms",        "0640",        "--file",  "3",   "/f",      "--perms",
                  "0444",           "--bind-data", "4",       "/g",  "--perms", "0400",
                  "--ro-bind-data", "5",           "/h",      "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  const auto& fs = r->policy.fs;
  ASSERT_EQ(fs.size(), 7u);
  ASSERT_TRUE(fs[0].perms.has_value());
  EXPECT_EQ(*fs[0].perms, 0700u);
  EXPECT_FALSE(fs[1].perms.has_value());
  ASSERT_TRUE(fs[2].perms.has_value());
  EXPECT_EQ(*fs[2].perms, 01777u);
  EXPECT_FALSE(fs[3].perms.has_value());
  ASSERT_TRUE(fs[4].perms.has_value());
  EXPECT_EQ(*fs[4].perms, 0640u);
  ASSERT_TRUE(fs[5].perms.has_value());
  EXPECT_EQ(*fs[5].perms, 0444u);
  ASSERT_TRUE(fs[6].perms.has_value());
  EXPECT_EQ(*fs[6].perms, 0400u);
}

TEST(CliFilesystem, PermsFollowedByAnOperationWithoutModeIsAnError) {
  const std::vector<Args> cases = {
      {"--perms", "0700", "--bind", "/a", "/b", "true"},
      {"--perms", "0700", "--ro-bind", "/a", "/b", "true"},
      {"--perms", "0700", "--symlink", "/a", "/b", "true"},
      {"--perms", "0700", "--proc", "/proc", "true"},
      {"--perms", "0700", "--dev", "/dev", "true"},
      {"--perms", "0700", "--remount-ro", "/", "true"},
      {"--perms", "0700", "--chmod", "0644", "/x", "true"},
      {"--perms", "0700", "--lock-file", "/x", "true"},
  };
  for (const auto& args : cases) {
    auto r = bwrap(args);
    ASSERT_FALSE(r.ok()) << args[2];
    EXPECT_EQ(r.error().step, "--perms") << args[2];
  }
}

TEST(CliFilesystem, PermsFollowedByNothingIsAnError) {
  auto r = bwrap({"--perms", "0700"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().step, "--perms");
  // Also when COMMAND follows: the mode applied to nothing.
  auto with_command = bwrap({"--perms", "0700", "true"});
  ASSERT_FALSE(with_command.ok());
  EXPECT_EQ(with_command.error().step, "--perms");
}

// The message for a dangling --perms lists the options it may precede; --chmod rejects a
// pending --perms (previous test), so it must not be offered.
TEST(CliFilesystem, DanglingPermsMessageDoesNotOfferChmod) {
  auto r = bwrap({"--perms", "0700", "true"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().find("--chmod"), std::string::npos) << r.error().message();
}

// bubblewrap: "--perms and --size only affect the immediately following argument"; an
// unrelated option in between is an error ("--perms must be followed by an option that
// creates a file"), not a mode carried over to a later operation.
TEST(CliFilesystem, PermsMustImmediatelyPrecedeItsOperation) {
  auto r = bwrap({"--perms", "0700", "--setenv", "A", "B", "--tmpfs", "/t", "true"});
  EXPECT_FALSE(r.ok()) << "got perms "
                       << (r.ok() && !r->policy.fs.empty() && r->policy.fs[0].perms
                               ? std::to_string(*r->policy.fs[0].perms)
                               : std::string("none"));
  if (!r.ok()) {
    EXPECT_EQ(r.error().step, "--perms");
  }
}

TEST(CliFilesystem, SizeMustImmediatelyPrecedeTmpfs) {
  auto r = bwrap({"--size", "4096", "--chdir", "/", "--tmpfs", "/t", "true"});
  EXPECT_FALSE(r.ok());
  if (!r.ok()) {
    EXPECT_EQ(r.error().step, "--size");
  }
}

// bubblewrap: "--perms given twice for the same action".
TEST(CliFilesystem, PermsGivenTwiceIsAnError) {
  auto r = bwrap({"--perms", "0700", "--perms", "0755", "--dir", "/d", "true"});
  EXPECT_FALSE(r.ok());
  if (!r.ok()) {
    EXPECT_EQ(r.error().step, "--perms");
  }
}

TEST(CliFilesystem, SizeAppliesToTheNextTmpfsOnlyWithSuffixes) {
  auto r = bwrap({"--size",  "4096", "--tmpfs", "/a", "--tmpfs", "/b",   "--size",  "1k",
                  "--tmpfs", "/c",   "--size",  "3M", "--tmpfs", "/d",   "--size",  "2G",
                  "--tmpfs", "/e",   "--size",  "5K", "--perms", "0700", "--tmpfs", "/f",
                  "--perms", "0750", "--size",  "7m", "--tmpfs", "/g",   "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  const auto& fs = r->policy.fs;
  ASSERT_EQ(fs.size(), 7u);
  ASSERT_TRUE(fs[0].size.has_value());
  EXPECT_EQ(*fs[0].size, 4096u);
  EXPECT_FALSE(fs[1].size.has_value());
  ASSERT_TRUE(fs[2].size.has_value());
  EXPECT_EQ(*fs[2].size, 1024u);
  ASSERT_TRUE(fs[3].size.has_value());
  EXPECT_EQ(*fs[3].size, 3u << 20);
  ASSERT_TRUE(fs[4].size.has_value());
  EXPECT_EQ(*fs[4].size, 2ULL << 30);
  ASSERT_TRUE(fs[5].size.has_value());
  EXPECT_EQ(*fs[5].size, 5u * 1024);
  ASSERT_TRUE(fs[5].perms.has_value());
  EXPECT_EQ(*fs[5].perms, 0700u);
  ASSERT_TRUE(fs[6].size.has_value());
  EXPECT_EQ(*fs[6].size, 7u << 20);
  ASSERT_TRUE(fs[6].perms.has_value());
  EXPECT_EQ(*fs[6].perms, 0750u);
}

TEST(CliFilesystem, SizeFollowedByWrongOperationOrNothingIsAnError) {
  const std::vector<Args> cases = {
      {"--size", "4096", "--dir", "/d", "true"},
      {"--size", "4096", "--bind", "/a", "/b", "true"},
      {"--size", "4096", "--file", "3", "/f", "true"},
      {"--size", "4096", "true"},
      {"--size", "4096"},
  };
  for (const auto& args : cases) {
    auto r = bwrap(args);
    ASSERT_FALSE(r.ok()) << args[2];
    EXPECT_EQ(r.error().step, "--size") << args[2];
  }
}

TEST(CliFilesystem, BadSizesAreErrors) {
  for (const char* bad : {"", "k", "abc", "-5", "1.5M", "12T", "0x10"}) {
    auto r = bwrap({"--size", bad, "--tmpfs", "/t", "true"});
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.error().step, "--size") << bad;
  }
}

// bubblewrap: "--size takes a non-zero number of bytes". A tmpfs mounted with size=0 has no
// limit at all, the opposite of what a size option asks for.
TEST(CliFilesystem, SizeZeroIsAnError) {
  auto r = bwrap({"--size", "0", "--tmpfs", "/t", "true"});
  EXPECT_FALSE(r.ok()) << "size parsed as "
                       << (r.ok() && r->policy.fs[0].size ? std::to_string(*r->policy.fs[0].size)
                                                          : std::string("?"));
  if (!r.ok()) {
    EXPECT_EQ(r.error().step, "--size");
  }
}

// 2^34 G is 2^64 bytes: the multiplication must not wrap around (to 0, an unlimited tmpfs).
TEST(CliFilesystem, SizeOverflowIsAnError) {
  auto r = bwrap({"--size", "17179869184G", "--tmpfs", "/t", "true"});
  EXPECT_FALSE(r.ok()) << "size parsed as "
                       << (r.ok() && r->policy.fs[0].size ? std::to_string(*r->policy.fs[0].size)
                                                          : std::string("?"));
  auto r2 = bwrap({"--size", "18446744073709551615K", "--tmpfs", "/t", "true"});
  EXPECT_FALSE(r2.ok()) << "size parsed as "
                        << (r2.ok() && r2->policy.fs[0].size
                                ? std::to_string(*r2->policy.fs[0].size)
                                : std::string("?"));
  // Without a suffix an out-of-range number is already refused.
  auto r3 = bwrap({"--size", "18446744073709551616", "--tmpfs", "/t", "true"});
  EXPECT_FALSE(r3.ok());
}

TEST(CliFilesystem, OctalModes) {
  const std::vector<std::pair<std::string, mode_t>> good = {
      {"0755", 0755},  {"755", 0755},  {"0", 0},        {"07777", 07777},
      {"1777", 01777}, {"0644", 0644}, {"4755", 04755},
  };
  for (const auto& [text, mode] : good) {
    auto r = bwrap({"--perms", text, "--dir", "/d", "--chmod", text, "/e", "true"});
    ASSERT_TRUE(r.ok()) << text << ": " << why(r);
    ASSERT_TRUE(r->policy.fs[0].perms.has_value());
    EXPECT_EQ(*r->policy.fs[0].perms, mode) << text;
    ASSERT_TRUE(r->policy.fs[1].perms.has_value());
    EXPECT_EQ(*r->policy.fs[1].perms, mode) << text;
  }
  for (const char* bad : {"8", "0789", "10000", "017777", "0x1ff", "", "-1", "rwx", "07 55"}) {
    auto perms = bwrap({"--perms", bad, "--dir", "/d", "true"});
    ASSERT_FALSE(perms.ok()) << "--perms '" << bad << "'";
    EXPECT_EQ(perms.error().step, "--perms");
    auto chmod = bwrap({"--chmod", bad, "/d", "true"});
    ASSERT_FALSE(chmod.ok()) << "--chmod '" << bad << "'";
    EXPECT_EQ(chmod.error().step, "--chmod");
  }
}

// Every option taking a descriptor: the run dialect names the option; the bwrap dialect
// says bubblewrap's words ("Invalid fd: x"), which scripts written for it look for.
TEST(CliFilesystem, BadFdArgumentsAreErrors) {
  for (const char* option :
       {"--bind-fd", "--ro-bind-fd", "--file", "--bind-data", "--ro-bind-data", "--userns",
        "--pidns", "--json-status-fd", "--info-fd", "--sync-fd", "--block-fd", "--userns-block-fd",
        "--args", "--seccomp", "--add-seccomp-fd"}) {
    for (const char* bad : {"x", "-2", "", "3x", "0a"}) {
      auto r = run({option, bad, "/d", "true"});
      ASSERT_FALSE(r.ok()) << option << " " << bad;
      EXPECT_EQ(r.error().step, option) << bad;
      auto b = bwrap({option, bad, "/d", "true"});
      ASSERT_FALSE(b.ok()) << option << " " << bad;
      EXPECT_EQ(b.error().message(), std::string("Invalid fd: ") + bad);
    }
  }
}

// bubblewrap's largest tmpfs is SIZE_MAX / 2 bytes.
TEST(CliFilesystem, BwrapSizeIsLimitedToHalfOfSizeMax) {
  auto max = bwrap({"--size", "9223372036854775807", "--tmpfs", "/t", "true"});
  ASSERT_TRUE(max.ok()) << why(max);
  EXPECT_EQ(*max->policy.fs[0].size, 9223372036854775807ULL);
  for (const char* big : {"9223372036854775808", "9223372036854775809", "8589934592G"}) {
    auto r = bwrap({"--size", big, "--tmpfs", "/t", "true"});
    ASSERT_FALSE(r.ok()) << big;
    EXPECT_EQ(r.error().step, "--size");
  }
}

// bubblewrap's words for the seccomp options: a program's fd is read (and closed) as the
// option is parsed, so naming the same fd twice finds it closed.
TEST(CliSeccomp, BwrapSeccompOptionConflictsInBwrapsWords) {
  auto seccomp_after_add = bwrap({"--add-seccomp-fd", "3", "--seccomp", "4", "true"});
  ASSERT_FALSE(seccomp_after_add.ok());
  EXPECT_EQ(seccomp_after_add.error().message(),
            "--seccomp cannot be combined with --add-seccomp-fd");
  auto add_after_seccomp = bwrap({"--seccomp", "4", "--add-seccomp-fd", "3", "true"});
  ASSERT_FALSE(add_after_seccomp.ok());
  EXPECT_EQ(add_after_seccomp.error().message(),
            "--add-seccomp-fd cannot be combined with --seccomp");
  auto twice = bwrap({"--add-seccomp-fd", "3", "--add-seccomp-fd", "3", "true"});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().op, "read");
  EXPECT_EQ(twice.error().err, EBADF);
  auto two = bwrap({"--add-seccomp-fd", "3", "--add-seccomp-fd", "4", "true"});
  ASSERT_TRUE(two.ok()) << why(two);
  EXPECT_EQ(two->policy.seccomp.bpf_fds, (std::vector<int>{3, 4}));
  EXPECT_FALSE(two->policy.seccomp.bpf_replaces_builtin);
}

// ---------------------------------------------------------------------------------------
// Process options

TEST(CliProcess, EnvironmentOperationsInOrder) {
  auto r = bwrap(
      {"--setenv", "A", "1", "--unsetenv", "B", "--clearenv", "--setenv", "C", "x=y", "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  const auto& env = r->policy.env;
  ASSERT_EQ(env.size(), 4u);
  EXPECT_EQ(env[0].kind, EnvOp::Kind::Set);
  EXPECT_EQ(env[0].name, "A");
  EXPECT_EQ(env[0].value, "1");
  EXPECT_EQ(env[1].kind, EnvOp::Kind::Unset);
  EXPECT_EQ(env[1].name, "B");
  EXPECT_EQ(env[2].kind, EnvOp::Kind::Clear);
  EXPECT_EQ(env[3].kind, EnvOp::Kind::Set);
  EXPECT_EQ(env[3].name, "C");
  EXPECT_EQ(env[3].value, "x=y");
}

TEST(CliProcess, FlagsAndValues) {
  auto r = bwrap({"--chdir", "/work", "--argv0", "sh", "--die-with-parent", "--new-session",
                  "--as-pid-1", "--trace-setup", "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  const auto& p = r->policy;
  ASSERT_TRUE(p.chdir.has_value());
  EXPECT_EQ(*p.chdir, "/work");
  ASSERT_TRUE(p.argv0.has_value());
  EXPECT_EQ(*p.argv0, "sh");
  EXPECT_TRUE(p.die_with_parent);
  EXPECT_TRUE(p.new_session);
  EXPECT_TRUE(p.as_pid_1);
  EXPECT_TRUE(p.trace_setup);

  auto none = bwrap({"true"});
  ASSERT_TRUE(none.ok()) << why(none);
  EXPECT_FALSE(none->policy.chdir.has_value());
  EXPECT_FALSE(none->policy.argv0.has_value());
  EXPECT_FALSE(none->policy.die_with_parent);
  EXPECT_FALSE(none->policy.new_session);
  EXPECT_FALSE(none->policy.as_pid_1);
  EXPECT_FALSE(none->policy.trace_setup);
}

TEST(CliProcess, StatusAndSyncFds) {
  auto r = bwrap({"--json-status-fd", "3", "--info-fd", "4", "--sync-fd", "5", "--block-fd", "6",
                  "--userns-block-fd", "7", "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_EQ(r->policy.json_status_fd, 3);
  EXPECT_EQ(r->policy.info_fd, 4);
  EXPECT_EQ(r->policy.sync_fd, 5);
  EXPECT_EQ(r->policy.block_fd, 6);
  EXPECT_EQ(r->policy.userns_block_fd, 7);

  auto none = bwrap({"true"});
  ASSERT_TRUE(none.ok()) << why(none);
  EXPECT_EQ(none->policy.json_status_fd, -1);
  EXPECT_EQ(none->policy.info_fd, -1);
  EXPECT_EQ(none->policy.sync_fd, -1);
  EXPECT_EQ(none->policy.block_fd, -1);
  EXPECT_EQ(none->policy.userns_block_fd, -1);
}

TEST(CliProcess, HelpAndVersion) {
  for (const char* h : {"--help", "-h"}) {
    auto r = run({h});
    ASSERT_TRUE(r.ok()) << why(r);
    EXPECT_TRUE(r->help);
    EXPECT_FALSE(r->version);
  }
  auto v = bwrap({"--version"});
  ASSERT_TRUE(v.ok()) << why(v);
  EXPECT_TRUE(v->version);
  EXPECT_FALSE(v->help);
  // --help stops parsing: a later unknown option is not an error.
  auto stop = run({"--help", "--no-such-option"});
  ASSERT_TRUE(stop.ok()) << why(stop);
  EXPECT_TRUE(stop->help);
}

// ---------------------------------------------------------------------------------------
// Capabilities

TEST(CliCaps, NamesInEveryForm) {
  auto r = bwrap({"--cap-add", "CAP_NET_RAW", "--cap-drop", "net_raw", "--cap-add", "SYS_ADMIN",
                  "--cap-drop", "cap_chown", "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  const auto& caps = r->policy.caps;
  ASSERT_EQ(caps.size(), 4u);
  EXPECT_TRUE(caps[0].add);
  EXPECT_EQ(caps[0].cap, 13);
  EXPECT_FALSE(caps[1].add);
  EXPECT_EQ(caps[1].cap, 13);
  EXPECT_TRUE(caps[2].add);
  EXPECT_EQ(caps[2].cap, 21);
  EXPECT_FALSE(caps[3].add);
  EXPECT_EQ(caps[3].cap, 0);
}

TEST(CliCaps, DropAllIsMinusOne) {
  for (const char* all : {"ALL", "all"}) {
    auto r = bwrap({"--cap-drop", all, "true"});
    ASSERT_TRUE(r.ok()) << why(r);
    ASSERT_EQ(r->policy.caps.size(), 1u);
    EXPECT_FALSE(r->policy.caps[0].add);
    EXPECT_EQ(r->policy.caps[0].cap, -1);
  }
}

TEST(CliCaps, AddAllAddsEveryCapabilityTheKernelKnows) {
  auto r = bwrap({"--cap-add", "ALL", "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  const auto& caps = r->policy.caps;
  ASSERT_FALSE(caps.empty());
  std::set<int> added;
  for (const auto& c : caps) {
    EXPECT_TRUE(c.add);
    if (c.cap >= 0) added.insert(c.cap);
  }
  const int last = caps::last_cap();
  EXPECT_GE(last, 40);  // CAP_CHECKPOINT_RESTORE, Linux 5.9
  EXPECT_EQ(added.size(), static_cast<std::size_t>(last + 1));
  EXPECT_EQ(*added.begin(), 0);
  EXPECT_EQ(*added.rbegin(), last);
}

TEST(CliCaps, UnknownCapabilityIsAnErrorNamingTheOption) {
  for (const char* option : {"--cap-add", "--cap-drop"}) {
    auto r = bwrap({option, "CAP_FLY", "true"});
    ASSERT_FALSE(r.ok()) << option;
    EXPECT_EQ(r.error().step, option);
    EXPECT_NE(r.error().message().find("CAP_FLY"), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find(option), std::string::npos) << r.error().message();
  }
  auto empty = bwrap({"--cap-add", "", "true"});
  EXPECT_FALSE(empty.ok());
}

// ---------------------------------------------------------------------------------------
// --args FD

TEST(CliArgs, SplicesNulSeparatedArgumentsAtItsPosition) {
  FilledPipe pipe(nul_join({"--setenv", "FROM", "pipe", "--tmpfs", "/from-fd"}, true));
  auto r = bwrap({"--tmpfs", "/before", "--args", pipe.fd_text(), "--tmpfs", "/after", "true"});
  ASSERT_TRUE(r.ok()) << why(r);
  const auto& fs = r->policy.fs;
  ASSERT_EQ(fs.size(), 3u);
  EXPECT_EQ(fs[0].dest, "/before");
  EXPECT_EQ(fs[1].dest, "/from-fd");
  EXPECT_EQ(fs[2].dest, "/after");
  ASSERT_EQ(r->policy.env.size(), 1u);
  EXPECT_EQ(r->policy.env[0].name, "FROM");
  EXPECT_EQ(r->policy.env[0].value, "pipe");
  EXPECT_EQ(r->policy.argv, Args{"true"});
}

TEST(CliArgs, MayProvideTheCommandAndKeepsEmptyArguments) {
  // No trailing NUL after the last argument; an empty argument in the middle stays.
  FilledPipe pipe(nul_join({"--unshare-net", "echo", "", "last"}, false));
  auto r = bwrap({"--args", pipe.fd_text()});
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_EQ(r->policy.ns.net, Want::Yes);
  EXPECT_EQ(r->policy.argv, (Args{"echo", "", "last"}));
}

TEST(CliArgs, ArgumentsAfterTheFdStillFollow) {
  FilledPipe pipe(nul_join({"--hostname", "inner"}, true));
  auto r = bwrap({"--args", pipe.fd_text(), "--unshare-uts", "cmd", "arg"});
  ASSERT_TRUE(r.ok()) << why(r);
  ASSERT_TRUE(r->policy.hostname.has_value());
  EXPECT_EQ(*r->policy.hostname, "inner");
  EXPECT_EQ(r->policy.ns.uts, Want::Yes);
  EXPECT_EQ(r->policy.argv, (Args{"cmd", "arg"}));
}

TEST(CliArgs, UnreadableFdIsAnErrorWithErrno) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int closed = fds[0];
  ::close(fds[0]);
  ::close(fds[1]);
  auto r = bwrap({"--args", std::to_string(closed), "true"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().step, "--args");
  EXPECT_EQ(r.error().err, EBADF);
}

// ---------------------------------------------------------------------------------------
// Errors, modes, COMMAND

TEST(CliErrors, UnknownOptionErrorStepIsTheOption) {
  for (const char* option : {"--frobnicate", "-x", "--bind-ro", "--unshare"}) {
    auto r = bwrap({option, "true"});
    ASSERT_FALSE(r.ok()) << option;
    EXPECT_EQ(r.error().step, option);
    EXPECT_EQ(r.error().op, "is not a known option");
    EXPECT_EQ(r.error().err, 0);
  }
}

TEST(CliErrors, MissingArgumentIsAnErrorNamingTheOption) {
  const std::vector<Args> cases = {
      {"--bind"},         {"--bind", "/a"},  {"--ro-bind-try", "/a"},
      {"--tmpfs"},        {"--setenv", "A"}, {"--unsetenv"},
      {"--uid"},          {"--hostname"},    {"--chdir"},
      {"--symlink", "a"}, {"--file", "3"},   {"--chmod", "0755"},
      {"--cap-add"},      {"--args"},        {"--sandbox"},
      {"--perms"},        {"--size"},        {"--info-fd"},
      {"--argv0"},        {"--uid-map"},
  };
  for (const auto& args : cases) {
    auto r = run(args);
    ASSERT_FALSE(r.ok()) << args[0];
    EXPECT_EQ(r.error().step, args[0]);
    EXPECT_EQ(r.error().op, "takes an argument") << args[0];
  }
}

TEST(CliErrors, UnsupportedOptionsAreClearlyRefused) {
  for (const char* option : {"--exec-label", "--file-label"}) {
    auto r = bwrap({option, "3", "true"});
    ASSERT_FALSE(r.ok()) << option;
    EXPECT_EQ(r.error().step, option);
    EXPECT_NE(r.error().op.find("not supported"), std::string::npos) << r.error().message();
    EXPECT_FALSE(r.error().hint.empty()) << option;
  }
}

TEST(CliSeccomp, SeccompFdsAndPolicy) {
  auto r = bwrap({"--seccomp", "3", "true"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->policy.seccomp.bpf_fds, std::vector<int>{3});
  EXPECT_TRUE(r->policy.seccomp.bpf_replaces_builtin);
  EXPECT_EQ(r->policy.seccomp.base, "none");  // bwrap has no filter of its own
  auto add = run({"--add-seccomp-fd", "4", "--add-seccomp-fd", "5", "true"});
  ASSERT_TRUE(add.ok());
  EXPECT_EQ(add->policy.seccomp.bpf_fds, (std::vector<int>{4, 5}));
  EXPECT_FALSE(add->policy.seccomp.bpf_replaces_builtin);
  EXPECT_EQ(add->policy.seccomp.base, "default");
  EXPECT_FALSE(bwrap({"--seccomp", "3", "--add-seccomp-fd", "4", "true"}).ok());
  auto strict = run({"--seccomp-policy", "strict-daemon", "true"});
  ASSERT_TRUE(strict.ok());
  EXPECT_EQ(strict->policy.seccomp.base, "strict-daemon");
  auto bad = run({"--seccomp-policy", "lax", "true"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().step, "--seccomp-policy");
}

TEST(CliMode, SandboxModeBothSpellings) {
  const std::vector<std::pair<std::string, SandboxMode>> modes = {
      {"namespace", SandboxMode::Namespace},
      {"chroot", SandboxMode::Chroot},
      {"auto", SandboxMode::Auto},
  };
  for (const auto& [name, mode] : modes) {
    auto eq = run({"--sandbox=" + name, "true"});
    ASSERT_TRUE(eq.ok()) << name << ": " << why(eq);
    EXPECT_EQ(eq->policy.mode, mode) << name;
    auto sep = run({"--sandbox", name, "true"});
    ASSERT_TRUE(sep.ok()) << name << ": " << why(sep);
    EXPECT_EQ(sep->policy.mode, mode) << name;
    EXPECT_EQ(sep->policy.argv, Args{"true"});
  }
  // The last one given wins.
  auto last = run({"--sandbox=chroot", "--sandbox", "auto", "true"});
  ASSERT_TRUE(last.ok()) << why(last);
  EXPECT_EQ(last->policy.mode, SandboxMode::Auto);
}

TEST(CliMode, BadSandboxModeIsAnError) {
  for (const Args& args : {Args{"--sandbox=jail", "true"}, Args{"--sandbox", "jail", "true"},
                           Args{"--sandbox=", "true"}, Args{"--sandbox=Chroot", "true"}}) {
    auto r = run(args);
    ASSERT_FALSE(r.ok()) << args[0];
    EXPECT_EQ(r.error().step, "--sandbox");
    EXPECT_NE(r.error().op.find("unknown mode"), std::string::npos) << r.error().message();
  }
}

TEST(CliCommand, DoubleDashEndsOptions) {
  auto r = bwrap({"--unshare-net", "--", "--not-an-option", "-x"});
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_EQ(r->policy.ns.net, Want::Yes);
  EXPECT_EQ(r->policy.argv, (Args{"--not-an-option", "-x"}));

  auto only = bwrap({"--"});
  ASSERT_TRUE(only.ok()) << why(only);
  EXPECT_TRUE(only->policy.argv.empty());

  // A second "--" belongs to COMMAND.
  auto twice = bwrap({"--", "cmd", "--", "x"});
  ASSERT_TRUE(twice.ok()) << why(twice);
  EXPECT_EQ(twice->policy.argv, (Args{"cmd", "--", "x"}));
}

TEST(CliCommand, ArgumentsAfterTheFirstNonOptionBelongToCommand) {
  auto r = run({"--unshare-net", "ls", "-la", "--bind", "/a", "/b", "--", "--help"});
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_EQ(r->policy.argv, (Args{"ls", "-la", "--bind", "/a", "/b", "--", "--help"}));
  EXPECT_TRUE(r->policy.fs.empty());
  EXPECT_FALSE(r->help);
  EXPECT_TRUE(r->policy.default_root);  // the --bind belongs to COMMAND
}

TEST(CliCommand, LoneDashIsCommand) {
  auto r = bwrap({"-", "x"});
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_EQ(r->policy.argv, (Args{"-", "x"}));
}

TEST(CliCommand, NoCommandParsesToEmptyArgv) {
  auto r = run({"--unshare-net"});
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_TRUE(r->policy.argv.empty());
}

}  // namespace
}  // namespace cloister
