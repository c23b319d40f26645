// The group file of cloister supervise (src/policy/group_file.hpp): a good group with what
// each key gives, and each problem with its FILE:LINE:COLUMN.
#include "policy/group_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace cloister {
namespace {

namespace fs = std::filesystem;
using group::Readiness;
using group::Restart;

// CLOISTER_PROFILE_PATH at the source tree's profiles/ while a test runs, and HOME set (the
// shell profile names ${HOME}); both as they were afterwards.
class ShippedProfiles {
 public:
  ShippedProfiles() {
    save("CLOISTER_PROFILE_PATH", path_);
    save("HOME", home_);
    ::setenv("CLOISTER_PROFILE_PATH", (std::string(CLOISTER_SOURCE_DIR) + "/profiles").c_str(), 1);
    if (!home_) ::setenv("HOME", "/home/someone", 1);
  }
  ShippedProfiles(const ShippedProfiles&) = delete;
  ShippedProfiles& operator=(const ShippedProfiles&) = delete;
  ~ShippedProfiles() {
    restore("CLOISTER_PROFILE_PATH", path_);
    restore("HOME", home_);
  }

 private:
  static void save(const char* name, std::optional<std::string>& out) {
    if (const char* v = std::getenv(name)) out = v;
  }
  static void restore(const char* name, const std::optional<std::string>& value) {
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  std::optional<std::string> path_, home_;
};

// The problems of a group that must not load, as one message.
std::string problems(const std::string& text) {
  ShippedProfiles profiles;
  auto g = group::load_text(text, "g.toml");
  if (g) return "(loaded)";
  return g.error().message();
}

// The one problem of `text`: "g.toml:LINE:COLUMN: what".
::testing::AssertionResult only(const std::string& text, const std::string& expected) {
  const std::string message = problems(text);
  if (message == "group file: " + expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected: group file: " << expected << "\n     got: " << message;
}

const group::Service* find(const group::Group& g, const std::string& name) {
  for (const auto& s : g.services)
    if (s.name == name) return &s;
  return nullptr;
}

constexpr const char* kGood = R"([group]
name = "vm-test"
shutdown-timeout = 2.5
uid-range = { first = 200000, count = 10 }
shared = ["/var/lib/vm-test", "/srv/other"]
profile = "shell"

[service.web]
command = ["python3", "-m", "http.server", "--bind", "127.0.0.1"]
after = ["store"]
uid = "next"
ready = { socket = "/run/web.sock" }
restart = "always"
restart-delay = 0.25
restart-delay-max = 4
stop-signal = "INT"

[service.store]
command = ["virtiofsd", "--shared-dir", "/var/lib/vm-test"]
shared = ["/var/lib/vm-test"]
uid = 200000
ready = { fd = 3 }
restart = "on-failure"
stop-signal = 15

[service.store.cgroup]
memory-max = "256M"
pids-max = 50

[service.net]
command = ["sh", "-c", "exec sleep 1000"]
gid = 200007
stop-signal = "SIGHUP"

[service.net.profile]
sandbox = "namespace"
[service.net.profile.filesystem]
root = "empty"
ops = [{ ro-bind = ["/usr", "/usr"] }]
[service.net.profile.network]
mode = "host"
)";

TEST(GroupFile, ThreeServicesInStartOrderWithTheirIdsAndSandboxes) {
  ShippedProfiles profiles;
  auto loaded = group::load_text(kGood, "vm.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  const group::Group& g = *loaded;
  EXPECT_EQ(g.name, "vm-test");
  EXPECT_EQ(g.file, "vm.toml");
  EXPECT_EQ(g.shutdown_timeout_ms, 2500u);
  ASSERT_TRUE(g.uids && g.gids);
  EXPECT_EQ(g.uids->first, 200000u);
  EXPECT_EQ(g.uids->count, 10u);
  EXPECT_EQ(g.gids->first, 200000u) << "gid-range defaults to uid-range";
  EXPECT_EQ(g.gids->count, 10u);
  EXPECT_EQ(g.shared, (std::vector<std::string>{"/var/lib/vm-test", "/srv/other"}));

  // web is after store; net, free to start, comes after web, which is earlier in the file.
  ASSERT_EQ(g.services.size(), 3u);
  EXPECT_EQ(g.services[0].name, "store");
  EXPECT_EQ(g.services[1].name, "web");
  EXPECT_EQ(g.services[2].name, "net");

  const auto& web = *find(g, "web");
  EXPECT_EQ(web.origin, "vm.toml:8:1");
  EXPECT_EQ(web.policy.argv,
            (std::vector<std::string>{"python3", "-m", "http.server", "--bind", "127.0.0.1"}));
  EXPECT_EQ(web.after, (std::vector<std::string>{"store"}));
  // "next": the range's first uid is store's own, so web takes the one after it.
  EXPECT_EQ(web.uid, std::optional<uid_t>(200001));
  EXPECT_EQ(web.gid, std::optional<gid_t>(200001)) << "gid: the uid's number";
  EXPECT_EQ(web.ready.kind, Readiness::Kind::Socket);
  EXPECT_EQ(web.ready.socket, "/run/web.sock");
  EXPECT_EQ(web.restart, Restart::Always);
  EXPECT_EQ(web.restart_delay_ms, 250u);
  EXPECT_EQ(web.restart_delay_max_ms, 4000u);
  EXPECT_EQ(web.stop_signal, SIGINT);
  // The group's default profile, shell: the default view, a tmpfs home, no network.
  EXPECT_TRUE(web.policy.default_root);
  EXPECT_EQ(web.policy.net, NetMode::None);
  ASSERT_EQ(web.policy.fs.size(), 1u);
  EXPECT_EQ(web.policy.fs[0].kind, FsOp::Kind::Tmpfs);
  EXPECT_EQ(web.policy.fs[0].dest, std::getenv("HOME") ? std::getenv("HOME") : "/home/someone");
  EXPECT_TRUE(web.policy.landlock.scope_signal);

  const auto& store = *find(g, "store");
  EXPECT_EQ(store.origin, "vm.toml:18:1");
  EXPECT_EQ(store.uid, std::optional<uid_t>(200000));
  EXPECT_EQ(store.gid, std::optional<gid_t>(200000));
  EXPECT_EQ(store.ready.kind, Readiness::Kind::Fd);
  EXPECT_EQ(store.ready.fd, 3);
  EXPECT_EQ(store.restart, Restart::OnFailure);
  EXPECT_EQ(store.restart_delay_ms, 100u) << "the default";
  EXPECT_EQ(store.restart_delay_max_ms, 30000u);
  EXPECT_EQ(store.stop_signal, SIGTERM);
  EXPECT_EQ(store.policy.cgroup.memory_max, std::optional<std::uint64_t>(256u << 20));
  EXPECT_EQ(store.policy.cgroup.pids_max, std::optional<std::uint64_t>(50));
  // The shell profile's tmpfs, then the shared path, bound read-write onto itself.
  ASSERT_EQ(store.policy.fs.size(), 2u);
  EXPECT_EQ(store.policy.fs[1].kind, FsOp::Kind::Bind);
  EXPECT_EQ(store.policy.fs[1].source, "/var/lib/vm-test");
  EXPECT_EQ(store.policy.fs[1].dest, "/var/lib/vm-test");
  EXPECT_FALSE(store.policy.fs[1].optional);

  const auto& net = *find(g, "net");
  EXPECT_EQ(net.uid, std::optional<uid_t>(200002));
  EXPECT_EQ(net.gid, std::optional<gid_t>(200007));
  EXPECT_EQ(net.stop_signal, SIGHUP);
  EXPECT_EQ(net.ready.kind, Readiness::Kind::None);
  EXPECT_EQ(net.restart, Restart::No);
  // Its own inline profile instead of the group's: an empty root, the host's network.
  EXPECT_FALSE(net.policy.default_root);
  EXPECT_EQ(net.policy.net, NetMode::Host);
  ASSERT_EQ(net.policy.fs.size(), 1u);
  EXPECT_EQ(net.policy.fs[0].kind, FsOp::Kind::RoBind);
  EXPECT_FALSE(net.policy.landlock.scope_signal);
  EXPECT_FALSE(net.policy.cgroup.memory_max);
}

TEST(GroupFile, WithoutAProfileAServiceHasCloisterRunsDefaultSandbox) {
  auto g = group::load_text("[service.a]\ncommand = [\"true\"]\n", "plain.toml");
  ASSERT_TRUE(g.ok()) << g.error().message();
  EXPECT_EQ(g->name, "plain") << "the file's name without .toml";
  const auto& p = g->services.at(0).policy;
  EXPECT_TRUE(p.default_root);
  EXPECT_TRUE(p.fs.empty());
  EXPECT_EQ(p.ns.net, Want::Yes);
  EXPECT_EQ(p.ns.ipc, Want::Yes);
  EXPECT_EQ(p.ns.uts, Want::Yes);
  // Identity and the PID namespace are the manager's.
  EXPECT_EQ(p.ns.user, Want::No);
  EXPECT_EQ(p.ns.pid, Want::No);
  EXPECT_FALSE(p.id.root_maps_onto);
  // No uid-range: "next" leaves the ids unset.
  EXPECT_FALSE(g->services[0].uid);
  EXPECT_FALSE(g->services[0].gid);
  EXPECT_FALSE(g->uids);
  EXPECT_EQ(g->shutdown_timeout_ms, 10000u);
}

TEST(GroupFile, AProfilePathIsRelativeToTheGroupFile) {
  const fs::path dir = fs::temp_directory_path() / ("cloister-group-" + std::to_string(::getpid()));
  fs::create_directories(dir / "profiles");
  std::ofstream(dir / "profiles/p.toml") << "[network]\nmode = \"unix\"\n";
  std::ofstream(dir / "g.toml") << "[service.a]\ncommand = [\"x\"]\nprofile = \"profiles/p.toml\"\n"
                                   "[service.b]\ncommand = [\"x\"]\nprofile = \"missing.toml\"\n";
  auto g = group::load_file((dir / "g.toml").string());
  ASSERT_FALSE(g.ok());
  // a's profile loaded; b's is named at its own place, with the path it was looked for at.
  EXPECT_EQ(g.error().message(), "group file: " + (dir / "g.toml").string() + ":6:11: profile '" +
                                     (dir / "missing.toml").string() +
                                     "': cannot open: No such file or directory");
  fs::remove(dir / "g.toml");
  std::ofstream(dir / "g.toml")
      << "[service.a]\ncommand = [\"x\"]\nprofile = \"profiles/p.toml\"\n";
  auto good = group::load_file((dir / "g.toml").string());
  fs::remove_all(dir);
  ASSERT_TRUE(good.ok()) << good.error().message();
  EXPECT_EQ(good->services[0].policy.net, NetMode::Unix);
  EXPECT_TRUE(good->services[0].policy.default_root);
}

// ---- one problem each, where it was written ----

TEST(GroupFileProblems, UnknownKeys) {
  EXPECT_TRUE(
      only("colour = 1\n[service.a]\ncommand = [\"x\"]\n", "g.toml:1:10: unknown key 'colour'"));
  EXPECT_TRUE(only("[group]\nnmae = \"x\"\n[service.a]\ncommand = [\"x\"]\n",
                   "g.toml:2:8: unknown key 'nmae' in [group]"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nrestrat = \"always\"\n",
                   "g.toml:3:11: unknown key 'restrat' in [service.a]"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nready = { pipe = 3 }\n",
                   "g.toml:3:18: unknown key 'pipe' in ready (fd or socket)"));
  EXPECT_TRUE(
      only("[group]\nuid-range = { first = 10, size = 2 }\n[service.a]\ncommand = [\"x\"]\n",
           "g.toml:2:34: unknown key 'size' in uid-range (first, count)"));
}

TEST(GroupFileProblems, DuplicateServiceNames) {
  // TOML itself refuses a table defined twice; the problem is the parser's, at the second.
  const std::string message = problems(
      "[service.a]\ncommand = [\"x\"]\n[service.b]\ncommand = [\"y\"]\n"
      "[service.a]\ncommand = [\"z\"]\n");
  EXPECT_EQ(message.rfind("group file: g.toml:5:", 0), 0u) << message;
  EXPECT_NE(message.find("service.a"), std::string::npos) << message;
}

TEST(GroupFileProblems, ACycleInAfterIsNamed) {
  EXPECT_TRUE(only(R"([service.a]
command = ["x"]
after = ["b"]
[service.b]
command = ["x"]
after = ["c"]
[service.c]
command = ["x"]
after = ["a"]
)",
                   "g.toml:9:10: a cycle in after: a -> b -> c -> a"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nafter = [\"a\"]\n",
                   "g.toml:3:10: a cycle in after: a -> a"));
}

TEST(GroupFileProblems, ALongCycleIsShortened) {
  std::string text;
  for (int i = 0; i < 20; ++i)
    text += "[service.s" + std::to_string(i) + "]\ncommand = [\"x\"]\nafter = [\"s" +
            std::to_string((i + 1) % 20) + "\"]\n";
  EXPECT_TRUE(only(text,
                   "g.toml:60:10: a cycle in after: s0 -> s1 -> s2 -> s3 -> s4 -> s5 -> s6 -> "
                   "s7 -> s8 -> s9 -> s10 -> ... (8 more) -> s19 -> s0"));
}

TEST(GroupFileProblems, AfterNamingNoService) {
  EXPECT_TRUE(
      only("[service.a]\ncommand = [\"x\"]\nafter = [\"a2\", \"b\"]\n[service.b]\n"
           "command = [\"x\"]\n",
           "g.toml:3:10: after names no service: 'a2'"));
}

TEST(GroupFileProblems, MissingOrEmptyCommand) {
  EXPECT_TRUE(
      only("[service.a]\nrestart = \"always\"\n", "g.toml:1:1: [service.a] needs a command"));
  EXPECT_TRUE(only("[service.a]\ncommand = []\n",
                   "g.toml:2:11: command is empty: [\"program\", \"argument\", ...]"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"\", \"x\"]\n",
                   "g.toml:2:11: command is empty: [\"program\", \"argument\", ...]"));
  EXPECT_TRUE(only("[service.a]\ncommand = \"ls -l\"\n",
                   "g.toml:2:11: command must be an array of strings"));
}

TEST(GroupFileProblems, IdsOutsideTheRange) {
  const std::string range = "[group]\nuid-range = { first = 1000, count = 2 }\n";
  EXPECT_TRUE(only(range + "[service.a]\ncommand = [\"x\"]\nuid = 1002\n",
                   "g.toml:5:7: uid 1002 is outside uid-range (1000 to 1001)"));
  EXPECT_TRUE(only(range + "[service.a]\ncommand = [\"x\"]\ngid = 999\n",
                   "g.toml:5:7: gid 999 is outside gid-range (1000 to 1001)"));
  // The default gid is the uid's number: inside gid-range as well, or given.
  EXPECT_TRUE(
      only("[group]\nuid-range = { first = 1000, count = 2 }\n"
           "gid-range = { first = 3000, count = 2 }\n[service.a]\ncommand = [\"x\"]\n",
           "g.toml:4:1: gid 1000 (the service's uid) is outside gid-range (3000 to "
           "3001): give the service a gid"));
  auto g = group::load_text(
      "[group]\nuid-range = { first = 1000, count = 2 }\n"
      "gid-range = { first = 3000, count = 2 }\n[service.a]\n"
      "command = [\"x\"]\ngid = 3001\n",
      "g.toml");
  ASSERT_TRUE(g.ok()) << g.error().message();
  EXPECT_EQ(g->services[0].uid, std::optional<uid_t>(1000));
  EXPECT_EQ(g->services[0].gid, std::optional<gid_t>(3001));
}

TEST(GroupFileProblems, ANumericUidNeedsARange) {
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nuid = 1000\n",
                   "g.toml:3:7: a numeric uid needs [group] uid-range"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\ngid = 1000\n",
                   "g.toml:3:7: a numeric gid needs [group] gid-range or uid-range"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nuid = \"first\"\n",
                   "g.toml:3:7: uid must be a number or \"next\""));
}

TEST(GroupFileProblems, TwoServicesGivenTheSameUid) {
  EXPECT_TRUE(
      only("[group]\nuid-range = { first = 1000, count = 5 }\n"
           "[service.a]\ncommand = [\"x\"]\nuid = 1003\n"
           "[service.b]\ncommand = [\"x\"]\nuid = 1003\n",
           "g.toml:8:7: uid 1003 is service 'a''s as well (g.toml:3:1)"));
}

TEST(GroupFileProblems, ARangeTooSmallForItsServices) {
  EXPECT_TRUE(
      only("[group]\nuid-range = { first = 1000, count = 2 }\n"
           "[service.a]\ncommand = [\"x\"]\n[service.b]\ncommand = [\"x\"]\n"
           "[service.c]\ncommand = [\"x\"]\n",
           "g.toml:2:13: uid-range (1000 to 1001) is too small for its 3 services"));
  // An explicit uid counts: b's "next" skips it, and c finds none left.
  EXPECT_TRUE(
      only("[group]\nuid-range = { first = 1000, count = 2 }\n"
           "[service.a]\ncommand = [\"x\"]\nuid = 1000\n[service.b]\ncommand = [\"x\"]\n"
           "[service.c]\ncommand = [\"x\"]\n",
           "g.toml:2:13: uid-range (1000 to 1001) is too small for its 3 services"));
}

TEST(GroupFileProblems, ARangeIncludingRoot) {
  EXPECT_TRUE(
      only("[group]\nuid-range = { first = 0, count = 10 }\n[service.a]\ncommand = [\"x\"]\n",
           "g.toml:2:13: uid-range includes 0 (root): start it at 1 or above"));
  EXPECT_TRUE(
      only("[group]\nuid-range = { first = 10, count = 10 }\ngid-range = { first = 0, "
           "count = 10 }\n[service.a]\ncommand = [\"x\"]\ngid = 11\n",
           "g.toml:3:13: gid-range includes 0 (root): start it at 1 or above"));
  EXPECT_TRUE(
      only("[group]\nuid-range = { first = 4294967290, count = 10 }\n[service.a]\n"
           "command = [\"x\"]\n",
           "g.toml:2:13: uid-range reaches past 4294967294"));
}

TEST(GroupFileProblems, ASharedPathTheGroupDoesNotList) {
  EXPECT_TRUE(
      only("[group]\nshared = [\"/srv/a\"]\n[service.a]\ncommand = [\"x\"]\n"
           "shared = [\"/srv/a\", \"/srv/b\"]\n",
           "g.toml:5:21: '/srv/b' is not one of [group] shared"));
  EXPECT_TRUE(only("[group]\nshared = [\"srv/a\"]\n[service.a]\ncommand = [\"x\"]\n",
                   "g.toml:2:11: shared paths must be absolute, without '..': 'srv/a'"));
}

TEST(GroupFileProblems, AReadyFdBelowThree) {
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nready = { fd = 2 }\n",
                   "g.toml:3:16: ready fd must be a descriptor from 3 to 1023 (0, 1 and 2 are "
                   "the service's standard streams)"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nready = { socket = \"run/a\" }\n",
                   "g.toml:3:20: ready socket must be an absolute path (as the service sees it)"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nready = \"yes\"\n",
                   "g.toml:3:9: ready must be \"none\", { fd = N } or { socket = \"/path\" }"));
}

