// config.json -> Policy (src/oci/spec*.cpp): each key of the runtime spec cloister reads, what
// it becomes, and each refusal with the key it names. Bundles are hand-written JSON over a
// temporary bundle directory; nothing here starts a container.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "kernel/capability_names.hpp"
#include "oci/features.hpp"
#include "oci/spec.hpp"

namespace cloister {
namespace {

using oci::Container;
using oci::Json;
using Kind = FsOp::Kind;

// A bundle directory: rootfs/ (empty until a test adds to it), removed with everything in it.
class Bundle {
 public:
  Bundle() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "cloister-oci-unit-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    dir_ = tmpl;
    std::filesystem::create_directory(dir_ + "/rootfs");
  }
  ~Bundle() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Bundle(const Bundle&) = delete;
  Bundle& operator=(const Bundle&) = delete;

  const std::string& dir() const { return dir_; }
  std::string rootfs(const std::string& rel = "") const { return dir_ + "/rootfs" + rel; }
  void mkdir(const std::string& rel) const { std::filesystem::create_directories(rootfs(rel)); }
  void file(const std::string& rel, const std::string& text = "x") const {
    std::ofstream(rootfs(rel)) << text;
  }

 private:
  std::string dir_;
};

// The smallest config cloister accepts: a process as root, the bundle's rootfs, a mount
// namespace.
Json minimal() {
  return Json::parse(R"({
    "ociVersion": "1.0.2",
    "process": {"user": {"uid": 0, "gid": 0}, "args": ["/bin/sh", "-c", "true"], "cwd": "/"},
    "root": {"path": "rootfs"},
    "linux": {"namespaces": [{"type": "mount"}]}
  })");
}

class OciSpec : public testing::Test {
 protected:
  Result<Container> load(const Json& config) { return oci::from_json(config, bundle.dir()); }

  // The container, or a failure saying why it was refused.
  Container accepted(const Json& config) {
    auto c = load(config);
    if (!c) {
      ADD_FAILURE() << "refused: " << c.error().message() << "\nconfig: " << config.dump();
      return Container{};
    }
    return std::move(*c);
  }

  // The refusal's message, or a failure when the config was accepted.
  std::string refused(const Json& config) {
    auto c = load(config);
    if (c) {
      ADD_FAILURE() << "accepted: " << config.dump();
      return "";
    }
    return c.error().message();
  }

  // The key the refusal names (its step), "" when accepted.
  std::string refused_key(const Json& config) {
    auto c = load(config);
    if (c) {
      ADD_FAILURE() << "accepted: " << config.dump();
      return "";
    }
    return c.error().step;
  }

  Json with_mounts(const Json& mounts) {
    Json j = minimal();
    j["mounts"] = mounts;
    return j;
  }

  Json with_namespaces(const std::vector<std::string>& types) {
    Json j = minimal();
    j["linux"]["namespaces"] = Json::array();
    for (const auto& t : types) j["linux"]["namespaces"].push_back({{"type", t}});
    return j;
  }

  Bundle bundle;
};

std::vector<FsOp> ops_of_kind(const Container& c, Kind kind) {
  std::vector<FsOp> out;
  for (const auto& op : c.policy.fs)
    if (op.kind == kind) out.push_back(op);
  return out;
}

// The capabilities the container keeps: the CapOps after the leading "drop all".
std::vector<int> kept_caps(const Container& c) {
  std::vector<int> kept;
  EXPECT_FALSE(c.policy.caps.empty());
  if (c.policy.caps.empty()) return kept;
  EXPECT_FALSE(c.policy.caps[0].add);
  EXPECT_EQ(c.policy.caps[0].cap, -1);
  for (std::size_t i = 1; i < c.policy.caps.size(); ++i) {
    EXPECT_TRUE(c.policy.caps[i].add);
    kept.push_back(c.policy.caps[i].cap);
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

int cap(const char* name) { return caps::from_name(name).value_or(-1); }

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- top level ---------------------------------------------------------------------------

TEST_F(OciSpec, MinimalConfigBecomesAContainerWithOciDefaults) {
  auto c = accepted(minimal());
  EXPECT_EQ(c.bundle, bundle.dir());
  EXPECT_EQ(c.policy.ns.mount, Want::Yes);
  EXPECT_EQ(c.policy.ns.user, Want::No);
  EXPECT_EQ(c.policy.ns.pid, Want::No);
  EXPECT_EQ(c.policy.seccomp.base, "none");  // the bundle's seccomp, or none
  EXPECT_FALSE(c.policy.as_pid_1);           // no PID namespace: not PID 1 of anything
  EXPECT_TRUE(c.policy.cgroup.own);          // delete and kill --all need one
  // Nothing asked: none where none can be made (rootless podman on cgroup v1), as runc/crun.
  EXPECT_TRUE(c.policy.cgroup.best_effort);
  ASSERT_FALSE(c.policy.fs.empty());
  EXPECT_EQ(c.policy.fs[0].kind, Kind::Bind);
  EXPECT_EQ(c.policy.fs[0].source, bundle.rootfs());
  EXPECT_EQ(c.policy.fs[0].dest, "/");
  EXPECT_FALSE(c.policy.root_read_only);
}

TEST_F(OciSpec, UnknownTopLevelKeyIsRefusedByName) {
  Json j = minimal();
  j["vm"] = Json::object();
  const auto message = refused(j);
  EXPECT_TRUE(contains(message, "'vm'")) << message;
  EXPECT_TRUE(contains(message, "is not supported by cloister")) << message;
  EXPECT_TRUE(contains(message, "another runtime")) << message;  // the hint
}

TEST_F(OciSpec, OciVersionTwoIsRefused) {
  Json j = minimal();
  j["ociVersion"] = "2.0.0";
  const auto message = refused(j);
  EXPECT_TRUE(contains(message, "ociVersion")) << message;
  EXPECT_TRUE(contains(message, "'2.0.0'")) << message;
  j.erase("ociVersion");
  EXPECT_EQ(refused_key(j), "ociVersion");
  j["ociVersion"] = "1.1.0";
  accepted(j);
}

TEST_F(OciSpec, MissingSectionsAreNamed) {
  for (const char* section : {"process", "linux", "root"}) {
    Json j = minimal();
    j.erase(section);
    EXPECT_EQ(refused_key(j), section);
  }
}

TEST_F(OciSpec, HostnameAndDomainname) {
  Json j = with_namespaces({"mount", "uts"});
  j["hostname"] = "box";
  EXPECT_EQ(accepted(j).policy.hostname, "box");
  j["domainname"] = "example.org";
  EXPECT_EQ(refused_key(j), "domainname");
}

TEST_F(OciSpec, RootfsMustBeADirectory) {
  Json j = minimal();
  j["root"]["path"] = "missing";
  EXPECT_EQ(refused_key(j), "root.path");
  j["root"]["path"] = bundle.rootfs();  // absolute
  EXPECT_EQ(accepted(j).policy.fs[0].source, bundle.rootfs());
}

TEST_F(OciSpec, RootReadonlyMakesTheRootReadOnly) {
  Json j = minimal();
  j["root"]["readonly"] = true;
  EXPECT_TRUE(accepted(j).policy.root_read_only);
}

// ---- process ------------------------------------------------------------------------------

TEST_F(OciSpec, ArgsAndCwd) {
  auto c = accepted(minimal());
  EXPECT_EQ(c.policy.argv, (std::vector<std::string>{"/bin/sh", "-c", "true"}));
  EXPECT_EQ(c.policy.chdir, "/");
  Json j = minimal();
  j["process"]["cwd"] = "relative";
  EXPECT_EQ(refused_key(j), "process.cwd");
  j = minimal();
  j["process"]["args"] = Json::array();
  EXPECT_EQ(refused_key(j), "process.args");
  j["process"]["args"] = {"/bin/sh", 3};
  EXPECT_EQ(refused_key(j), "process.args[1]");
}

TEST_F(OciSpec, EnvClearsThenSetsEachEntry) {
  Json j = minimal();
  j["process"]["env"] = {"PATH=/bin", "EMPTY=", "EQ=a=b"};
  auto c = accepted(j);
  ASSERT_EQ(c.policy.env.size(), 4u);
  EXPECT_EQ(c.policy.env[0].kind, EnvOp::Kind::Clear);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"PATH", "/bin"}, {"EMPTY", ""}, {"EQ", "a=b"}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(c.policy.env[i + 1].kind, EnvOp::Kind::Set);
    EXPECT_EQ(c.policy.env[i + 1].name, want[i].first);
    EXPECT_EQ(c.policy.env[i + 1].value, want[i].second);
  }
  j["process"]["env"] = {"PATH=/bin", "NOEQUALS"};
  EXPECT_EQ(refused_key(j), "process.env[1]");
  j["process"]["env"] = {"=value"};
  EXPECT_EQ(refused_key(j), "process.env[0]");
}

TEST_F(OciSpec, UserIdsGroupsAndUmask) {
  Json j = minimal();
  j["process"]["user"] = {
      {"uid", 1000}, {"gid", 1001}, {"additionalGids", {5, 27}}, {"umask", 022}};
  auto c = accepted(j);
  EXPECT_EQ(c.policy.id.uid, 1000u);
  EXPECT_EQ(c.policy.id.gid, 1001u);
  EXPECT_EQ(c.policy.id.groups, (std::vector<gid_t>{5, 27}));
  EXPECT_EQ(c.umask, static_cast<mode_t>(022));

  j["process"]["user"]["umask"] = 01000;
  EXPECT_EQ(refused_key(j), "process.user.umask");
  j["process"]["user"] = {{"uid", 0}};
  EXPECT_EQ(refused_key(j), "process.user");
  j["process"]["user"] = {{"uid", -1}, {"gid", 0}};
  EXPECT_EQ(refused_key(j), "process.user.uid");
  j["process"]["user"] = {{"uid", 0}, {"gid", 0}, {"username", "root"}};
  EXPECT_EQ(refused_key(j), "process.user.username");
  j["process"]["user"] = {{"uid", 0}, {"gid", 0}, {"additionalGids", {"wheel"}}};
  EXPECT_EQ(refused_key(j), "process.user.additionalGids[0]");
}

TEST_F(OciSpec, RootKeepsPermittedWithinBounding) {
  Json j = minimal();
  j["process"]["capabilities"] = {{"bounding", {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}},
                                  {"permitted", {"CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"}},
                                  {"effective", {"CAP_CHOWN"}},
                                  {"inheritable", Json::array()},
                                  {"ambient", Json::array()}};
  auto c = accepted(j);
  std::vector<int> want = {cap("CAP_CHOWN"), cap("CAP_KILL")};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(kept_caps(c), want);
  // CAP_NET_RAW is bounding only: said, since no_new_privs keeps anything from regaining it.
  ASSERT_EQ(c.notices.size(), 1u);
  EXPECT_TRUE(contains(c.notices[0], "capabilities CAP_NET_RAW are")) << c.notices[0];
}