TEST(GroupFileProblems, RestartSignalAndDurations) {
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nrestart = \"sometimes\"\n",
                   "g.toml:3:11: restart must be \"no\", \"on-failure\" or \"always\""));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nstop-signal = \"SIGFOO\"\n",
                   "g.toml:3:15: stop-signal must be a signal's name (\"SIGTERM\", \"TERM\") "
                   "or a number from 1 to 64"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nstop-signal = 65\n",
                   "g.toml:3:15: stop-signal must be a signal's name (\"SIGTERM\", \"TERM\") "
                   "or a number from 1 to 64"));
  EXPECT_TRUE(only("[group]\nshutdown-timeout = -1\n[service.a]\ncommand = [\"x\"]\n",
                   "g.toml:2:20: shutdown-timeout must be a number of seconds from 0 to 86400"));
  EXPECT_TRUE(only("[group]\nshutdown-timeout = nan\n[service.a]\ncommand = [\"x\"]\n",
                   "g.toml:2:20: shutdown-timeout must be a number of seconds from 0 to 86400"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nrestart-delay = 0\n",
                   "g.toml:3:17: restart-delay must be a number of seconds from 0.001 to 86400"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nrestart-delay = 5\nrestart-delay-max = 2\n",
                   "g.toml:4:21: restart-delay-max is below restart-delay"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nrestart-delay = 60\n",
                   "g.toml:3:17: restart-delay-max is below restart-delay"));
}

TEST(GroupFileProblems, ServiceAndGroupNames) {
  EXPECT_TRUE(only("[service.\"a/b\"]\ncommand = [\"x\"]\n",
                   "g.toml:1:1: service name 'a/b': 1 to 64 letters, digits, '-', '_' or '.', "
                   "not starting with '.' or '-'"));
  EXPECT_TRUE(only("[group]\nname = \"..\"\n[service.a]\ncommand = [\"x\"]\n",
                   "g.toml:2:8: name must be 1 to 64 letters, digits, '-', '_' or '.', not "
                   "starting with '.' or '-'"));
  EXPECT_TRUE(only("[group]\n", "g.toml: no [service.NAME] table: a group needs a service"));
}

// A profile written in the group file reports its problems at the group file's places.
TEST(GroupFileProblems, InlineProfileAndCgroupProblemsCarryTheGroupFilesPlaces) {
  EXPECT_TRUE(
      only("[service.a]\ncommand = [\"x\"]\n[service.a.profile.seccomp]\nbase = \"loose\"\n",
           "g.toml:4:8: base must be \"default\", \"strict-daemon\" or \"none\""));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\n[service.a.cgroup]\nmemory-max = \"lots\"\n",
                   "g.toml:4:14: memory-max expects BYTES with an optional K, M or G suffix"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\ncgroup = { memory-min = 1 }\n",
                   "g.toml:3:25: unknown key 'memory-min' in [cgroup]"));
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"]\nprofile = 3\n",
                   "g.toml:3:11: profile must be a shipped profile's name, a path or a table of "
                   "a profile's keys"));
}