TEST_F(OciSpec, NonRootKeepsOnlyAmbientThatIsPermittedInheritableAndBounding) {
  Json j = minimal();
  j["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  j["process"]["capabilities"] = {
      {"bounding", {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"}},
      {"permitted", {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"}},
      {"effective", {"CAP_CHOWN", "CAP_KILL"}},
      {"inheritable", {"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"}},
      // CAP_SYS_ADMIN: ambient only, in no other set.
      {"ambient", {"CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SYS_ADMIN"}}};
  auto c = accepted(j);
  std::vector<int> want = {cap("CAP_NET_BIND_SERVICE"), cap("CAP_SETUID")};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(kept_caps(c), want);
  // No ambient set: a non-root process keeps nothing across exec.
  j["process"]["capabilities"].erase("ambient");
  EXPECT_TRUE(kept_caps(accepted(j)).empty());
}

// runc and crun set the five sets as given: podman's root process has no inheritable and no
// ambient capabilities, not copies of its permitted set.
TEST_F(OciSpec, CapabilitySetsAreSetAsGiven) {
  Json j = minimal();
  j["process"]["capabilities"] = {{"bounding", {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"}},
                                  {"permitted", {"CAP_CHOWN", "CAP_KILL"}},
                                  {"effective", {"CAP_CHOWN"}},
                                  {"inheritable", Json::array()},
                                  {"ambient", Json::array()}};
  auto c = accepted(j);
  ASSERT_TRUE(c.policy.cap_sets.has_value());
  const auto bit = [](const char* name) { return std::uint64_t{1} << cap(name); };
  EXPECT_EQ(c.policy.cap_sets->bounding, bit("CAP_CHOWN") | bit("CAP_KILL") | bit("CAP_NET_RAW"));
  EXPECT_EQ(c.policy.cap_sets->permitted, bit("CAP_CHOWN") | bit("CAP_KILL"));
  EXPECT_EQ(c.policy.cap_sets->effective, bit("CAP_CHOWN"));
  EXPECT_EQ(c.policy.cap_sets->inheritable, 0u);
  EXPECT_EQ(c.policy.cap_sets->ambient, 0u);
  // Inheritable and ambient as given too.
  j["process"]["capabilities"]["inheritable"] = {"CAP_KILL"};
  j["process"]["capabilities"]["ambient"] = {"CAP_KILL"};
  c = accepted(j);
  ASSERT_TRUE(c.policy.cap_sets.has_value());
  EXPECT_EQ(c.policy.cap_sets->inheritable, bit("CAP_KILL"));
  EXPECT_EQ(c.policy.cap_sets->ambient, bit("CAP_KILL"));
}

// The kernel refuses an inheritable capability outside the bounding set; an ambient one not
// permitted and inheritable cannot be raised, and is left out with a notice (runc warns).
TEST_F(OciSpec, InheritableOutsideBoundingIsAnErrorAmbientOutsideIsLeftOut) {
  Json j = minimal();
  j["process"]["capabilities"] = {{"bounding", {"CAP_CHOWN"}},
                                  {"permitted", {"CAP_CHOWN"}},
                                  {"inheritable", {"CAP_CHOWN", "CAP_KILL"}}};
  auto message = refused(j);
  EXPECT_TRUE(contains(message, "process.capabilities.inheritable")) << message;
  EXPECT_TRUE(contains(message, "not in bounding: CAP_KILL")) << message;
  j["process"]["capabilities"]["inheritable"] = {"CAP_CHOWN"};
  j["process"]["capabilities"]["ambient"] = {"CAP_CHOWN", "CAP_KILL"};
  auto c = accepted(j);
  ASSERT_TRUE(c.policy.cap_sets.has_value());
  EXPECT_EQ(c.policy.cap_sets->ambient, std::uint64_t{1} << cap("CAP_CHOWN"));
  ASSERT_FALSE(c.notices.empty());
  EXPECT_TRUE(contains(c.notices[0], "process.capabilities.ambient CAP_KILL left out"))
      << c.notices[0];
}

// As runc and crun start it: no /bin/sh for a file without #!, no PWD added, HOME from the
// container's /etc/passwd, an exec failing after start said on the process's stderr.
TEST_F(OciSpec, TheProcessStartsAsRuncStartsIt) {
  auto c = accepted(minimal());
  EXPECT_FALSE(c.policy.exec.shell_fallback);
  EXPECT_FALSE(c.policy.exec.set_pwd);
  EXPECT_TRUE(c.policy.exec.home_from_passwd);
  EXPECT_EQ(c.policy.exec.name_on_stderr, "cloister-oci");
}

TEST_F(OciSpec, NoCapabilitiesKeyDropsAll) {
  auto c = accepted(minimal());
  ASSERT_EQ(c.policy.caps.size(), 1u);
  EXPECT_FALSE(c.policy.caps[0].add);
  EXPECT_EQ(c.policy.caps[0].cap, -1);
}

TEST_F(OciSpec, EffectiveOutsidePermittedIsAnError) {
  Json j = minimal();
  j["process"]["capabilities"] = {{"effective", {"CAP_CHOWN", "CAP_KILL"}},
                                  {"permitted", {"CAP_CHOWN"}},
                                  {"bounding", {"CAP_CHOWN", "CAP_KILL"}}};
  auto message = refused(j);
  EXPECT_TRUE(contains(message, "process.capabilities.effective")) << message;
  EXPECT_TRUE(contains(message, "not in permitted: CAP_KILL")) << message;
}

TEST_F(OciSpec, UnknownCapabilityAndKeyAreNamed) {
  Json j = minimal();
  j["process"]["capabilities"] = {{"bounding", {"CAP_CHOWN", "CAP_TELEPORT"}}};
  EXPECT_EQ(refused_key(j), "process.capabilities.bounding[1]");
  j["process"]["capabilities"] = {{"extra", Json::array()}};
  EXPECT_TRUE(contains(refused(j), "process.capabilities.'extra'"));
}

TEST_F(OciSpec, Rlimits) {
  Json j = minimal();
  j["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 1024}, {"hard", 4096}},
                             {{"type", "RLIMIT_CORE"}, {"soft", 0}, {"hard", 0}}};
  auto c = accepted(j);
  ASSERT_EQ(c.policy.rlimits.size(), 2u);
  EXPECT_EQ(c.policy.rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(c.policy.rlimits[0].soft, 1024u);
  EXPECT_EQ(c.policy.rlimits[0].hard, 4096u);
  EXPECT_EQ(c.policy.rlimits[1].resource, RLIMIT_CORE);
  // Errors about a limit name its key in config.json, not cloister run's --rlimit.
  EXPECT_EQ(c.policy.rlimits[0].origin, "process.rlimits[0]");
  EXPECT_EQ(c.policy.rlimits[1].origin, "process.rlimits[1]");

  j["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 10}, {"hard", 5}}};
  EXPECT_EQ(refused_key(j), "process.rlimits[0]");
  j["process"]["rlimits"] = {{{"type", "RLIMIT_WISHES"}, {"soft", 1}, {"hard", 1}}};
  EXPECT_EQ(refused_key(j), "process.rlimits[0].type");
  j["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 1}}};
  EXPECT_EQ(refused_key(j), "process.rlimits[0]");
}

TEST_F(OciSpec, OomScoreAdjRange) {
  Json j = minimal();
  for (int value : {-1000, 0, 500, 1000}) {
    j["process"]["oomScoreAdj"] = value;
    EXPECT_EQ(accepted(j).oom_score_adj, value);
  }
  for (int value : {-1001, 1001}) {
    j["process"]["oomScoreAdj"] = value;
    EXPECT_EQ(refused_key(j), "process.oomScoreAdj") << value;
  }
}

TEST_F(OciSpec, ProcessOddities) {
  Json j = minimal();
  j["process"]["noNewPrivileges"] = false;  // cloister always sets it: accepted
  j["process"]["terminal"] = true;
  j["process"]["consoleSize"] = {{"height", 24}, {"width", 80}};
  const Container c = accepted(j);
  EXPECT_TRUE(c.terminal);
  EXPECT_EQ(c.console_rows, 24);
  EXPECT_EQ(c.console_columns, 80);
  j["process"]["consoleSize"] = {{"height", 70000}, {"width", 80}};
  EXPECT_EQ(refused_key(j), "process.consoleSize.height");
  j["process"]["consoleSize"] = {{"height", 24}, {"width", -1}};
  EXPECT_EQ(refused_key(j), "process.consoleSize.width");
  j["process"]["consoleSize"] = {{"height", 24}, {"depth", 3}};
  EXPECT_EQ(refused_key(j), "process.consoleSize.'depth'");
  j["process"].erase("consoleSize");
  j["process"]["commandLine"] = "cmd.exe";
  EXPECT_EQ(refused_key(j), "process.commandLine");
}

// ---- namespaces ---------------------------------------------------------------------------

TEST_F(OciSpec, NamespaceTypesBecomeWants) {
  auto c = accepted(with_namespaces({"pid", "network", "mount", "ipc", "uts", "user", "cgroup"}));
  const auto& ns = c.policy.ns;
  for (Want w : {ns.pid, ns.net, ns.mount, ns.ipc, ns.uts, ns.user, ns.cgroup})
    EXPECT_EQ(w, Want::Yes);
  EXPECT_TRUE(c.policy.as_pid_1);  // PID 1 of its own namespace
  c = accepted(with_namespaces({"mount", "ipc"}));
  EXPECT_EQ(c.policy.ns.ipc, Want::Yes);
  for (Want w :
       {c.policy.ns.pid, c.policy.ns.net, c.policy.ns.uts, c.policy.ns.user, c.policy.ns.cgroup})
    EXPECT_EQ(w, Want::No);
  EXPECT_FALSE(c.policy.as_pid_1);
}

TEST_F(OciSpec, NamespaceListErrors) {
  EXPECT_EQ(refused_key(with_namespaces({"mount", "network", "network"})),
            "linux.namespaces[2].type");
  const auto unknown = refused(with_namespaces({"mount", "time"}));
  EXPECT_TRUE(contains(unknown, "linux.namespaces[1].type")) << unknown;
  EXPECT_TRUE(contains(unknown, "'time'")) << unknown;
  EXPECT_EQ(refused_key(with_namespaces({"pid", "network"})), "linux.namespaces");
  Json j = minimal();
  j["linux"].erase("namespaces");
  EXPECT_EQ(refused_key(j), "linux.namespaces");
}

TEST_F(OciSpec, NamespacesJoinedByPath) {
  Json j = minimal();
  j["linux"]["namespaces"] = {{{"type", "mount"}},
                              {{"type", "network"}, {"path", "/proc/self/ns/net"}},
                              {{"type", "ipc"}, {"path", "/proc/self/ns/ipc"}},
                              {{"type", "uts"}, {"path", "/proc/self/ns/uts"}},
                              {{"type", "cgroup"}, {"path", "/proc/self/ns/cgroup"}},
                              {{"type", "user"}, {"path", "/proc/self/ns/user"}},
                              {{"type", "pid"}, {"path", "/proc/self/ns/pid"}}};
  auto c = accepted(j);
  const auto& ns = c.policy.ns;
  // Joined, not created.
  for (Want w : {ns.net, ns.ipc, ns.uts, ns.cgroup, ns.user, ns.pid}) EXPECT_EQ(w, Want::No);
  ASSERT_EQ(ns.joins.size(), 4u);
  const std::vector<int> types = {CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP};
  for (std::size_t i = 0; i < types.size(); ++i) {
    EXPECT_EQ(ns.joins[i].type, types[i]);
    EXPECT_GE(ns.joins[i].fd, 0);
    EXPECT_EQ(ns.joins[i].origin, "linux.namespaces[" + std::to_string(i + 1) + "].path");
  }
  EXPECT_GE(ns.userns_fd, 0);
  EXPECT_GE(ns.pidns_fd, 0);
  EXPECT_EQ(c.namespace_fds.size(), 6u);  // held open by the container
  // The fds are the namespaces named: same inode as the path.
  struct stat by_fd {
  }, by_path{};
  ASSERT_EQ(::fstat(ns.joins[0].fd, &by_fd), 0);
  ASSERT_EQ(::stat("/proc/self/ns/net", &by_path), 0);
  EXPECT_EQ(by_fd.st_ino, by_path.st_ino);
  // A joined user namespace counts as one: mappings are allowed, host ids are not forced.
  EXPECT_FALSE(c.policy.id.host_ids);
}

TEST_F(OciSpec, JoinedNamespaceFdsCloseWithTheContainer) {
  Json j = minimal();
  j["linux"]["namespaces"] = {{{"type", "mount"}},
                              {{"type", "network"}, {"path", "/proc/self/ns/net"}}};
  int fd = -1;
  {
    auto c = accepted(j);
    ASSERT_EQ(c.policy.ns.joins.size(), 1u);
    fd = c.policy.ns.joins[0].fd;
    EXPECT_NE(::fcntl(fd, F_GETFD), -1);
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
  }
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
}

TEST_F(OciSpec, JoiningAMountNamespaceOrAMissingPathIsRefused) {
  Json j = minimal();
  j["linux"]["namespaces"] = {{{"type", "mount"}, {"path", "/proc/self/ns/mnt"}}};
  const auto message = refused(j);
  EXPECT_TRUE(contains(message, "linux.namespaces[0].path")) << message;
  EXPECT_TRUE(contains(message, "mount namespace")) << message;

  j["linux"]["namespaces"] = {{{"type", "mount"}},
                              {{"type", "network"}, {"path", "/nonexistent/ns/net"}}};
  auto c = load(j);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().step, "linux.namespaces[1].path");
  EXPECT_EQ(c.error().err, ENOENT);
}

TEST_F(OciSpec, MappingsNeedAUserNamespace) {
  Json j = minimal();
  j["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
  EXPECT_EQ(refused_key(j), "linux.uidMappings");
  j["linux"].erase("uidMappings");
  j["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
  EXPECT_EQ(refused_key(j), "linux.gidMappings");
  j["linux"]["gidMappings"] = Json::array();  // empty: nothing to map, fine
  accepted(j);
}

TEST_F(OciSpec, MappingsWithAUserNamespace) {
  Json j = with_namespaces({"mount", "user"});
  j["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  j["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 200000}, {"size", 1}},
                               {{"containerID", 5}, {"hostID", 200005}, {"size", 2}}};
  auto c = accepted(j);
  ASSERT_EQ(c.policy.id.uid_map.size(), 1u);
  EXPECT_EQ(c.policy.id.uid_map[0].inside, 0u);
  EXPECT_EQ(c.policy.id.uid_map[0].outside, 100000u);
  EXPECT_EQ(c.policy.id.uid_map[0].count, 65536u);
  ASSERT_EQ(c.policy.id.gid_map.size(), 2u);
  EXPECT_EQ(c.policy.id.gid_map[1].inside, 5u);
  EXPECT_EQ(c.policy.id.gid_map[1].outside, 200005u);
  EXPECT_EQ(c.policy.id.gid_map[1].count, 2u);
  EXPECT_FALSE(c.policy.id.host_ids);

  j["linux"]["uidMappings"] = {{{"containerID", 0}, {"size", 1}}};
  EXPECT_EQ(refused_key(j), "linux.uidMappings[0]");
  j["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1LL << 33}, {"size", 1}}};
  EXPECT_EQ(refused_key(j), "linux.uidMappings[0].hostID");
}

TEST_F(OciSpec, WithoutAUserNamespaceIdsAreTheHosts) {
  EXPECT_TRUE(accepted(minimal()).policy.id.host_ids);
  EXPECT_FALSE(accepted(with_namespaces({"mount", "user"})).policy.id.host_ids);
}

// ---- cgroups and resources ----------------------------------------------------------------

TEST_F(OciSpec, CgroupsPathIsParentAndLeaf) {
  Json j = minimal();
  j["linux"]["cgroupsPath"] = "/machine/pod-1/ctr-2";
  auto c = accepted(j);
  EXPECT_EQ(c.policy.cgroup.parent, "/machine/pod-1");
  EXPECT_EQ(c.policy.cgroup.leaf, "ctr-2");
  EXPECT_TRUE(c.policy.cgroup.own);
  j["linux"]["cgroupsPath"] = "ctr";  // relative: under the top
  c = accepted(j);
  EXPECT_EQ(c.policy.cgroup.parent, "/");
  EXPECT_EQ(c.policy.cgroup.leaf, "ctr");
  j["linux"]["cgroupsPath"] = "/a/b/";
  c = accepted(j);
  EXPECT_EQ(c.policy.cgroup.parent, "/a");
  EXPECT_EQ(c.policy.cgroup.leaf, "b");
  j["linux"]["cgroupsPath"] = "";
  c = accepted(j);
  EXPECT_TRUE(c.policy.cgroup.parent.empty());
  EXPECT_TRUE(c.policy.cgroup.leaf.empty());
  EXPECT_TRUE(c.policy.cgroup.own);
}

// A cgroup path or a limit asked for is a cgroup required.
TEST_F(OciSpec, CgroupIsBestEffortOnlyWhenNothingIsAsked) {
  // None asked: none where none can be made (rootless), with or without a PID namespace.
  EXPECT_TRUE(accepted(with_namespaces({"mount", "pid"})).policy.cgroup.best_effort);
  EXPECT_TRUE(accepted(with_namespaces({"mount"})).policy.cgroup.best_effort);
  Json j = with_namespaces({"mount", "pid"});
  j["linux"]["cgroupsPath"] = "/machine/ctr";
  EXPECT_FALSE(accepted(j).policy.cgroup.best_effort);
  j = with_namespaces({"mount", "pid"});
  j["linux"]["resources"] = {{"pids", {{"limit", 10}}}};
  EXPECT_FALSE(accepted(j).policy.cgroup.best_effort);
  j["linux"]["resources"] = {{"pids", {{"limit", 0}}}, {"memory", {{"limit", -1}}}};
  EXPECT_TRUE(accepted(j).policy.cgroup.best_effort);
}

TEST_F(OciSpec, CgroupsPathSystemdAndDotDotAreRefused) {
  Json j = minimal();
  j["linux"]["cgroupsPath"] = "machine.slice:libpod:abc";
  const auto message = refused(j);
  EXPECT_TRUE(contains(message, "linux.cgroupsPath")) << message;
  EXPECT_TRUE(contains(message, "systemd")) << message;
  EXPECT_TRUE(contains(message, "cgroupfs")) << message;  // the hint
  for (const char* path : {"/a/../b", "/a/..", "../x"}) {
    j["linux"]["cgroupsPath"] = path;
    EXPECT_EQ(refused_key(j), "linux.cgroupsPath") << path;
  }
}

TEST_F(OciSpec, MemoryLimitAndSwap) {
  Json j = minimal();
  j["linux"]["resources"]["memory"] = {{"limit", 64 << 20}};
  auto c = accepted(j);
  EXPECT_EQ(c.policy.cgroup.memory_max, std::uint64_t{64} << 20);
  EXPECT_FALSE(c.policy.cgroup.memory_swap_max);
  // The spec's swap is memory plus swap; cloister's swap limit is the difference.
  j["linux"]["resources"]["memory"] = {{"limit", 64 << 20}, {"swap", 96 << 20}};
  c = accepted(j);
  EXPECT_EQ(c.policy.cgroup.memory_swap_max, std::uint64_t{32} << 20);
  j["linux"]["resources"]["memory"] = {{"limit", 64 << 20}, {"swap", 64 << 20}};
  EXPECT_EQ(accepted(j).policy.cgroup.memory_swap_max, 0u);
  j["linux"]["resources"]["memory"] = {{"limit", 64 << 20}, {"swap", -1}};  // unlimited
  EXPECT_FALSE(accepted(j).policy.cgroup.memory_swap_max);
  j["linux"]["resources"]["memory"] = {{"limit", -1}};
  EXPECT_FALSE(accepted(j).policy.cgroup.memory_max);

  j["linux"]["resources"]["memory"] = {{"limit", 64 << 20}, {"swap", 32 << 20}};
  EXPECT_EQ(refused_key(j), "linux.resources.memory.swap");
  j["linux"]["resources"]["memory"] = {{"swap", 32 << 20}};
  EXPECT_EQ(refused_key(j), "linux.resources.memory.swap");
  j["linux"]["resources"]["memory"] = {{"limit", 64 << 20}, {"reservation", 32 << 20}};
  EXPECT_EQ(refused_key(j), "linux.resources.memory.reservation");
  j["linux"]["resources"]["memory"] = {{"disableOOMKiller", true}};
  EXPECT_EQ(refused_key(j), "linux.resources.memory.disableOOMKiller");
  j["linux"]["resources"]["memory"] = {{"disableOOMKiller", false}};
  accepted(j);
}

// Shares stay in cgroup v1's unit (v1 writes them as asked; planning converts them for v2),
// clamped to what the kernel takes.
TEST_F(OciSpec, CpuSharesQuotaAndPeriodPassThrough) {
  Json j = minimal();
  j["linux"]["resources"]["cpu"] = {{"shares", 1024}, {"quota", 50000}, {"period", 200000}};
  auto c = accepted(j);
  EXPECT_EQ(c.policy.cgroup.cpu_shares, 1024u);
  EXPECT_FALSE(c.policy.cgroup.cpu_weight);
  EXPECT_EQ(c.policy.cgroup.cpu_quota_us, 50000u);
  EXPECT_EQ(c.policy.cgroup.cpu_period_us, 200000u);
  for (auto [asked, kept] : {std::pair{512, 512}, std::pair{2, 2}, std::pair{262144, 262144},
                             std::pair{1, 2}, std::pair{1 << 20, 262144}}) {
    j["linux"]["resources"]["cpu"] = {{"shares", asked}};
    EXPECT_EQ(accepted(j).policy.cgroup.cpu_shares, static_cast<std::uint64_t>(kept)) << asked;
  }
  j["linux"]["resources"]["cpu"] = {{"shares", 0}, {"quota", -1}};  // none
  c = accepted(j);
  EXPECT_FALSE(c.policy.cgroup.cpu_shares);
  EXPECT_FALSE(c.policy.cgroup.cpu_quota_us);
  j["linux"]["resources"]["cpu"] = {{"cpus", "0-1"}};
  EXPECT_TRUE(contains(refused(j), "linux.resources.cpu.'cpus'"));
}

TEST_F(OciSpec, PidsAndBlockIo) {
  Json j = minimal();
  j["linux"]["resources"] = {{"pids", {{"limit", 100}}}, {"blockIO", {{"weight", 500}}}};
  auto c = accepted(j);
  EXPECT_EQ(c.policy.cgroup.pids_max, 100u);
  EXPECT_EQ(c.policy.cgroup.io_weight, 100u);
  for (int none : {0, -1}) {
    j["linux"]["resources"] = {{"pids", {{"limit", none}}}};
    EXPECT_FALSE(accepted(j).policy.cgroup.pids_max) << none;
  }
}

TEST_F(OciSpec, UnsupportedResourcesAreRefusedEmptyOnesAccepted) {
  Json j = minimal();
  j["linux"]["resources"] = {{"hugepageLimits", Json::array()},
                             {"unified", Json::object()},
                             {"network", Json::object()},
                             {"rdma", Json::object()}};
  accepted(j);
  j["linux"]["resources"] = {{"hugepageLimits", {{{"pageSize", "2MB"}, {"limit", 0}}}}};
  EXPECT_EQ(refused_key(j), "linux.resources.hugepageLimits");
  j["linux"]["resources"] = {{"unified", {{"memory.high", "1G"}}}};
  EXPECT_EQ(refused_key(j), "linux.resources.unified");
  j["linux"]["resources"] = {{"network", {{"classID", 1}}}};
  EXPECT_EQ(refused_key(j), "linux.resources.network");
  j["linux"]["resources"] = {{"rdma", {{"mlx5_1", {{"hcaHandles", 3}}}}}};
  EXPECT_EQ(refused_key(j), "linux.resources.rdma");
  j["linux"]["resources"] = {{"memory", {{"kernel", 1 << 20}}}};
  EXPECT_TRUE(contains(refused(j), "linux.resources.memory.'kernel'"));
  j["linux"]["resources"] = {{"blockIO", {{"throttleReadBpsDevice", Json::array()}}}};
  EXPECT_TRUE(contains(refused(j), "linux.resources.blockIO.'throttleReadBpsDevice'"));
  j["linux"]["resources"] = {{"gpu", Json::object()}};
  EXPECT_TRUE(contains(refused(j), "linux.resources.'gpu'"));
}

TEST_F(OciSpec, DeviceRules) {
  struct stat null_dev {};
  ASSERT_EQ(::stat("/dev/null", &null_dev), 0);
  Json j = minimal();
  // podman's and runc's: deny everything, then allow some.
  j["linux"]["resources"]["devices"] = {
      {{"allow", false}, {"access", "rwm"}},
      {{"allow", true}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"access", "rwm"}},
      {{"allow", true}, {"type", "c"}, {"major", 136}, {"access", "rwm"}}};
  accepted(j);
  // Denying a node the container has cannot be enforced: refused, naming the node.
  j["linux"]["resources"]["devices"] = {{{"allow", false},
                                         {"type", "c"},
                                         {"major", major(null_dev.st_rdev)},
                                         {"minor", minor(null_dev.st_rdev)},
                                         {"access", "rwm"}}};
  const auto message = refused(j);
  EXPECT_TRUE(contains(message, "linux.resources.devices[0]")) << message;
  EXPECT_TRUE(contains(message, "/dev/null")) << message;
  // Every character device of major 1 (null, zero, full, random, urandom).
  j["linux"]["resources"]["devices"] = {{{"allow", false}, {"type", "c"}, {"major", 1}}};
  EXPECT_EQ(refused_key(j), "linux.resources.devices[0]");
  // A node the container does not have: nothing to take back.
  j["linux"]["resources"]["devices"] = {
      {{"allow", false}, {"type", "c"}, {"major", 10}, {"minor", 200}, {"access", "rwm"}}};
  accepted(j);
  j["linux"]["resources"]["devices"] = {{{"type", "c"}}};
  EXPECT_EQ(refused_key(j), "linux.resources.devices[0]");
}

// podman --device /dev/null:r: a grant narrower than rw for a node the container has cannot
// be enforced without a device cgroup, so it is refused, never widened to rw.
TEST_F(OciSpec, ANodeGrantedLessThanReadWriteIsRefused) {
  struct stat null_dev {};
  ASSERT_EQ(::stat("/dev/null", &null_dev), 0);
  const auto grant = [&](const char* access) {
    Json j = minimal();
    j["linux"]["devices"] = {{{"path", "/dev/null"},
                              {"type", "c"},
                              {"major", major(null_dev.st_rdev)},
                              {"minor", minor(null_dev.st_rdev)}}};
    j["linux"]["resources"]["devices"] = {
        {{"allow", false}, {"access", "rwm"}},
        {{"allow", true}, {"type", "c"}, {"major", -1}, {"minor", -1}, {"access", "m"}},
        {{"allow", true},
         {"type", "c"},
         {"major", major(null_dev.st_rdev)},
         {"minor", minor(null_dev.st_rdev)},
         {"access", access}}};
    return j;
  };
  for (const char* narrow : {"r", "w", "m", "rm"}) {
    const auto message = refused(grant(narrow));
    EXPECT_TRUE(contains(message, "linux.resources.devices[2]")) << message;
    EXPECT_TRUE(contains(message, "/dev/null")) << message;
  }
  accepted(grant("rw"));
  accepted(grant("rwm"));
  // A node the container does not have: the grant gives nothing, nothing to narrow.
  Json j = grant("r");
  j["linux"]["resources"]["devices"][2]["minor"] = 200;
  j["linux"]["resources"]["devices"][2]["major"] = 10;
  accepted(j);
}

TEST_F(OciSpec, DenyAllWithTypeAIsTheDefaultToo) {
  Json j = minimal();
  j["linux"]["resources"]["devices"] = {{{"allow", false}, {"type", "a"}, {"access", "rwm"}}};
  accepted(j);
}

TEST_F(OciSpec, DeviceDenyRuleOfAnotherTypeDoesNotHitACharacterNode) {
  struct stat null_dev {};
  ASSERT_EQ(::stat("/dev/null", &null_dev), 0);
  Json j = minimal();
  // A block device 1:3 is not /dev/null (a character device 1:3).
  j["linux"]["resources"]["devices"] = {{{"allow", false},
                                         {"type", "b"},
                                         {"major", major(null_dev.st_rdev)},
                                         {"minor", minor(null_dev.st_rdev)},
                                         {"access", "rwm"}}};
  accepted(j);
}

// ---- sysctl -------------------------------------------------------------------------------

TEST_F(OciSpec, SysctlNamespacedKeysOfOwnNamespaces) {
  Json j = with_namespaces({"mount", "network", "ipc", "uts"});
  j["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"},       {"kernel.shmmax", "1000000"},
                          {"fs.mqueue.msg_max", "20"},        {"kernel.msgmax", "9000"},
                          {"kernel.sem", "250 32000 32 128"}, {"kernel.domainname", "example"}};
  auto c = accepted(j);
  EXPECT_EQ(c.policy.sysctls.size(), 6u);
  EXPECT_NE(std::find(c.policy.sysctls.begin(), c.policy.sysctls.end(),
                      std::pair<std::string, std::string>{"net.ipv4.ip_forward", "1"}),
            c.policy.sysctls.end());
}

TEST_F(OciSpec, SysctlOfASharedNamespaceIsRefused) {
  for (auto [key, ns] :
       {std::pair{"net.ipv4.ip_forward", "network"}, std::pair{"kernel.shmmax", "ipc"},
        std::pair{"fs.mqueue.queues_max", "ipc"}, std::pair{"kernel.hostname", "uts"}}) {
    Json j = minimal();
    j["linux"]["sysctl"] = {{key, "1"}};
    const auto message = refused(j);
    EXPECT_TRUE(contains(message, std::string("linux.sysctl.") + key)) << message;
    EXPECT_TRUE(contains(message, "needs a namespace of the container's own")) << message;
    // With the namespace: accepted.
    j = with_namespaces({"mount", ns});
    j["linux"]["sysctl"] = {{key, "1"}};
    accepted(j);
  }
}

TEST_F(OciSpec, SysctlOfAJoinedNetworkNamespaceIsAccepted) {
  // An engine's pod: the container joins the infra container's network namespace.
  Json j = minimal();
  j["linux"]["namespaces"] = {{{"type", "mount"}},
                              {{"type", "network"}, {"path", "/proc/self/ns/net"}}};
  j["linux"]["sysctl"] = {{"net.ipv4.ping_group_range", "0 0"}};
  EXPECT_EQ(accepted(j).policy.sysctls.size(), 1u);
}

TEST_F(OciSpec, SysctlThatWouldChangeTheHostIsRefused) {
  Json j = with_namespaces({"mount", "network", "ipc", "uts", "user", "pid", "cgroup"});
  for (const char* key :
       {"vm.swappiness", "kernel.panic", "kernel.pid_max", "fs.file-max", "kernel.core_pattern"}) {
    j["linux"]["sysctl"] = {{key, "1"}};
    const auto message = refused(j);
    EXPECT_TRUE(contains(message, "is not a namespaced sysctl")) << key << ": " << message;
  }
  j["linux"]["sysctl"] = {{"net.ipv4/../../vm/swappiness", "1"}};
  EXPECT_TRUE(contains(refused(j), "is not a sysctl name"));
  j["linux"]["sysctl"] = {{"net.ipv4.ip_forward", 1}};  // must be a string
  EXPECT_EQ(refused_key(j), "linux.sysctl.net.ipv4.ip_forward");
}

// ---- mounts -------------------------------------------------------------------------------

TEST_F(OciSpec, BindMounts) {
  auto c = accepted(with_mounts({
      {{"destination", "/data"},
       {"type", "bind"},
       {"source", "/tmp"},
       {"options", {"rbind", "rw"}}},
      {{"destination", "/ro"},
       {"type", "bind"},
       {"source", "/tmp"},
       {"options", {"bind", "ro", "noexec"}}},
      {{"destination", "/none"}, {"type", "none"}, {"source", "/tmp"}, {"options", {"rbind"}}},
      {{"destination", "/notype"}, {"source", "/tmp"}, {"options", {"bind", "nosuid", "nodev"}}},
      {{"destination", "/rel/"}, {"type", "bind"}, {"source", "inbundle"}},
      {{"destination", "/dev/fuse"},
       {"type", "bind"},
       {"source", "/dev/null"},
       {"options", {"bind", "dev"}}},
  }));
  ASSERT_EQ(c.policy.fs.size(), 7u);
  const auto& data = c.policy.fs[1];
  EXPECT_EQ(data.kind, Kind::Bind);
  EXPECT_EQ(data.source, "/tmp");
  EXPECT_EQ(data.dest, "/data");
  EXPECT_FALSE(data.noexec);
  const auto& ro = c.policy.fs[2];
  EXPECT_EQ(ro.kind, Kind::RoBind);
  EXPECT_TRUE(ro.noexec);
  EXPECT_EQ(c.policy.fs[3].kind, Kind::Bind);
  EXPECT_EQ(c.policy.fs[3].dest, "/none");
  EXPECT_EQ(c.policy.fs[4].kind, Kind::Bind);
  EXPECT_EQ(c.policy.fs[5].source, bundle.dir() + "/inbundle");  // relative to the bundle
  EXPECT_EQ(c.policy.fs[5].dest, "/rel");                        // trailing slash dropped
  EXPECT_EQ(c.policy.fs[6].kind, Kind::DevBind);
}

TEST_F(OciSpec, BindMountErrors) {
  EXPECT_EQ(refused_key(with_mounts({{{"destination", "/x"}, {"type", "bind"}}})),
            "mounts[0].source");
  EXPECT_EQ(
      refused_key(with_mounts({{{"destination", "x"}, {"type", "bind"}, {"source", "/tmp"}}})),
      "mounts[0].destination");
  EXPECT_EQ(refused_key(with_mounts({{{"destination", "/x"},
                                      {"type", "bind"},
                                      {"source", "/tmp"},
                                      {"options", {"bind", "size=1m"}}}})),
            "mounts[0].options");
  EXPECT_EQ(refused_key(with_mounts({{{"destination", "/x"},
                                      {"type", "bind"},
                                      {"source", "/dev/null"},
                                      {"options", {"bind", "dev", "ro"}}}})),
            "mounts[0].options");
  EXPECT_EQ(refused_key(with_mounts({{{"destination", "/x"},
                                      {"type", "bind"},
                                      {"source", "/tmp"},
                                      {"uidMappings", Json::array({Json{{"containerID", 0}}})}}})),
            "mounts[0]");
}

TEST_F(OciSpec, TmpfsModeSizeAndReadOnly) {
  auto c = accepted(with_mounts({
      {{"destination", "/run"},
       {"type", "tmpfs"},
       {"source", "tmpfs"},
       {"options", {"nosuid", "nodev", "mode=755", "size=65536k"}}},
      {{"destination", "/ro"}, {"type", "tmpfs"}, {"options", {"ro", "noexec", "size=2m"}}},
      {{"destination", "/tmp"}, {"type", "tmpfs"}},
  }));
  auto tmpfs = ops_of_kind(c, Kind::Tmpfs);
  ASSERT_EQ(tmpfs.size(), 3u);
  EXPECT_EQ(tmpfs[0].dest, "/run");
  EXPECT_EQ(tmpfs[0].source, "");  // a fresh filesystem's source is a name only
  EXPECT_EQ(tmpfs[0].perms, static_cast<mode_t>(0755));
  EXPECT_EQ(tmpfs[0].size, std::uint64_t{65536} << 10);
  EXPECT_FALSE(tmpfs[0].read_only);
  EXPECT_TRUE(tmpfs[1].read_only);
  EXPECT_TRUE(tmpfs[1].noexec);
  EXPECT_EQ(tmpfs[1].size, std::uint64_t{2} << 20);
  EXPECT_EQ(tmpfs[2].perms, static_cast<mode_t>(01777));  // the spec's default
  EXPECT_FALSE(tmpfs[2].size);

  EXPECT_EQ(refused_key(with_mounts(
                {{{"destination", "/t"}, {"type", "tmpfs"}, {"options", {"mode=999"}}}})),
            "mounts[0].options[0]");
  EXPECT_EQ(refused_key(with_mounts(
                {{{"destination", "/t"}, {"type", "tmpfs"}, {"options", {"size=1x"}}}})),
            "mounts[0].options[0]");
  EXPECT_EQ(refused_key(
                with_mounts({{{"destination", "/t"}, {"type", "tmpfs"}, {"options", {"gid=5"}}}})),
            "mounts[0].options");
}

TEST_F(OciSpec, DevTmpfsIsCloistersDevAndDevptsFollowsIt) {
  auto c = accepted(with_mounts({
      {{"destination", "/dev"},
       {"type", "tmpfs"},
       {"source", "tmpfs"},
       {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
      {{"destination", "/dev/pts"},
       {"type", "devpts"},
       {"source", "devpts"},
       {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
  }));
  auto dev = ops_of_kind(c, Kind::Dev);
  ASSERT_EQ(dev.size(), 1u);
  EXPECT_EQ(dev[0].dest, "/dev");
  EXPECT_EQ(dev[0].size, std::uint64_t{65536} << 10);
  EXPECT_TRUE(ops_of_kind(c, Kind::Tmpfs).empty());
  EXPECT_EQ(c.policy.fs.size(), 2u);  // root, /dev: devpts is part of cloister's /dev

  // devpts without the /dev before it, or elsewhere, or with an option cloister's lacks.
  EXPECT_EQ(refused_key(with_mounts({{{"destination", "/dev/pts"}, {"type", "devpts"}}})),
            "mounts[0].type");
  EXPECT_EQ(refused_key(with_mounts({{{"destination", "/dev"}, {"type", "tmpfs"}},
                                     {{"destination", "/pts"}, {"type", "devpts"}}})),
            "mounts[1].type");
  EXPECT_EQ(refused_key(with_mounts({{{"destination", "/dev"}, {"type", "tmpfs"}},
                                     {{"destination", "/dev/pts"},
                                      {"type", "devpts"},
                                      {"options", {"newinstance", "ptmxmode=0000"}}}})),
            "mounts[1].options[1]");
  EXPECT_EQ(
      refused_key(with_mounts({{{"destination", "/dev"}, {"type", "tmpfs"}, {"options", {"ro"}}}})),
      "mounts[0].options");
}

TEST_F(OciSpec, ProcSysfsMqueue) {
  auto c = accepted(with_mounts({
      {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
      {{"destination", "/sys"},
       {"type", "sysfs"},
       {"source", "sysfs"},
       {"options", {"nosuid", "noexec", "nodev", "ro"}}},
      {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"}},
  }));
  ASSERT_EQ(c.policy.fs.size(), 4u);
  EXPECT_EQ(c.policy.fs[1].kind, Kind::Proc);
  EXPECT_EQ(c.policy.fs[1].dest, "/proc");
  EXPECT_TRUE(c.policy.fs[1].proc_knobs_writable);  // readonlyPaths say what is read-only
  EXPECT_EQ(c.policy.fs[2].kind, Kind::Sysfs);
  EXPECT_TRUE(c.policy.fs[2].read_only);
  EXPECT_EQ(c.policy.fs[3].kind, Kind::Mqueue);
  EXPECT_EQ(
      refused_key(with_mounts({{{"destination", "/proc"}, {"type", "proc"}, {"options", {"ro"}}}})),
      "mounts[0].options");
  EXPECT_EQ(refused_key(with_mounts(
                {{{"destination", "/proc"}, {"type", "proc"}, {"options", {"mode=755"}}}})),
            "mounts[0].options");
}

TEST_F(OciSpec, CgroupMountAddsACgroupNamespace) {
  auto c = accepted(with_mounts({{{"destination", "/sys/fs/cgroup"},
                                  {"type", "cgroup"},
                                  {"source", "cgroup"},
                                  {"options", {"nosuid", "noexec", "nodev", "relatime", "ro"}}}}));
  auto cg = ops_of_kind(c, Kind::Cgroup2);
  ASSERT_EQ(cg.size(), 1u);
  EXPECT_EQ(cg[0].dest, "/sys/fs/cgroup");
  EXPECT_TRUE(cg[0].read_only);
  EXPECT_EQ(c.policy.ns.cgroup, Want::Yes);
  ASSERT_EQ(c.notices.size(), 1u);
  EXPECT_TRUE(contains(c.notices[0], "cgroup namespace")) << c.notices[0];
  // Asked already: nothing to add, nothing to say.
  Json j = with_namespaces({"mount", "cgroup"});
  j["mounts"] = {{{"destination", "/sys/fs/cgroup"}, {"type", "cgroup2"}}};
  c = accepted(j);
  EXPECT_EQ(c.policy.ns.cgroup, Want::Yes);
  EXPECT_TRUE(c.notices.empty());
}

TEST_F(OciSpec, CgroupMountWithAJoinedCgroupNamespaceAddsNone) {
  Json j = minimal();
  j["linux"]["namespaces"] = {{{"type", "mount"}},
                              {{"type", "cgroup"}, {"path", "/proc/self/ns/cgroup"}}};
  j["mounts"] = {{{"destination", "/sys/fs/cgroup"}, {"type", "cgroup"}}};
  auto c = accepted(j);
  EXPECT_EQ(c.policy.ns.cgroup, Want::No);
  EXPECT_TRUE(c.notices.empty());
}

// Joining another namespace (the network one of a pod) is no cgroup namespace: the cgroup
// filesystem still needs one of the container's own.
TEST_F(OciSpec, CgroupMountWithAJoinedNetworkNamespaceStillGetsACgroupNamespace) {
  Json j = minimal();
  j["linux"]["namespaces"] = {{{"type", "mount"}},
                              {{"type", "network"}, {"path", "/proc/self/ns/net"}}};
  j["mounts"] = {{{"destination", "/sys/fs/cgroup"}, {"type", "cgroup"}}};
  auto c = accepted(j);
  EXPECT_EQ(c.policy.ns.cgroup, Want::Yes);
}

TEST_F(OciSpec, UnknownMountTypeIsRefused) {
  const auto message =
      refused(with_mounts({{{"destination", "/proc"}, {"type", "proc"}},
                           {{"destination", "/mnt"}, {"type", "nfs"}, {"source", "server:/x"}}}));
  EXPECT_TRUE(contains(message, "mounts[1].type")) << message;
  EXPECT_TRUE(contains(message, "'nfs'")) << message;
}

TEST_F(OciSpec, UnknownMountOptionNamesItsIndex) {
  auto c = load(with_mounts({
      {{"destination", "/proc"}, {"type", "proc"}},
      {{"destination", "/tmp"}, {"type", "tmpfs"}},
      {{"destination", "/data"},
       {"type", "bind"},
       {"source", "/tmp"},
       {"options", {"rbind", "frobnicate", "ro"}}},
  }));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().step, "mounts[2].options[1]");
  const auto message = c.error().message();
  EXPECT_EQ(message.rfind("mounts[2].options[1]: 'frobnicate' is not supported by cloister", 0), 0u)
      << message;
}

TEST_F(OciSpec, SuidIsRefusedWithAHint) {
  const auto message = refused(with_mounts({{{"destination", "/data"},
                                             {"type", "bind"},
                                             {"source", "/tmp"},
                                             {"options", {"bind", "suid"}}}}));
  EXPECT_TRUE(contains(message, "mounts[0].options[1]")) << message;
  EXPECT_TRUE(contains(message, "set-id bits never take effect")) << message;
}

TEST_F(OciSpec, TmpcopyupOnlyWhereThereIsNothingToCopy) {
  bundle.mkdir("/etc");
  bundle.file("/etc/passwd", "root:x:0:0::/:/bin/sh\n");
  bundle.mkdir("/empty");
  const auto message = refused(
      with_mounts({{{"destination", "/etc"}, {"type", "tmpfs"}, {"options", {"tmpcopyup"}}}}));
  EXPECT_TRUE(contains(message, "mounts[0].options")) << message;
  EXPECT_TRUE(contains(message, "/etc is not empty")) << message;
  accepted(
      with_mounts({{{"destination", "/empty"}, {"type", "tmpfs"}, {"options", {"tmpcopyup"}}}}));
  accepted(
      with_mounts({{{"destination", "/absent"}, {"type", "tmpfs"}, {"options", {"tmpcopyup"}}}}));
  EXPECT_EQ(refused_key(with_mounts(
                {{{"destination", "/proc"}, {"type", "proc"}, {"options", {"tmpcopyup"}}}})),
            "mounts[0].options");
}

TEST_F(OciSpec, MountKeyErrors) {
  EXPECT_EQ(refused_key(with_mounts({{{"type", "tmpfs"}}})), "mounts[0].destination");
  EXPECT_TRUE(
      contains(refused(with_mounts({{{"destination", "/x"}, {"type", "tmpfs"}, {"flags", 1}}})),
               "mounts[0].'flags'"));
  EXPECT_EQ(refused_key(with_mounts(Json::object())), "mounts");
}

// Every option the features document lists is one the reader takes (on a bind mount; tmpcopyup
// on a tmpfs, the only filesystem it is for), and every other mount option of the runtime spec
// is refused: the document engines read never promises more, or less, than config.json gets.
TEST_F(OciSpec, FeaturesMountOptionsAreExactlyWhatTheReaderTakes) {
  const auto listed = oci::features_json().at("mountOptions").get<std::vector<std::string>>();
  EXPECT_EQ(listed, oci::supported_mount_options());
  for (const auto& option : listed) {
    Json mount = option == "tmpcopyup"
                     ? Json{{"destination", "/t"}, {"type", "tmpfs"}, {"options", {option}}}
                     : Json{{"destination", "/t"},
                            {"type", "bind"},
                            {"source", "/tmp"},
                            {"options", {"rbind", option}}};
    auto c = load(with_mounts(Json::array({mount})));
    EXPECT_TRUE(c.ok()) << option << ": " << (c.ok() ? "" : c.error().message());
  }
  // The runtime spec's other mount options (the recursive mount_setattr ones, shared
  // propagation, id mapping, ...), none listed, all refused.
  for (const char* option :
       {"defaults",     "suid",           "mand",        "nomand",    "dirsync",
        "remount",      "iversion",       "noiversion",  "lazytime",  "nolazytime",
        "loud",         "silent",         "nosymfollow", "symfollow", "shared",
        "rshared",      "unbindable",     "runbindable", "rro",       "rrw",
        "rnoexec",      "rexec",          "rnosuid",     "rsuid",     "rnodev",
        "rdev",         "rnoatime",       "ratime",      "rrelatime", "rnorelatime",
        "rstrictatime", "rnostrictatime", "rnodiratime", "rdiratime", "rnosymfollow",
        "rsymfollow",   "idmap",          "ridmap"}) {
    EXPECT_EQ(std::count(listed.begin(), listed.end(), option), 0) << option;
    auto c = load(with_mounts({{{"destination", "/t"},
                                {"type", "bind"},
                                {"source", "/tmp"},
                                {"options", {"rbind", option}}}}));
    EXPECT_FALSE(c.ok()) << option << " accepted";
    if (!c.ok()) {
      EXPECT_EQ(c.error().step, "mounts[0].options[1]") << option;
    }
  }
}

// ---- masked and read-only paths -----------------------------------------------------------

TEST_F(OciSpec, MaskedPathsCoverWhatExists) {
  bundle.mkdir("/secret-dir");
  bundle.file("/secret-file");
  std::filesystem::create_symlink("/etc/shadow", bundle.rootfs("/secret-link"));
  Json j = minimal();
  j["linux"]["maskedPaths"] = {"/secret-dir", "/secret-file", "/missing", "/secret-link"};
  auto c = accepted(j);
  ASSERT_EQ(c.policy.fs.size(), 3u) << "root, the directory, the file; nothing else";
  const auto& dir = c.policy.fs[1];
  EXPECT_EQ(dir.kind, Kind::Tmpfs);
  EXPECT_EQ(dir.dest, "/secret-dir");
  EXPECT_TRUE(dir.read_only);
  const auto& file = c.policy.fs[2];
  EXPECT_EQ(file.kind, Kind::DevBind);
  EXPECT_EQ(file.source, "/dev/null");
  EXPECT_EQ(file.dest, "/secret-file");
  j["linux"]["maskedPaths"] = {"relative"};
  EXPECT_EQ(refused_key(j), "linux.maskedPaths[0]");
}

// Under a proc mount the path is looked up in the host's /proc (the container's proc is a
// new instance of the same kernel's); under a fresh tmpfs there is nothing to mask.
TEST_F(OciSpec, MaskedPathsUnderMountsAreLookedUpWhereTheMountComesFrom) {
  Json j = with_mounts({{{"destination", "/proc"}, {"type", "proc"}},
                        {{"destination", "/scratch"}, {"type", "tmpfs"}}});
  j["linux"]["maskedPaths"] = {"/proc/uptime", "/proc/sys", "/proc/no-such-entry", "/scratch/x"};
  auto c = accepted(j);
  ASSERT_EQ(c.policy.fs.size(), 5u);
  EXPECT_EQ(c.policy.fs[3].kind, Kind::DevBind);
  EXPECT_EQ(c.policy.fs[3].dest, "/proc/uptime");
  EXPECT_EQ(c.policy.fs[4].kind, Kind::Tmpfs);
  EXPECT_EQ(c.policy.fs[4].dest, "/proc/sys");
}

TEST_F(OciSpec, ReadonlyPaths) {
  bundle.mkdir("/ro-dir");
  Json j = with_mounts({{{"destination", "/proc"}, {"type", "proc"}}});
  j["linux"]["readonlyPaths"] = {"/ro-dir", "/proc/sys", "/missing"};
  auto c = accepted(j);
  auto ro = ops_of_kind(c, Kind::ReadOnlyPath);
  ASSERT_EQ(ro.size(), 2u);
  EXPECT_EQ(ro[0].dest, "/ro-dir");
  EXPECT_EQ(ro[1].dest, "/proc/sys");
  j["linux"]["readonlyPaths"] = {"/ok", 5};
  EXPECT_EQ(refused_key(j), "linux.readonlyPaths[1]");
}

TEST_F(OciSpec, LinuxDevicesBindTheHostsNode) {
  struct stat null_dev {};
  ASSERT_EQ(::stat("/dev/null", &null_dev), 0);
  Json j = minimal();
  j["linux"]["devices"] = {{{"path", "/dev/null"},
                            {"type", "c"},
                            {"major", major(null_dev.st_rdev)},
                            {"minor", minor(null_dev.st_rdev)},
                            {"fileMode", null_dev.st_mode & 07777}}};
  auto c = accepted(j);
  auto binds = ops_of_kind(c, Kind::DevBind);
  ASSERT_EQ(binds.size(), 1u);
  EXPECT_EQ(binds[0].source, "/dev/null");
  EXPECT_EQ(binds[0].dest, "/dev/null");
  j["linux"]["devices"][0]["type"] = "b";
  EXPECT_EQ(refused_key(j), "linux.devices[0].type");
  j["linux"]["devices"][0]["type"] = "c";
  j["linux"]["devices"][0]["minor"] = minor(null_dev.st_rdev) + 1;
  EXPECT_EQ(refused_key(j), "linux.devices[0].minor");
  j["linux"]["devices"] = {{{"path", "/dev/no-such-device"}, {"type", "c"}}};
  EXPECT_EQ(refused_key(j), "linux.devices[0].path");
}

// ---- linux odds and ends ------------------------------------------------------------------

TEST_F(OciSpec, LinuxKeysCloisterRefuses) {
  for (auto [key, value] : {std::pair{"mountLabel", Json("system_u:object_r:container_file_t")},
                            std::pair{"personality", Json{{"domain", "LINUX32"}}},
                            std::pair{"intelRdt", Json{{"closID", "x"}}},
                            std::pair{"timeOffsets", Json{{"monotonic", {{"secs", 1}}}}},
                            std::pair{"rootfsPropagation", Json("shared")}}) {
    Json j = minimal();
    j["linux"][key] = value;
    EXPECT_EQ(refused_key(j), std::string("linux.") + key);
    j["linux"][key] = value.is_string() ? Json("") : Json::object();  // empty: nothing asked
    accepted(j);
  }
  Json j = minimal();
  j["linux"]["rootfsPropagation"] = "rprivate";
  accepted(j);
  j["linux"]["unknownThing"] = 1;
  EXPECT_TRUE(contains(refused(j), "linux.'unknownThing'"));
}

// ---- hooks --------------------------------------------------------------------------------

TEST_F(OciSpec, Hooks) {
  Json j = minimal();
  j["hooks"] = {{"prestart", {{{"path", "/bin/pre"}}}},
                {"createRuntime",
                 {{{"path", "/bin/cr"}, {"args", {"cr", "-x"}}, {"env", {"A=1"}}, {"timeout", 5}}}},
                {"poststart", {{{"path", "/bin/ps"}}}},
                {"poststop", {{{"path", "/bin/stop"}}, {{"path", "/bin/stop2"}}}},
                {"createContainer", Json::array()},
                {"startContainer", Json::array()}};
  auto c = accepted(j);
  // The deprecated prestart runs when createRuntime does, before it.
  ASSERT_EQ(c.hooks.create_runtime.size(), 2u);
  EXPECT_EQ(c.hooks.create_runtime[0].path, "/bin/pre");
  EXPECT_EQ(c.hooks.create_runtime[0].args, (std::vector<std::string>{"/bin/pre"}));
  EXPECT_EQ(c.hooks.create_runtime[0].origin, "hooks.prestart[0]");
  EXPECT_EQ(c.hooks.create_runtime[1].path, "/bin/cr");
  EXPECT_EQ(c.hooks.create_runtime[1].args, (std::vector<std::string>{"cr", "-x"}));
  EXPECT_EQ(c.hooks.create_runtime[1].env, (std::vector<std::string>{"A=1"}));
  EXPECT_EQ(c.hooks.create_runtime[1].timeout_s, 5);
  ASSERT_EQ(c.hooks.poststart.size(), 1u);
  ASSERT_EQ(c.hooks.poststop.size(), 2u);
  EXPECT_EQ(c.hooks.poststop[1].origin, "hooks.poststop[1]");
}

TEST_F(OciSpec, HookErrors) {
  Json j = minimal();
  for (const char* inside : {"createContainer", "startContainer"}) {
    j["hooks"] = {{inside, {{{"path", "/bin/true"}}}}};
    const auto message = refused(j);
    EXPECT_TRUE(contains(message, std::string("hooks.") + inside)) << message;
    EXPECT_TRUE(contains(message, "createRuntime and poststart")) << message;  // the hint
  }
  for (int timeout : {0, -5}) {
    j["hooks"] = {{"poststop", {{{"path", "/bin/true"}, {"timeout", timeout}}}}};
    EXPECT_EQ(refused_key(j), "hooks.poststop[0].timeout") << timeout;
  }
  j["hooks"] = {{"poststart", {{{"path", "bin/true"}}}}};
  EXPECT_EQ(refused_key(j), "hooks.poststart[0].path");
  j["hooks"] = {{"poststart", {{{"args", {"x"}}}}}};
  EXPECT_EQ(refused_key(j), "hooks.poststart[0]");
  j["hooks"] = {{"poststart", {{"path", "/bin/true"}}}};  // an object, not an array
  EXPECT_EQ(refused_key(j), "hooks.poststart");
  j["hooks"] = {{"onBoot", Json::array()}};
  EXPECT_TRUE(contains(refused(j), "hooks.'onBoot'"));
}

// ---- annotations --------------------------------------------------------------------------

TEST_F(OciSpec, CloisterAnnotationsBecomeLandlockRules) {
  Json j = minimal();
  j["annotations"] = {{"org.cloister.landlock.read", "/usr:/etc"},
                      {"org.cloister.landlock.write", "/tmp"},
                      {"org.cloister.landlock.exec", "/bin"},
                      {"org.cloister.landlock.scope", "signal,abstract-unix"},
                      {"org.cloister.landlock.mode", "best-effort"},
                      {"io.podman.annotations.autoremove", "TRUE"}};
  auto c = accepted(j);
  const auto& ll = c.policy.landlock;
  ASSERT_EQ(ll.paths.size(), 4u);
  auto rule = [&](const std::string& path) {
    for (const auto& r : ll.paths)
      if (r.path == path) return r;
    ADD_FAILURE() << "no rule for " << path;
    return LandlockPolicy::PathRule{};
  };
  EXPECT_TRUE(rule("/usr").read);
  EXPECT_FALSE(rule("/usr").write);
  EXPECT_TRUE(rule("/etc").read);
  EXPECT_TRUE(rule("/tmp").write);
  EXPECT_FALSE(rule("/tmp").read);
  EXPECT_TRUE(rule("/bin").exec);
  EXPECT_TRUE(rule("/bin").read);  // what one may run, one may read
  EXPECT_TRUE(ll.scope_signal);
  EXPECT_TRUE(ll.scope_abstract_unix);
  EXPECT_EQ(ll.mode, LandlockPolicy::Mode::BestEffort);
  // Every annotation is kept for `state`, cloister's own included.
  EXPECT_EQ(c.annotations.size(), 6u);
  EXPECT_EQ(c.annotations.at("io.podman.annotations.autoremove"), "TRUE");
}

TEST_F(OciSpec, AnnotationErrors) {
  Json j = minimal();
  j["annotations"] = {{"org.cloister.landlock.telepathy", "/x"}};
  const auto message = refused(j);
  EXPECT_TRUE(contains(message, "annotations.org.cloister.landlock.telepathy")) << message;
  EXPECT_TRUE(contains(message, "org.cloister.landlock.{read,write,exec,ioctl-dev,scope,mode}"))
      << message;
  j["annotations"] = {{"org.cloister.landlock.read", "relative"}};
  EXPECT_EQ(refused_key(j), "annotations.org.cloister.landlock.read");
  j["annotations"] = {{"org.cloister.landlock.scope", "ptrace"}};
  EXPECT_EQ(refused_key(j), "annotations.org.cloister.landlock.scope");
  j["annotations"] = {{"org.cloister.landlock.mode", "off"}};
  EXPECT_EQ(refused_key(j), "annotations.org.cloister.landlock.mode");
  j["annotations"] = {{"org.other", 5}};
  EXPECT_EQ(refused_key(j), "annotations.org.other");
  j["annotations"] = {{"org.other", "anything"}, {"com.example.x", ""}};
  EXPECT_EQ(accepted(j).annotations.size(), 2u);
  // The hint lists every annotation cloister knows.
  j["annotations"] = {{"org.cloister.profiles", "x"}};
  EXPECT_TRUE(contains(refused(j), "org.cloister.profile,")) << refused(j);
}

// ---- org.cloister.profile -----------------------------------------------------------------

// CLOISTER_PROFILE_PATH set to `dir` while it lives, as it was afterwards.
class ProfilePath {
 public:
  explicit ProfilePath(const std::string& dir) {
    if (const char* v = std::getenv("CLOISTER_PROFILE_PATH")) saved_ = v;
    ::setenv("CLOISTER_PROFILE_PATH", dir.c_str(), 1);
  }
  ProfilePath(const ProfilePath&) = delete;
  ProfilePath& operator=(const ProfilePath&) = delete;
  ~ProfilePath() {
    if (saved_)
      ::setenv("CLOISTER_PROFILE_PATH", saved_->c_str(), 1);
    else
      ::unsetenv("CLOISTER_PROFILE_PATH");
  }

 private:
  std::optional<std::string> saved_;
};

class OciProfile : public OciSpec {
 protected:
  // A profile file in the bundle's directory (outside its rootfs); its absolute path.
  std::string profile(const std::string& text, const std::string& name = "p.toml") {
    const std::string path = bundle.dir() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  Json with_profile(const std::string& value) {
    Json j = minimal();
    j["annotations"] = {{"org.cloister.profile", value}};
    return j;
  }

  static bool has_notice(const Container& c, const std::string& part) {
    return std::any_of(c.notices.begin(), c.notices.end(),
                       [&](const std::string& n) { return contains(n, part); });
  }
};

constexpr const char* kStackingProfile = R"([seccomp]
base = "none"
deny = [{ name = "mkdir", action = "errno:EACCES" }]

[landlock]
read = ["/usr"]
write = ["/tmp"]
scope = ["signal"]

[rlimits]
core = 0
nofile = "50:100"
)";

// What stacks on a container: the profile's seccomp policy beside config.json's (which stays
// the exact filter it was), its Landlock rules, its rlimits after the config's.
TEST_F(OciProfile, ProfileByPathStacksSeccompAndAddsLandlockAndRlimits) {
  const std::string path = profile(kStackingProfile);
  Json j = with_profile(path);
  j["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 200}}};
  j["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                           {"syscalls", {{{"names", {"rmdir"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  auto c = accepted(j);
  const auto& sc = c.policy.seccomp;
  EXPECT_TRUE(sc.exact);  // config.json's filter, as linux.seccomp gave it
  EXPECT_EQ(sc.base, "none");
  ASSERT_EQ(sc.layers.size(), 1u);
  ASSERT_EQ(sc.layers[0].size(), 1u);
  EXPECT_EQ(sc.layers[0][0].name, "rmdir");
  ASSERT_EQ(sc.stacked.size(), 1u);
  const auto& stacked = sc.stacked[0];
  EXPECT_FALSE(stacked.exact);  // the program's exec is allowed, as under cloister run
  EXPECT_EQ(stacked.base, "none");
  ASSERT_EQ(stacked.layers.size(), 1u);
  ASSERT_EQ(stacked.layers[0].size(), 1u);
  EXPECT_EQ(stacked.layers[0][0].name, "mkdir");
  EXPECT_EQ(stacked.layers[0][0].action, (SeccompAction{SeccompAction::Kind::Errno, EACCES}));
  EXPECT_TRUE(contains(stacked.origin, "annotations.org.cloister.profile")) << stacked.origin;
  EXPECT_TRUE(contains(stacked.origin, path)) << stacked.origin;

  const auto& ll = c.policy.landlock;
  ASSERT_EQ(ll.paths.size(), 2u);
  EXPECT_EQ(ll.paths[0].path, "/usr");
  EXPECT_TRUE(ll.paths[0].read);
  EXPECT_FALSE(ll.paths[0].write);
  EXPECT_EQ(ll.paths[1].path, "/tmp");
  EXPECT_TRUE(ll.paths[1].write);
  EXPECT_TRUE(ll.scope_signal);
  EXPECT_FALSE(ll.scope_abstract_unix);

  // The config's limit first, the profile's (lower) after it: the later one wins.
  ASSERT_EQ(c.policy.rlimits.size(), 3u);
  EXPECT_EQ(c.policy.rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(c.policy.rlimits[0].soft, 100u);
  EXPECT_EQ(c.policy.rlimits[1].resource, RLIMIT_CORE);
  EXPECT_EQ(c.policy.rlimits[1].hard, 0u);
  EXPECT_EQ(c.policy.rlimits[2].resource, RLIMIT_NOFILE);
  EXPECT_EQ(c.policy.rlimits[2].soft, 50u);
  EXPECT_EQ(c.policy.rlimits[2].hard, 100u);
  EXPECT_EQ(c.policy.rlimits[2].origin, "annotations.org.cloister.profile [rlimits] nofile");
  // Nothing it set was left out.
  EXPECT_TRUE(c.notices.empty()) << c.notices.front();
  EXPECT_EQ(c.annotations.at("org.cloister.profile"), path);

  // exec's process (exec --process FILE) gets the same.
  Json process = {{"user", {{"uid", 0}, {"gid", 0}}}, {"args", {"/bin/sh"}}, {"cwd", "/"}};
  oci::LoadOptions options;
  options.process = &process;
  auto exec = oci::from_json(j, bundle.dir(), options);
  ASSERT_TRUE(exec.ok()) << exec.error().message();
  EXPECT_EQ(exec->policy.seccomp.stacked.size(), 1u);
  EXPECT_EQ(exec->policy.landlock.paths.size(), 2u);
}

// A profile without [seccomp] has the filter cloister run would give it: the default base.
TEST_F(OciProfile, ProfileWithoutSeccompStacksTheDefaultBase) {
  auto c = accepted(with_profile(profile("[rlimits]\ncore = 0\n")));
  EXPECT_EQ(c.policy.seccomp.base, "none");  // the container's own: none given
  ASSERT_EQ(c.policy.seccomp.stacked.size(), 1u);
  EXPECT_EQ(c.policy.seccomp.stacked[0].base, "default");
  EXPECT_FALSE(c.policy.landlock.any());
}

// Each section that cannot apply to a container is said, with where it was written (in an
// included file too), even one whose value is the default; none of it reaches the policy.
TEST_F(OciProfile, SectionsThatDoNotStackBecomeNotices) {
  profile("[network]\nmode = \"none\"\n", "net.toml");
  const std::string path = profile(
      "include = [\"net.toml\"]\n"
      "sandbox = \"chroot\"\n"
      "[filesystem]\nroot = \"empty\"\nops = [{ tmpfs = \"/scratch\" }]\n"
      "[process]\nnew-session = false\n"
      "[namespaces]\nuser = true\n"
      "[cgroup]\npids-max = 10\n");
  const Container plain = accepted(minimal());
  auto c = accepted(with_profile(path));
  ASSERT_EQ(c.notices.size(), 6u);
  const std::string network = "[network] (" + bundle.dir() + "/net.toml:1:1) not applied: ";
  EXPECT_TRUE(has_notice(c, network + "the container's network is the engine's"));
  EXPECT_TRUE(has_notice(c, "sandbox (" + path + ":2:11) not applied"));
  const std::string filesystem = "[filesystem] (" + path + ":3:1) not applied: ";
  EXPECT_TRUE(has_notice(c, filesystem + "the container's filesystem is the bundle's"));
  EXPECT_TRUE(has_notice(c, "[process] (" + path + ":6:1) not applied"));
  EXPECT_TRUE(has_notice(c, "[namespaces] (" + path + ":8:1) not applied"));
  EXPECT_TRUE(has_notice(c, "[cgroup] (" + path + ":10:1) not applied"));
  for (const auto& n : c.notices) {
    EXPECT_EQ(n.rfind("annotations.org.cloister.profile: profile '" + path + "': ", 0), 0u) << n;
  }
  // The container is what config.json made it.
  EXPECT_EQ(c.policy.net, plain.policy.net);
  EXPECT_EQ(c.policy.mode, plain.policy.mode);
  EXPECT_EQ(c.policy.fs.size(), plain.policy.fs.size());
  EXPECT_EQ(c.policy.ns.user, plain.policy.ns.user);
  EXPECT_EQ(c.policy.cgroup.pids_max, plain.policy.cgroup.pids_max);
  EXPECT_EQ(c.policy.new_session, plain.policy.new_session);
}

// A shipped profile by name, found as cloister run --profile finds it.
TEST_F(OciProfile, ShippedProfileByName) {
  ProfilePath shipped(std::string(CLOISTER_SOURCE_DIR) + "/profiles");
  auto c = accepted(with_profile("untrusted-parser"));
  ASSERT_EQ(c.policy.seccomp.stacked.size(), 1u);
  EXPECT_EQ(c.policy.seccomp.stacked[0].base, "strict-daemon");
  EXPECT_TRUE(contains(c.policy.seccomp.stacked[0].origin, "profiles/untrusted-parser.toml"));
  EXPECT_TRUE(c.policy.landlock.scope_abstract_unix);
  EXPECT_FALSE(c.policy.rlimits.empty());
  EXPECT_TRUE(has_notice(c, "[filesystem]"));
  EXPECT_TRUE(has_notice(c, "[network]"));
  EXPECT_TRUE(has_notice(c, "[process]"));
  EXPECT_TRUE(has_notice(c, "sandbox"));
}

// One place for a container's Landlock rules: the profile's and the annotations' together are
// refused, naming both.
TEST_F(OciProfile, ProfileLandlockWithLandlockAnnotationsIsRefused) {
  const std::string path = profile(kStackingProfile);
  Json j = with_profile(path);
  j["annotations"]["org.cloister.landlock.read"] = "/etc";
  EXPECT_EQ(refused_key(j), "annotations.org.cloister.profile");
  const std::string message = refused(j);
  EXPECT_TRUE(contains(message, "[landlock] (" + path + ":5:1)")) << message;
  EXPECT_TRUE(contains(message, "annotations.org.cloister.landlock.read")) << message;
  // A profile without [landlock] goes with the annotations' rules.
  j["annotations"]["org.cloister.profile"] = profile("[rlimits]\ncore = 0\n", "q.toml");
  auto c = accepted(j);
  ASSERT_EQ(c.policy.landlock.paths.size(), 1u);
  EXPECT_EQ(c.policy.landlock.paths[0].path, "/etc");
}

TEST_F(OciProfile, UnknownNameOrUnreadablePathIsRefusedNamingTheKey) {
  ProfilePath search(bundle.dir() + "/profiles");
  Json j = with_profile("no-such-profile");
  EXPECT_EQ(refused_key(j), "annotations.org.cloister.profile");
  std::string message = refused(j);
  EXPECT_TRUE(contains(message, "no shipped profile named 'no-such-profile'")) << message;
  EXPECT_TRUE(contains(message, "searched " + bundle.dir() + "/profiles")) << message;
  EXPECT_TRUE(contains(message, "absolute path")) << message;  // the hint

  j = with_profile(bundle.dir() + "/missing.toml");
  EXPECT_EQ(refused_key(j), "annotations.org.cloister.profile");
  message = refused(j);
  EXPECT_TRUE(contains(message, bundle.dir() + "/missing.toml")) << message;
  EXPECT_TRUE(contains(message, std::strerror(ENOENT))) << message;

  j = with_profile(bundle.dir());  // a directory
  EXPECT_EQ(refused_key(j), "annotations.org.cloister.profile");

  // A relative path has nothing to be relative to.
  j = with_profile("p.toml");
  EXPECT_EQ(refused_key(j), "annotations.org.cloister.profile");
  EXPECT_TRUE(contains(refused(j), "absolute")) << refused(j);
  j = with_profile("");
  EXPECT_EQ(refused_key(j), "annotations.org.cloister.profile");
}

// The profile's own problems, FILE:LINE:COLUMN, under the annotation's key.
TEST_F(OciProfile, ProfileErrorsArePassedThrough) {
  const std::string path = profile("[seccomp]\nbase = \"lenient\"\n[telepathy]\n");
  Json j = with_profile(path);
  EXPECT_EQ(refused_key(j), "annotations.org.cloister.profile");
  const std::string message = refused(j);
  EXPECT_TRUE(contains(message, path + ":2:8: base must be")) << message;
  EXPECT_TRUE(contains(message, path + ":3:1: unknown key 'telepathy'")) << message;
}

// A profile may lower a limit the config sets, never raise it; one the config leaves alone it
// sets as it likes.
TEST_F(OciProfile, ProfileRaisingAConfigRlimitIsRefused) {
  Json j = with_profile(profile("[rlimits]\nnofile = \"100:300\"\n"));
  j["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 200}}};
  EXPECT_EQ(refused_key(j), "annotations.org.cloister.profile");
  const std::string message = refused(j);
  EXPECT_TRUE(contains(message, "[rlimits] nofile = 100:300")) << message;
  EXPECT_TRUE(contains(message, "raises process.rlimits' RLIMIT_NOFILE 100:200")) << message;
  j["annotations"]["org.cloister.profile"] =
      profile("[rlimits]\nnofile = \"unlimited\"\n", "u.toml");
  EXPECT_TRUE(contains(refused(j), "nofile = unlimited:unlimited")) << refused(j);
  // Equal or lower: fine.
  j["annotations"]["org.cloister.profile"] =
      profile("[rlimits]\nnofile = \"100:200\"\ncore = 0\n", "ok.toml");
  auto c = accepted(j);
  ASSERT_EQ(c.policy.rlimits.size(), 3u);
  EXPECT_EQ(c.policy.rlimits[1].resource, RLIMIT_CORE);  // a profile's, in the key order
  EXPECT_EQ(c.policy.rlimits[2].resource, RLIMIT_NOFILE);
  // A resource the config leaves alone: the container inherits the runtime's limit, which the
  // profile may lower but not raise.
  rlimit inherited{};
  ASSERT_EQ(::getrlimit(RLIMIT_MSGQUEUE, &inherited), 0);
  if (inherited.rlim_max != RLIM_INFINITY) {
    j["annotations"]["org.cloister.profile"] =
        profile("[rlimits]\nmsgqueue = \"unlimited\"\n", "mq.toml");
    EXPECT_EQ(refused_key(j), "annotations.org.cloister.profile");
    EXPECT_TRUE(contains(refused(j), "RLIMIT_MSGQUEUE " + std::to_string(inherited.rlim_cur) + ":" +
                                         std::to_string(inherited.rlim_max) +
                                         ", which the container inherits"))
        << refused(j);
  }
  j["annotations"]["org.cloister.profile"] =
      profile("[rlimits]\nmsgqueue = \"" + std::to_string(inherited.rlim_cur / 2) + ":" +
                  std::to_string(inherited.rlim_cur / 2) + "\"\n",
              "mq-lower.toml");
  EXPECT_EQ(accepted(j).policy.rlimits.back().resource, RLIMIT_MSGQUEUE);
}

TEST_F(OciProfile, FeaturesListTheAnnotation) {
  const Json annotations = oci::features_json().at("annotations");
  EXPECT_TRUE(annotations.contains("org.cloister.profile")) << annotations.dump();
}

// ---- load_bundle --------------------------------------------------------------------------

TEST_F(OciSpec, LoadBundleReadsConfigJsonAndPrefixesErrors) {
  { std::ofstream(bundle.dir() + "/config.json") << minimal().dump(); }
  auto c = oci::load_bundle(bundle.dir());
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->bundle, bundle.dir());
  Json bad = minimal();
  bad["process"]["cwd"] = 7;
  { std::ofstream(bundle.dir() + "/config.json") << bad.dump(); }
  c = oci::load_bundle(bundle.dir());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message(), "config.json: process.cwd: must be a string, not a number");
  { std::ofstream(bundle.dir() + "/config.json") << "{ not json"; }
  c = oci::load_bundle(bundle.dir());
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(contains(c.error().message(), "not valid JSON")) << c.error().message();
  c = oci::load_bundle(bundle.dir() + "/no-such-dir");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().err, ENOENT);
}

// `exec --process FILE`: its process replaces config.json's, errors name the file.
TEST_F(OciSpec, ProcessFromExecReplacesConfigs) {
  Json process = {{"user", {{"uid", 5}, {"gid", 6}}}, {"args", {"/bin/id"}}, {"cwd", "/tmp"}};
  oci::LoadOptions options;
  options.process = &process;
  auto c = oci::from_json(minimal(), bundle.dir(), options);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->policy.argv, (std::vector<std::string>{"/bin/id"}));
  EXPECT_EQ(c->policy.id.uid, 5u);
  process["cwd"] = "tmp";
  c = oci::from_json(minimal(), bundle.dir(), options);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().step, "process.json.cwd");
}

}  // namespace
}  // namespace cloister