TEST(GroupFileProblems, AProfileNameNotShipped) {
  const std::string message =
      problems("[group]\nprofile = \"no-such-profile\"\n[service.a]\ncommand = [\"x\"]\n");
  EXPECT_EQ(message.rfind("group file: g.toml:2:11: no shipped profile named 'no-such-profile' "
                          "(searched " +
                              std::string(CLOISTER_SOURCE_DIR) + "/profiles",
                          0),
            0u)
      << message;
}

TEST(GroupFileProblems, UnsafeCharactersAreRefusedBeforeParsing) {
  EXPECT_TRUE(only("[service.a]\ncommand = [\"x\"] # \xc2\xa1\n",
                   "g.toml:2:19: character U+00A1 (write it as \\u00A1 in a string) cannot be "
                   "read safely by the TOML library (toml++ 3.3), comments included"));
}

TEST(GroupFileProblems, AllAtOnceAndBounded) {
  const std::string message = problems(
      "[group]\nuid-range = { first = 0, count = 1 }\n[service.a]\nafter = [\"zz\"]\n"
      "ready = { fd = 1 }\n");
  EXPECT_EQ(message,
            "group file: 4 problems:\n"
            "  g.toml:2:13: uid-range includes 0 (root): start it at 1 or above\n"
            "  g.toml:5:16: ready fd must be a descriptor from 3 to 1023 (0, 1 and 2 are the "
            "service's standard streams)\n"
            "  g.toml:3:1: [service.a] needs a command\n"
            "  g.toml:4:10: after names no service: 'zz'");
  std::string many;
  for (int i = 0; i < 80; ++i) many += "[service.s" + std::to_string(i) + "]\n";
  const std::string bounded = problems(many);
  EXPECT_EQ(bounded.rfind("group file: 80 problems:", 0), 0u) << bounded;
  EXPECT_NE(bounded.find("\n  ... and 30 more"), std::string::npos) << bounded;
}

}  // namespace
}  // namespace cloister
