// resolve(): Policy -> Plan. Reads the host (realpath, stat, fds) but creates no sandbox.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "kernel/capability_names.hpp"
#include "plan/explain.hpp"
#include "plan/plan.hpp"
#include "policy/cli.hpp"
#include "seccomp/emulator.hpp"
#include "seccomp/precompiled.hpp"

namespace cloister {
namespace {

using Args = std::vector<std::string>;
using Kind = FsOp::Kind;

const Caller kRoot{0, 0, "/root-cwd"};
const Caller kUser{1000, 1001, "/home/user"};

template <class T>
std::string why(const Result<T>& r) {
  return r.ok() ? "ok" : r.error().message();
}

Policy policy_from(const Args& args, cli::Dialect dialect) {
  auto parsed = cli::parse(args, dialect);
  EXPECT_TRUE(parsed.ok()) << why(parsed);
  return parsed.ok() ? parsed->policy : Policy{};
}
Policy bwrap(const Args& args) { return policy_from(args, cli::Dialect::Bwrap); }
Policy run(const Args& args) { return policy_from(args, cli::Dialect::Run); }

// Descriptors that options name must be open when resolving: makes the closed ones among
// `fds` refer to /dev/null for as long as it lives.
class OpenFds {
 public:
  explicit OpenFds(std::initializer_list<int> fds) {
    for (int fd : fds)
      if (::fcntl(fd, F_GETFD) < 0) {
        int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0 && ::dup3(null, fd, O_CLOEXEC) == fd) opened_.push_back(fd);
        if (null >= 0 && null != fd) ::close(null);
      }
  }
  OpenFds(const OpenFds&) = delete;
  OpenFds& operator=(const OpenFds&) = delete;
  ~OpenFds() {
    for (int fd : opened_) ::close(fd);
  }

 private:
  std::vector<int> opened_;
};

FsOp op(Kind kind, std::string source, std::string dest, int fd = -1, bool optional = false) {
  return FsOp{kind, std::move(source), std::move(dest), fd, optional, {}, {}};
}

std::string real(const std::string& path) {
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf)) return "";
  return buf;
}

// A temporary directory: real/ (a directory), real/file, link -> real, file-link -> real/file.
class TempTree {
 public:
  TempTree() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cloister-unit-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    root_ = tmpl;
    std::filesystem::create_directory(root_ + "/real");
    std::ofstream(root_ + "/real/file") << "contents";
    std::filesystem::create_directory_symlink("real", root_ + "/link");
    std::filesystem::create_symlink("real/file", root_ + "/file-link");
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }

 private:
  std::string root_;
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Read end of a pipe holding `data`, write end closed.
int pipe_with(const std::string& data) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  EXPECT_EQ(::write(fds[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(fds[1]);
  return fds[0];
}

// Saves and restores environment variables a test touches.
class EnvGuard {
 public:
  explicit EnvGuard(std::vector<std::string> names) : names_(std::move(names)) {
    for (const auto& n : names_) {
      const char* v = ::getenv(n.c_str());
      saved_.push_back(v ? std::optional<std::string>(v) : std::nullopt);
    }
  }
  ~EnvGuard() {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (saved_[i])
        ::setenv(names_[i].c_str(), saved_[i]->c_str(), 1);
      else
        ::unsetenv(names_[i].c_str());
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  std::vector<std::string> names_;
  std::vector<std::optional<std::string>> saved_;
};

int count_prefix(const std::vector<std::string>& env, const std::string& prefix) {
  int n = 0;
  for (const auto& e : env) n += e.rfind(prefix, 0) == 0;
  return n;
}

std::ptrdiff_t index_of(const std::vector<std::string>& env, const std::string& entry) {
  for (std::size_t i = 0; i < env.size(); ++i)
    if (env[i] == entry) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

template <class Step>
std::vector<const Step*> steps_of(const Plan& plan) {
  std::vector<const Step*> out;
  for (const auto& s : plan.fs)
    if (const auto* p = std::get_if<Step>(&s)) out.push_back(p);
  return out;
}

const step::Bind* bind_to(const Plan& plan, const std::string& dest) {
  for (const auto* b : steps_of<step::Bind>(plan))
    if (b->dest == dest) return b;
  return nullptr;
}

// ---------------------------------------------------------------------------------------
// Namespaces and validation

TEST(ResolveNamespaces, RunDialectRootCallerCreatesEveryNamespaceUserAndCgroupOptional) {
  auto plan = resolve(run({"true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  const std::uint64_t all = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                            CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
  EXPECT_EQ(plan->clone_flags, all);
  EXPECT_TRUE(plan->user_ns_optional);
  EXPECT_TRUE(plan->cgroup_ns_optional);
}

TEST(ResolveNamespaces, BwrapDialectRootCallerCreatesOnlyAMountNamespace) {
  auto plan = resolve(bwrap({"true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->clone_flags, static_cast<std::uint64_t>(CLONE_NEWNS));
  EXPECT_FALSE(plan->user_ns_optional);
  EXPECT_FALSE(plan->cgroup_ns_optional);
  EXPECT_TRUE(plan->ids.uid_map.empty());
  EXPECT_TRUE(plan->ids.gid_map.empty());
}

TEST(ResolveNamespaces, NonRootCallerGetsAnImplicitRequiredUserNamespace) {
  auto plan = resolve(bwrap({"true"}), kUser);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->clone_flags, static_cast<std::uint64_t>(CLONE_NEWNS | CLONE_NEWUSER));
  EXPECT_FALSE(plan->user_ns_optional);

  // --unshare-user-try cannot make it optional: without it there is no mount namespace.
  auto try_plan = resolve(bwrap({"--unshare-user-try", "true"}), kUser);
  ASSERT_TRUE(try_plan.ok()) << why(try_plan);
  EXPECT_TRUE(try_plan->clone_flags & CLONE_NEWUSER);
  EXPECT_FALSE(try_plan->user_ns_optional);

  auto run_plan = resolve(run({"true"}), kUser);
  ASSERT_TRUE(run_plan.ok()) << why(run_plan);
  EXPECT_FALSE(run_plan->user_ns_optional);
}

TEST(ResolveNamespaces, UnshareUserTryIsOptionalUnshareUserIsNotForRoot) {
  auto t = resolve(bwrap({"--unshare-user-try", "true"}), kRoot);
  ASSERT_TRUE(t.ok()) << why(t);
  EXPECT_TRUE(t->clone_flags & CLONE_NEWUSER);
  EXPECT_TRUE(t->user_ns_optional);
  auto y = resolve(bwrap({"--unshare-user", "true"}), kRoot);
  ASSERT_TRUE(y.ok()) << why(y);
  EXPECT_TRUE(y->clone_flags & CLONE_NEWUSER);
  EXPECT_FALSE(y->user_ns_optional);
}

TEST(ResolveNamespaces, JoiningNamespacesByFdCreatesNoneOfThatKind) {
  OpenFds fds{7, 8};
  auto plan = resolve(run({"--userns", "7", "--pidns", "8", "true"}), kUser);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_FALSE(plan->clone_flags & CLONE_NEWUSER);
  EXPECT_FALSE(plan->clone_flags & CLONE_NEWPID);
  EXPECT_EQ(plan->userns_fd, 7);
  EXPECT_EQ(plan->pidns_fd, 8);
  EXPECT_FALSE(plan->init_is_pid1);
}

TEST(ResolveValidation, HostnameNeedsUnshareUts) {
  auto bad = resolve(bwrap({"--hostname", "box", "true"}), kRoot);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().step, "--hostname");
  EXPECT_NE(bad.error().message().find("--unshare-uts"), std::string::npos) << why(bad);

  auto good = resolve(bwrap({"--unshare-uts", "--hostname", "box", "true"}), kRoot);
  ASSERT_TRUE(good.ok()) << why(good);
  ASSERT_TRUE(good->hostname.has_value());
  EXPECT_EQ(*good->hostname, "box");
  EXPECT_TRUE(good->clone_flags & CLONE_NEWUTS);

  auto run_dialect = resolve(run({"--hostname", "box", "true"}), kRoot);
  EXPECT_TRUE(run_dialect.ok()) << why(run_dialect);
}

TEST(ResolveValidation, UidOrGidWithoutUserNamespaceForRootCaller) {
  auto uid = resolve(bwrap({"--uid", "1000", "true"}), kRoot);
  ASSERT_FALSE(uid.ok());
  EXPECT_EQ(uid.error().step, "--uid");
  EXPECT_NE(uid.error().message().find("--unshare-user"), std::string::npos) << why(uid);

  auto gid = resolve(bwrap({"--gid", "1000", "true"}), kRoot);
  ASSERT_FALSE(gid.ok());
  EXPECT_EQ(gid.error().step, "--gid");

  auto map = resolve(bwrap({"--uid-map", "0:0:1", "true"}), kRoot);
  ASSERT_FALSE(map.ok());
  EXPECT_EQ(map.error().step, "--uid-map");

  EXPECT_TRUE(resolve(bwrap({"--unshare-user", "--uid", "1000", "true"}), kRoot).ok());
  // A joined user namespace keeps its own maps.
  auto joined = resolve(bwrap({"--userns", "5", "--uid", "1000", "true"}), kRoot);
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.error().step, "--userns");
  // A non-root caller's implicit user namespace is enough.
  EXPECT_TRUE(resolve(bwrap({"--uid", "0", "true"}), kUser).ok());
}

// Beyond one id onto its own (RootIdentity.UnprivilegedCallersMayMapOneIdOntoTheirOwn).
TEST(ResolveValidation, UidMapByNonRootCallerIsRefusedWithEperm) {
  for (const Args& args :
       {Args{"--uid-map", "0:2000:1", "true"}, Args{"--gid-map", "0:1001:2", "true"}}) {
    auto r = resolve(run(args), kUser);
    ASSERT_FALSE(r.ok()) << args[0];
    EXPECT_EQ(r.error().step, "--uid-map/--gid-map");
    EXPECT_EQ(r.error().err, EPERM);
    EXPECT_FALSE(r.error().hint.empty());
  }
}

TEST(ResolveValidation, NoCommandIsAnError) {
  auto r = resolve(run({}), kRoot);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().op.find("no COMMAND"), std::string::npos) << why(r);
  auto r2 = resolve(bwrap({"--unshare-net"}), kUser);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().op.find("no COMMAND"), std::string::npos) << why(r2);
}

TEST(ResolveValidation, AsPid1NeedsANewPidNamespace) {
  auto bad = resolve(bwrap({"--as-pid-1", "true"}), kRoot);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().step, "--as-pid-1");
  EXPECT_NE(bad.error().message().find("--unshare-pid"), std::string::npos) << why(bad);

  auto good = resolve(bwrap({"--unshare-pid", "--as-pid-1", "true"}), kRoot);
  ASSERT_TRUE(good.ok()) << why(good);
  EXPECT_FALSE(good->init_is_pid1);
}

TEST(ResolveValidation, UsernsRelatedOptionsNeedAUserNamespace) {
  OpenFds fds{5, 6};
  Policy no_userns;
  no_userns.ns.disable_userns = true;
  no_userns.argv = {"true"};
  auto disable = resolve(no_userns, kRoot);
  ASSERT_FALSE(disable.ok());
  EXPECT_EQ(disable.error().step, "--disable-userns");

  auto both = resolve(run({"--disable-userns", "--assert-userns-disabled", "true"}), kRoot);
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().step, "--assert-userns-disabled");

  auto block = resolve(run({"--userns-block-fd", "5", "true"}), kRoot);
  ASSERT_FALSE(block.ok());
  EXPECT_EQ(block.error().step, "--userns-block-fd");

  auto ok =
      resolve(run({"--userns-block-fd", "5", "--info-fd", "6", "--disable-userns", "true"}), kRoot);
  ASSERT_TRUE(ok.ok()) << why(ok);
  EXPECT_EQ(ok->userns_block_fd, 5);
  EXPECT_EQ(ok->info_fd, 6);
  EXPECT_TRUE(ok->disable_userns);
}

// ---------------------------------------------------------------------------------------
// Id maps

TEST(ResolveIds, NonRootCallerMapsItsOwnIdsAndDeniesSetgroups) {
  auto plan = resolve(bwrap({"true"}), kUser);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->ids.uid_map, "1000 1000 1\n");
  EXPECT_EQ(plan->ids.gid_map, "1001 1001 1\n");
  EXPECT_FALSE(plan->ids.written_by_parent);
  EXPECT_TRUE(plan->ids.deny_setgroups);
}

TEST(ResolveIds, UidAndGidChooseTheInsideId) {
  auto plan = resolve(bwrap({"--uid", "0", "--gid", "5", "true"}), kUser);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->ids.uid_map, "0 1000 1\n");
  EXPECT_EQ(plan->ids.gid_map, "5 1001 1\n");
  EXPECT_FALSE(plan->ids.written_by_parent);
  EXPECT_TRUE(plan->ids.deny_setgroups);

  auto root = resolve(bwrap({"--unshare-user", "--uid", "1000", "true"}), kRoot);
  ASSERT_TRUE(root.ok()) << why(root);
  EXPECT_EQ(root->ids.uid_map, "1000 0 1\n");
  EXPECT_EQ(root->ids.gid_map, "0 0 1\n");
}

TEST(ResolveIds, RootCustomMapsAreWrittenByTheParentWithSetgroupsAllowed) {
  auto plan = resolve(bwrap({"--unshare-user", "--uid-map", "0:100000:65536", "--uid-map",
                             "65536:0:1", "--gid-map", "0:200000:10", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->ids.uid_map, "0 100000 65536\n65536 0 1\n");
  EXPECT_EQ(plan->ids.gid_map, "0 200000 10\n");
  EXPECT_TRUE(plan->ids.written_by_parent);
  EXPECT_FALSE(plan->ids.deny_setgroups);

  // Only a uid map: the gid map is the caller's own gid.
  auto uid_only = resolve(bwrap({"--unshare-user", "--uid-map", "0:100000:10", "true"}), kRoot);
  ASSERT_TRUE(uid_only.ok()) << why(uid_only);
  EXPECT_EQ(uid_only->ids.gid_map, "0 0 1\n");
  EXPECT_TRUE(uid_only->ids.written_by_parent);
}

TEST(ResolveIds, RangeMapsSwitchToTheInsideIdsGivenByUidAndGid) {
  auto plan = resolve(bwrap({"--unshare-user", "--uid-map", "0:100000:65536", "--gid-map",
                             "0:100000:65536", "--uid", "1000", "--gid", "5", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_TRUE(plan->ids.written_by_parent);
  EXPECT_EQ(plan->ids.switch_uid, 1000u);
  EXPECT_EQ(plan->ids.switch_gid, 5u);

  // Without --uid/--gid: inside id 0.
  auto zero = resolve(bwrap({"--unshare-user", "--uid-map", "0:100000:65536", "true"}), kRoot);
  ASSERT_TRUE(zero.ok()) << why(zero);
  EXPECT_EQ(zero->ids.switch_uid, 0u);
  EXPECT_EQ(zero->ids.switch_gid, 0u);
}

// ---------------------------------------------------------------------------------------
// Environment, argv, cwd

TEST(ResolveEnv, OperationsApplyInOrderToTheCallersEnvironment) {
  EnvGuard guard({"CLOISTER_T_A", "CLOISTER_T_B", "CLOISTER_T_C"});
  ASSERT_EQ(::setenv("CLOISTER_T_A", "1", 1), 0);
  ASSERT_EQ(::setenv("CLOISTER_T_B", "2", 1), 0);
  ASSERT_EQ(::unsetenv("CLOISTER_T_C"), 0);

  auto plan = resolve(bwrap({"--setenv", "CLOISTER_T_C", "3", "--unsetenv", "CLOISTER_T_A",
                             "--setenv", "CLOISTER_T_B", "22", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  const auto& env = plan->env;
  EXPECT_EQ(count_prefix(env, "CLOISTER_T_A="), 0);
  EXPECT_EQ(count_prefix(env, "CLOISTER_T_B="), 1);
  EXPECT_EQ(count_prefix(env, "CLOISTER_T_C="), 1);
  EXPECT_NE(index_of(env, "CLOISTER_T_B=22"), -1);
  EXPECT_NE(index_of(env, "CLOISTER_T_C=3"), -1);
  // Everything else is inherited.
  if (const char* path = ::getenv("PATH")) {
    EXPECT_NE(index_of(env, std::string("PATH=") + path), -1);
  }
}

TEST(ResolveEnv, WithoutOperationsTheEnvironmentIsInherited) {
  EnvGuard guard({"CLOISTER_T_A"});
  ASSERT_EQ(::setenv("CLOISTER_T_A", "x y=z", 1), 0);
  auto plan = resolve(bwrap({"true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_NE(index_of(plan->env, "CLOISTER_T_A=x y=z"), -1);
}

TEST(ResolveEnv, ClearenvDropsEverythingBeforeItOnly) {
  EnvGuard guard({"CLOISTER_T_A", "CLOISTER_T_B"});
  ASSERT_EQ(::setenv("CLOISTER_T_A", "1", 1), 0);
  auto plan = resolve(bwrap({"--setenv", "CLOISTER_T_B", "before", "--clearenv", "--setenv",
                             "CLOISTER_T_C", "after", "--setenv", "CLOISTER_T_D", "d", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->env, (std::vector<std::string>{"CLOISTER_T_C=after", "CLOISTER_T_D=d"}));

  auto empty = resolve(bwrap({"--clearenv", "true"}), kRoot);
  ASSERT_TRUE(empty.ok()) << why(empty);
  EXPECT_TRUE(empty->env.empty());
}

TEST(ResolveEnv, UnsetThenSetAgainAppearsOnce) {
  EnvGuard guard({"CLOISTER_T_A"});
  ASSERT_EQ(::setenv("CLOISTER_T_A", "1", 1), 0);
  auto plan = resolve(bwrap({"--unsetenv", "CLOISTER_T_A", "--setenv", "CLOISTER_T_A", "2",
                             "--setenv", "CLOISTER_T_A", "3", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(count_prefix(plan->env, "CLOISTER_T_A="), 1);
  EXPECT_NE(index_of(plan->env, "CLOISTER_T_A=3"), -1);
}

TEST(ResolveProcess, Argv0ReplacesArgvZeroButNotTheExecutedPath) {
  auto plan = resolve(bwrap({"--argv0", "login-sh", "/bin/sh", "-c", "x"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->exec_path, "/bin/sh");
  EXPECT_EQ(plan->argv, (std::vector<std::string>{"login-sh", "-c", "x"}));

  auto plain = resolve(bwrap({"/bin/sh", "-c", "x"}), kRoot);
  ASSERT_TRUE(plain.ok()) << why(plain);
  EXPECT_EQ(plain->exec_path, "/bin/sh");
  EXPECT_EQ(plain->argv, (std::vector<std::string>{"/bin/sh", "-c", "x"}));
}

TEST(ResolveProcess, ChdirIsRequiredOtherwiseTheCallersCwd) {
  auto with = resolve(bwrap({"--chdir", "/work", "true"}), kRoot);
  ASSERT_TRUE(with.ok()) << why(with);
  EXPECT_EQ(with->cwd, "/work");
  EXPECT_TRUE(with->cwd_required);
  auto without = resolve(bwrap({"true"}), kRoot);
  ASSERT_TRUE(without.ok()) << why(without);
  EXPECT_EQ(without->cwd, "/root-cwd");
  EXPECT_FALSE(without->cwd_required);
}

TEST(ResolveProcess, CwdFallbackIsHomeOfTheFinalEnvironment) {
  EnvGuard guard({"HOME"});
  ASSERT_EQ(::setenv("HOME", "/home/from-caller", 1), 0);
  auto inherited = resolve(bwrap({"true"}), kRoot);
  ASSERT_TRUE(inherited.ok()) << why(inherited);
  EXPECT_EQ(inherited->cwd_fallback, "/home/from-caller");

  auto set = resolve(bwrap({"--setenv", "HOME", "/h", "true"}), kRoot);
  ASSERT_TRUE(set.ok()) << why(set);
  EXPECT_EQ(set->cwd_fallback, "/h");

  auto unset = resolve(bwrap({"--unsetenv", "HOME", "true"}), kRoot);
  ASSERT_TRUE(unset.ok()) << why(unset);
  EXPECT_EQ(unset->cwd_fallback, "");

  auto cleared = resolve(bwrap({"--clearenv", "true"}), kRoot);
  ASSERT_TRUE(cleared.ok()) << why(cleared);
  EXPECT_EQ(cleared->cwd_fallback, "");

  // A variable merely ending in HOME is not HOME.
  auto other = resolve(bwrap({"--clearenv", "--setenv", "XHOME", "/x", "true"}), kRoot);
  ASSERT_TRUE(other.ok()) << why(other);
  EXPECT_EQ(other->cwd_fallback, "");
}

TEST(ResolveProcess, FlagsAndFdsAreCarriedOver) {
  OpenFds fds{3, 4, 5, 6};
  auto plan = resolve(bwrap({"--unshare-user", "--die-with-parent", "--new-session",
                             "--disable-userns", "--json-status-fd", "3", "--info-fd", "4",
                             "--sync-fd", "5", "--block-fd", "6", "--trace-setup", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_TRUE(plan->die_with_parent);
  EXPECT_TRUE(plan->new_session);
  EXPECT_TRUE(plan->disable_userns);
  EXPECT_FALSE(plan->assert_userns_disabled);
  EXPECT_EQ(plan->json_status_fd, 3);
  EXPECT_EQ(plan->info_fd, 4);
  EXPECT_EQ(plan->sync_fd, 5);
  EXPECT_EQ(plan->block_fd, 6);
  EXPECT_TRUE(plan->trace_setup);
  EXPECT_EQ(plan->mode, SandboxMode::Namespace);
  EXPECT_FALSE(plan->chroot.has_value());
}

TEST(ResolveProcess, InitIsPid1WithANewPidNamespaceUnlessAsPid1) {
  auto run_plan = resolve(run({"true"}), kRoot);
  ASSERT_TRUE(run_plan.ok()) << why(run_plan);
  EXPECT_TRUE(run_plan->init_is_pid1);

  auto as_pid_1 = resolve(run({"--as-pid-1", "true"}), kRoot);
  ASSERT_TRUE(as_pid_1.ok()) << why(as_pid_1);
  EXPECT_TRUE(as_pid_1->clone_flags & CLONE_NEWPID);
  EXPECT_FALSE(as_pid_1->init_is_pid1);

  auto no_pidns = resolve(bwrap({"true"}), kRoot);
  ASSERT_TRUE(no_pidns.ok()) << why(no_pidns);
  EXPECT_FALSE(no_pidns->init_is_pid1);

  auto bwrap_pid = resolve(bwrap({"--unshare-pid", "true"}), kRoot);
  ASSERT_TRUE(bwrap_pid.ok()) << why(bwrap_pid);
  EXPECT_TRUE(bwrap_pid->init_is_pid1);
}

// ---------------------------------------------------------------------------------------
// Capabilities

TEST(ResolveCaps, RunDialectKeepsNothingUnlessAdded) {
  auto none = resolve(run({"true"}), kRoot);
  ASSERT_TRUE(none.ok()) << why(none);
  EXPECT_EQ(none->keep_caps, 0u);
  EXPECT_FALSE(none->keep_caps_if_held);

  auto add = resolve(run({"--cap-add", "CAP_NET_RAW", "--cap-add", "sys_admin", "true"}), kRoot);
  ASSERT_TRUE(add.ok()) << why(add);
  EXPECT_EQ(add->keep_caps, (1ULL << 13) | (1ULL << 21));
  EXPECT_FALSE(add->keep_caps_if_held);
}

TEST(ResolveCaps, AddAllThenDropOne) {
  auto plan = resolve(run({"--cap-add", "ALL", "--cap-drop", "CAP_SYS_ADMIN", "true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  const int last = caps::last_cap();
  const std::uint64_t all = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
  EXPECT_EQ(plan->keep_caps, all & ~(1ULL << 21));
}

TEST(ResolveCaps, DropAllThenAddInOrder) {
  auto plan = resolve(run({"--cap-add", "CAP_CHOWN", "--cap-drop", "ALL", "--cap-add",
                           "CAP_NET_BIND_SERVICE", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->keep_caps, 1ULL << 10);
}

TEST(ResolveCaps, BwrapRootKeepsTheCallersPermittedCaps) {
  // Root caller, no user namespace: uid 0 in the sandbox.
  auto plan = resolve(bwrap({"true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->keep_caps, caps::permitted_now());
  EXPECT_TRUE(plan->keep_caps_if_held);

  auto drop_one = resolve(bwrap({"--cap-drop", "CAP_NET_RAW", "true"}), kRoot);
  ASSERT_TRUE(drop_one.ok()) << why(drop_one);
  EXPECT_EQ(drop_one->keep_caps, caps::permitted_now() & ~(1ULL << 13));

  auto drop_all = resolve(bwrap({"--cap-drop", "ALL", "true"}), kRoot);
  ASSERT_TRUE(drop_all.ok()) << why(drop_all);
  EXPECT_EQ(drop_all->keep_caps, 0u);

  auto drop_add = resolve(bwrap({"--cap-drop", "ALL", "--cap-add", "CAP_NET_RAW", "true"}), kRoot);
  ASSERT_TRUE(drop_add.ok()) << why(drop_add);
  EXPECT_EQ(drop_add->keep_caps, 1ULL << 13);
}

TEST(ResolveCaps, BwrapRootRuleNeedsUidZeroInTheSandbox) {
  // Root caller mapped to uid 1000 inside: not root in the sandbox, keeps nothing.
  auto plan = resolve(bwrap({"--unshare-user", "--uid", "1000", "true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->keep_caps, 0u);
  EXPECT_FALSE(plan->keep_caps_if_held);

  // A non-root caller without --uid 0 is not root inside either.
  auto user = resolve(bwrap({"true"}), kUser);
  ASSERT_TRUE(user.ok()) << why(user);
  EXPECT_FALSE(user->keep_caps_if_held);

  // Policy::root_keeps_caps off (the Run dialect): uid 0 alone keeps nothing.
  Policy p = bwrap({"true"});
  p.root_keeps_caps = false;
  auto off = resolve(p, kRoot);
  ASSERT_TRUE(off.ok()) << why(off);
  EXPECT_EQ(off->keep_caps, 0u);
  EXPECT_FALSE(off->keep_caps_if_held);
}

// Without --cap-add/--cap-drop, bwrap leaves a root sandbox's sets as the caller had them
// (inheritable and ambient included); with them, the three sets become what is kept.
TEST(ResolveCaps, BwrapRootWithoutCapOptionsKeepsTheCallersSets) {
  auto plain = resolve(bwrap({"true"}), kRoot);
  ASSERT_TRUE(plain.ok()) << why(plain);
  EXPECT_TRUE(plain->caps_as_caller);
  auto dropped = resolve(bwrap({"--cap-drop", "CAP_KILL", "true"}), kRoot);
  ASSERT_TRUE(dropped.ok()) << why(dropped);
  EXPECT_TRUE(dropped->keep_caps_if_held);
  EXPECT_FALSE(dropped->caps_as_caller);
  auto user = resolve(bwrap({"true"}), kUser);
  ASSERT_TRUE(user.ok()) << why(user);
  EXPECT_FALSE(user->caps_as_caller);
  auto run_root = resolve(run({"true"}), kRoot);
  ASSERT_TRUE(run_root.ok()) << why(run_root);
  EXPECT_FALSE(run_root->caps_as_caller);
}

TEST(ResolveCaps, BwrapUidZeroInANewUserNamespaceIsRoot) {
  auto plan = resolve(bwrap({"--uid", "0", "true"}), kUser);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_TRUE(plan->keep_caps_if_held);
}

// ---------------------------------------------------------------------------------------
// Binds

TEST(ResolveBinds, SourcesAreRealpathedAndTheirInodeRecorded) {
  TempTree tree;
  auto plan = resolve(bwrap({"--bind", tree.path("link"), "/a", "--ro-bind", tree.path("file-link"),
                             "/b", "--dev-bind", tree.path("real/../link"), "/c", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_EQ(plan->fs.size(), 3u);
  const std::string real_dir = real(tree.path("real"));
  const std::string real_file = real(tree.path("real/file"));
  ASSERT_FALSE(real_dir.empty());
  struct stat dir_st {
  }, file_st{};
  ASSERT_EQ(::stat(real_dir.c_str(), &dir_st), 0);
  ASSERT_EQ(::stat(real_file.c_str(), &file_st), 0);

  const auto& a = std::get<step::Bind>(plan->fs[0]);
  EXPECT_EQ(a.source, real_dir);
  EXPECT_EQ(a.dest, "/a");
  EXPECT_FALSE(a.read_only);
  EXPECT_FALSE(a.devices);
  EXPECT_TRUE(a.source_is_dir);
  EXPECT_EQ(a.dev, dir_st.st_dev);
  EXPECT_EQ(a.ino, dir_st.st_ino);
  EXPECT_EQ(a.option, "--bind");

  const auto& b = std::get<step::Bind>(plan->fs[1]);
  EXPECT_EQ(b.source, real_file);
  EXPECT_TRUE(b.read_only);
  EXPECT_FALSE(b.devices);
  EXPECT_FALSE(b.source_is_dir);
  EXPECT_EQ(b.ino, file_st.st_ino);
  EXPECT_EQ(b.option, "--ro-bind");

  const auto& c = std::get<step::Bind>(plan->fs[2]);
  EXPECT_EQ(c.source, real_dir);
  EXPECT_FALSE(c.read_only);
  EXPECT_TRUE(c.devices);
  EXPECT_EQ(c.option, "--dev-bind");
}

TEST(ResolveBinds, TryVariantsOfExistingSourcesAreBoundAndNamedWithTry) {
  TempTree tree;
  auto plan = resolve(bwrap({"--ro-bind-try", tree.path("link"), "/a", "--bind-try",
                             tree.path("real"), "/b", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_EQ(plan->fs.size(), 2u);
  EXPECT_EQ(std::get<step::Bind>(plan->fs[0]).option, "--ro-bind-try");
  EXPECT_EQ(std::get<step::Bind>(plan->fs[0]).source, real(tree.path("real")));
  EXPECT_TRUE(std::get<step::Bind>(plan->fs[0]).read_only);
  EXPECT_EQ(std::get<step::Bind>(plan->fs[1]).option, "--bind-try");
  EXPECT_TRUE(plan->skipped.empty());
}

TEST(ResolveBinds, MissingTrySourcesAreSkippedAndListed) {
  TempTree tree;
  const std::string missing = tree.path("does-not-exist");
  auto plan = resolve(bwrap({"--ro-bind-try", missing, "/a", "--tmpfs", "/t", "--bind-try",
                             missing + "/deeper", "/b", "--dev-bind-try", missing, "/c", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_EQ(plan->fs.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<step::Tmpfs>(plan->fs[0]));
  EXPECT_EQ(plan->skipped, (std::vector<std::string>{"--ro-bind-try " + missing,
                                                     "--bind-try " + missing + "/deeper",
                                                     "--dev-bind-try " + missing}));
}

TEST(ResolveBinds, MissingSourceIsAnErrorWithThePathAndEnoent) {
  TempTree tree;
  const std::string missing = tree.path("does-not-exist");
  for (const char* option : {"--ro-bind", "--bind", "--dev-bind"}) {
    auto plan = resolve(bwrap({option, missing, "/a", "true"}), kRoot);
    ASSERT_FALSE(plan.ok()) << option;
    const Error& e = plan.error();
    EXPECT_EQ(e.err, ENOENT);
    EXPECT_EQ(e.object, missing);
    EXPECT_NE(e.step.find(option), std::string::npos) << e.step;
    EXPECT_NE(e.step.find(missing), std::string::npos) << e.step;
    EXPECT_NE(e.message().find(std::strerror(ENOENT)), std::string::npos) << e.message();
    EXPECT_FALSE(e.hint.empty());
  }
}

TEST(ResolveBinds, BindFdUsesWhatTheFdRefersTo) {
  TempTree tree;
  Fd dir(::open(tree.path("link").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_GE(dir.get(), 0);
  Fd file(::open(tree.path("real/file").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_GE(file.get(), 0);
  auto plan = resolve(bwrap({"--bind-fd", std::to_string(dir.get()), "/a", "--ro-bind-fd",
                             std::to_string(file.get()), "/b", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_EQ(plan->fs.size(), 2u);
  struct stat st {};
  ASSERT_EQ(::stat(tree.path("real").c_str(), &st), 0);
  const auto& a = std::get<step::Bind>(plan->fs[0]);
  EXPECT_EQ(a.source, real(tree.path("real")));
  EXPECT_EQ(a.dev, st.st_dev);
  EXPECT_EQ(a.ino, st.st_ino);
  EXPECT_FALSE(a.read_only);
  EXPECT_TRUE(a.source_is_dir);
  EXPECT_EQ(a.option, "--bind-fd");
  const auto& b = std::get<step::Bind>(plan->fs[1]);
  EXPECT_EQ(b.source, real(tree.path("real/file")));
  EXPECT_TRUE(b.read_only);
  EXPECT_FALSE(b.source_is_dir);
  EXPECT_EQ(b.option, "--ro-bind-fd");
}

TEST(ResolveBinds, BindFdOfAClosedFdIsAnError) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int closed = fds[0];
  ::close(fds[0]);
  ::close(fds[1]);
  auto plan = resolve(bwrap({"--bind-fd", std::to_string(closed), "/a", "true"}), kRoot);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().err, ENOENT);
  EXPECT_NE(plan.error().step.find("--bind-fd"), std::string::npos) << why(plan);
}

TEST(ResolveBinds, BindFdOfAPipeIsRefused) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  Fd r(fds[0]), w(fds[1]);
  auto plan = resolve(bwrap({"--bind-fd", std::to_string(r.get()), "/a", "true"}), kRoot);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().err, EINVAL);
}

// ---------------------------------------------------------------------------------------
// Other filesystem steps

TEST(ResolveFiles, FileAndBindDataReadTheFdAtResolveTime) {
  Fd file(pipe_with("hello\n"));
  Fd data(pipe_with(std::string("bin\0ary", 7)));
  Fd ro_data(pipe_with(""));
  Fd perm_file(pipe_with("x"));
  auto plan = resolve(bwrap({"--file", std::to_string(file.get()), "/etc/f", "--bind-data",
                             std::to_string(data.get()), "/etc/g", "--ro-bind-data",
                             std::to_string(ro_data.get()), "/etc/h", "--perms", "0640", "--file",
                             std::to_string(perm_file.get()), "/etc/i", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_EQ(plan->fs.size(), 4u);
  const auto& f = std::get<step::File>(plan->fs[0]);
  EXPECT_EQ(f.dest, "/etc/f");
  EXPECT_EQ(f.data, "hello\n");
  EXPECT_EQ(f.mode, 0666u);
  const auto& g = std::get<step::BindData>(plan->fs[1]);
  EXPECT_EQ(g.dest, "/etc/g");
  EXPECT_EQ(g.data, std::string("bin\0ary", 7));
  EXPECT_EQ(g.mode, 0600u);
  EXPECT_FALSE(g.read_only);
  const auto& h = std::get<step::BindData>(plan->fs[2]);
  EXPECT_TRUE(h.data.empty());
  EXPECT_TRUE(h.read_only);
  const auto& i = std::get<step::File>(plan->fs[3]);
  EXPECT_EQ(i.data, "x");
  EXPECT_EQ(i.mode, 0640u);
}

TEST(ResolveFiles, LargeFileContentsAreReadCompletely) {
  TempTree tree;
  const std::string big(200000, 'z');
  std::ofstream(tree.path("big")) << big;
  Fd fd(::open(tree.path("big").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_GE(fd.get(), 0);
  auto plan = resolve(bwrap({"--file", std::to_string(fd.get()), "/big", "true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(std::get<step::File>(plan->fs[0]).data.size(), big.size());
}

TEST(ResolveFiles, UnreadableFdIsAnError) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int closed = fds[0];
  ::close(fds[0]);
  ::close(fds[1]);
  auto plan = resolve(bwrap({"--file", std::to_string(closed), "/f", "true"}), kRoot);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().step, "--file");
  EXPECT_EQ(plan.error().err, EBADF);
}

// The host's /proc may stand in for a procfs only where the sandbox shares the host's PID
// namespace (bwrap binds it then); never with a PID namespace of its own.
TEST(ResolveFiles, ProcMayFallBackToTheHostsOnlyInTheHostsPidNamespace) {
  const auto proc_of = [](const Result<Plan>& plan) {
    for (const auto& s : plan->fs)
      if (const auto* p = std::get_if<step::Proc>(&s)) return *p;
    ADD_FAILURE() << "no proc step";
    return step::Proc{};
  };
  auto shared = resolve(bwrap({"--proc", "/proc", "true"}), kUser);
  ASSERT_TRUE(shared.ok()) << why(shared);
  EXPECT_TRUE(proc_of(shared).host_pid_namespace);
  auto own = resolve(bwrap({"--unshare-pid", "--proc", "/proc", "true"}), kUser);
  ASSERT_TRUE(own.ok()) << why(own);
  EXPECT_FALSE(proc_of(own).host_pid_namespace);
  auto joined = resolve(bwrap({"--pidns", "5", "--proc", "/proc", "true"}), kRoot);
  ASSERT_TRUE(joined.ok()) << why(joined);
  EXPECT_FALSE(proc_of(joined).host_pid_namespace);
  auto run_default = resolve(run({"true"}), kUser);
  ASSERT_TRUE(run_default.ok()) << why(run_default);
  EXPECT_FALSE(proc_of(run_default).host_pid_namespace);
}

TEST(ResolveFiles, SimpleStepsKeepOrderAndDefaults) {
  auto plan = resolve(
      bwrap({"--tmpfs",  "/t",          "--size",    "1M",      "--perms",     "0700",
             "--tmpfs",  "/u",          "--dir",     "/d",      "--perms",     "0711",
             "--dir",    "/e",          "--proc",    "/proc",   "--dev",       "/dev",
             "--mqueue", "/dev/mqueue", "--symlink", "usr/bin", "/bin",        "--remount-ro",
             "/d",       "--chmod",     "0750",      "/e",      "--lock-file", "/l",
             "true"}),
      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  const auto& fs = plan->fs;
  ASSERT_EQ(fs.size(), 11u);
  const auto& t = std::get<step::Tmpfs>(fs[0]);
  EXPECT_EQ(t.dest, "/t");
  EXPECT_EQ(t.mode, 0755u);
  EXPECT_FALSE(t.size.has_value());
  const auto& u = std::get<step::Tmpfs>(fs[1]);
  EXPECT_EQ(u.mode, 0700u);
  ASSERT_TRUE(u.size.has_value());
  EXPECT_EQ(*u.size, 1u << 20);
  EXPECT_EQ(std::get<step::Dir>(fs[2]).mode, 0755u);
  EXPECT_EQ(std::get<step::Dir>(fs[3]).mode, 0711u);
  EXPECT_EQ(std::get<step::Dir>(fs[3]).dest, "/e");
  EXPECT_EQ(std::get<step::Proc>(fs[4]).dest, "/proc");
  EXPECT_EQ(std::get<step::Dev>(fs[5]).dest, "/dev");
  EXPECT_EQ(std::get<step::Mqueue>(fs[6]).dest, "/dev/mqueue");
  EXPECT_EQ(std::get<step::Symlink>(fs[7]).target, "usr/bin");
  EXPECT_EQ(std::get<step::Symlink>(fs[7]).dest, "/bin");
  EXPECT_EQ(std::get<step::RemountRo>(fs[8]).dest, "/d");
  EXPECT_EQ(std::get<step::Chmod>(fs[9]).path, "/e");
  EXPECT_EQ(std::get<step::Chmod>(fs[9]).mode, 0750u);
  EXPECT_EQ(std::get<step::LockFile>(fs[10]).dest, "/l");
}

// ---------------------------------------------------------------------------------------
// Default root

TEST(ResolveDefaultRoot, ContainsUsrEtcLinksTmpProcDevAndEndsSealed) {
  auto plan = resolve(run({"true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  const auto& fs = plan->fs;
  ASSERT_FALSE(fs.empty());

  // /usr first, read-only.
  const auto* usr = std::get_if<step::Bind>(&fs.front());
  ASSERT_NE(usr, nullptr) << describe(fs.front());
  EXPECT_EQ(usr->dest, "/usr");
  EXPECT_EQ(usr->source, real("/usr"));
  EXPECT_TRUE(usr->read_only);

  // Sealed at the end.
  EXPECT_TRUE(std::holds_alternative<step::SealRoot>(fs.back()));
  EXPECT_EQ(steps_of<step::SealRoot>(*plan).size(), 1u);

  // Every bind of the default root is read-only.
  for (const auto* b : steps_of<step::Bind>(*plan)) EXPECT_TRUE(b->read_only) << b->dest;

  // /bin /lib /lib64 /sbin mirror the host: a symlink with the same target, else a bind.
  for (const char* name : {"/bin", "/sbin", "/lib", "/lib64"}) {
    char target[PATH_MAX];
    const ssize_t n = ::readlink(name, target, sizeof target - 1);
    struct stat st {};
    if (n > 0) {
      bool found = false;
      for (const auto* s : steps_of<step::Symlink>(*plan))
        if (s->dest == name) {
          found = true;
          EXPECT_EQ(s->target, std::string(target, static_cast<std::size_t>(n))) << name;
        }
      EXPECT_TRUE(found) << name << " is a symlink on the host";
    } else if (::stat(name, &st) == 0) {
      EXPECT_NE(bind_to(*plan, name), nullptr) << name << " is a directory on the host";
    }
  }

  // The /etc files programs need, when they exist; never the secrets.
  for (const char* name : {"/etc/passwd", "/etc/group", "/etc/hosts", "/etc/nsswitch.conf",
                           "/etc/resolv.conf", "/etc/ld.so.cache", "/etc/localtime"}) {
    struct stat st {};
    const step::Bind* b = bind_to(*plan, name);
    if (::stat(name, &st) == 0) {
      ASSERT_NE(b, nullptr) << name << " exists on the host";
      EXPECT_EQ(b->source, real(name));
      EXPECT_EQ(b->ino, st.st_ino);
    } else {
      EXPECT_EQ(b, nullptr) << name;
    }
  }
  for (const char* secret : {"/etc/shadow", "/etc/gshadow", "/etc/ssh", "/etc/sudoers", "/etc"})
    EXPECT_EQ(bind_to(*plan, secret), nullptr) << secret;

  bool tmp = false, proc = false, dev = false, etc_dir = false;
  for (const auto& s : fs) {
    if (const auto* t = std::get_if<step::Tmpfs>(&s); t && t->dest == "/tmp") {
      tmp = true;
      EXPECT_EQ(t->mode, 01777u);
    }
    if (const auto* p = std::get_if<step::Proc>(&s); p && p->dest == "/proc") proc = true;
    if (const auto* d = std::get_if<step::Dev>(&s); d && d->dest == "/dev") dev = true;
    if (const auto* d = std::get_if<step::Dir>(&s); d && d->dest == "/etc") etc_dir = true;
  }
  EXPECT_TRUE(tmp);
  EXPECT_TRUE(proc);
  EXPECT_TRUE(dev);
  EXPECT_TRUE(etc_dir);
}

TEST(ResolveDefaultRoot, AbsentWithEmptyRootOrInBwrapDialect) {
  auto empty = resolve(run({"--empty-root", "--tmpfs", "/t", "true"}), kRoot);
  ASSERT_TRUE(empty.ok()) << why(empty);
  ASSERT_EQ(empty->fs.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<step::Tmpfs>(empty->fs[0]));
  EXPECT_EQ(empty->fs_user_begin, 0u);
  EXPECT_EQ(empty->fs_user_end, 1u);

  auto bw = resolve(bwrap({"--tmpfs", "/t", "true"}), kRoot);
  ASSERT_TRUE(bw.ok()) << why(bw);
  ASSERT_EQ(bw->fs.size(), 1u);
  EXPECT_EQ(bw->fs_user_end, 1u);
}

// The user's steps come after the default view and before the seal, which would otherwise
// make the root read-only before their mount points exist.
TEST(ResolveDefaultRoot, UserStepsGoBetweenTheDefaultViewAndTheSeal) {
  auto plan = resolve(run({"--bind", "/usr/share", "/src", "--dir", "/work", "make"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  const auto& fs = plan->fs;
  ASSERT_GE(fs.size(), 4u);
  EXPECT_EQ(plan->fs_user_end - plan->fs_user_begin, 2u);
  EXPECT_EQ(plan->fs_user_end, fs.size() - 1);
  EXPECT_TRUE(std::holds_alternative<step::SealRoot>(fs.back()));
  const auto* b = std::get_if<step::Bind>(&fs[plan->fs_user_begin]);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->dest, "/src");
  EXPECT_FALSE(b->read_only);
  EXPECT_TRUE(std::holds_alternative<step::Dir>(fs[plan->fs_user_begin + 1]));
  // Everything before is the default view: /usr first, /dev last.
  EXPECT_NE(bind_to(*plan, "/usr"), nullptr);
  EXPECT_TRUE(std::holds_alternative<step::Dev>(fs[plan->fs_user_begin - 1]));
  EXPECT_TRUE(plan->fs_replaced.empty());
}

// An option at the same place as a default step, or mounting a tree above it, replaces it.
TEST(ResolveDefaultRoot, UserStepsReplaceWhatTheyCover) {
  auto plan = resolve(run({"--tmpfs", "/tmp", "--tmpfs", "/etc", "--dev-bind", "/dev", "/dev",
                           "--symlink", "usr/lib", "/lib", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  std::vector<std::string> default_dests;
  for (std::size_t i = 0; i < plan->fs_user_begin; ++i)
    default_dests.push_back(describe(plan->fs[i]));
  for (const auto& d : default_dests) {
    EXPECT_EQ(d.find("/etc"), std::string::npos) << d;
    EXPECT_NE(d, "tmpfs /tmp (mode 1777)");
    EXPECT_NE(d, "dev /dev");
    EXPECT_EQ(d.find("symlink /lib ->"), std::string::npos) << d;
  }
  // /var/tmp is not below /tmp; /usr stays.
  EXPECT_NE(std::find(default_dests.begin(), default_dests.end(), "tmpfs /var/tmp (mode 1777)"),
            default_dests.end());
  EXPECT_NE(bind_to(*plan, "/usr"), nullptr);
  EXPECT_TRUE(std::holds_alternative<step::SealRoot>(plan->fs.back()));
  const auto& replaced = plan->fs_replaced;
  EXPECT_NE(std::find(replaced.begin(), replaced.end(),
                      "tmpfs /tmp (mode 1777) (by tmpfs /tmp (mode 0755))"),
            replaced.end());
  EXPECT_NE(std::find(replaced.begin(), replaced.end(),
                      "dir /etc (mode 0755) (by tmpfs /etc (mode 0755))"),
            replaced.end());
}

// A bind of a file replaces only that file; a missing -try source replaces nothing.
TEST(ResolveDefaultRoot, FileBindsAndMissingTrySourcesReplaceOnlyWhatTheyPlace) {
  TempTree tree;
  auto plan = resolve(run({"--ro-bind", tree.path("real/file"), "/etc/passwd", "--bind-try",
                           tree.path("missing"), "/usr", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_NE(bind_to(*plan, "/usr"), nullptr) << "a skipped -try bind replaced /usr";
  const auto* passwd = bind_to(*plan, "/etc/passwd");
  ASSERT_NE(passwd, nullptr);
  EXPECT_EQ(passwd->source, real(tree.path("real/file")));
  EXPECT_NE(bind_to(*plan, "/etc/group"), nullptr);
  EXPECT_EQ(plan->fs_replaced.size(), 1u);
}

// A mount on "/" is a root of the user's own: nothing of the default view, no seal.
TEST(ResolveDefaultRoot, AMountOnRootReplacesTheWholeView) {
  TempTree tree;
  auto plan = resolve(run({"--bind", tree.path("real"), "/", "--proc", "/proc", "true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_EQ(plan->fs.size(), 2u);
  EXPECT_EQ(plan->fs_user_begin, 0u);
  EXPECT_EQ(plan->fs_user_end, 2u);
  ASSERT_EQ(plan->fs_replaced.size(), 1u);
  EXPECT_EQ(plan->fs_replaced[0].rfind("the whole default view (by bind ", 0), 0u);
}

TEST(ResolveDefaultRoot, PolicyOpsComeBeforeTheSeal) {
  Policy p = run({"true"});
  ASSERT_TRUE(p.default_root);
  p.fs.push_back(op(Kind::Dir, "", "/extra"));
  auto plan = resolve(p, kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_GE(plan->fs.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<step::SealRoot>(plan->fs.back()));
  const auto* d = std::get_if<step::Dir>(&plan->fs[plan->fs.size() - 2]);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->dest, "/extra");
}

// ---------------------------------------------------------------------------------------
// Chroot mode: the root is the SRC of the first bind whose DEST is "/".

TEST(ResolveChroot, RootIsTheSourceOfTheFirstBindWhoseDestIsSlash) {
  TempTree tree;
  auto plan = resolve(run({"--sandbox=chroot", "--bind", tree.path("link"), "/", "true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_EQ(plan->mode, SandboxMode::Chroot);
  ASSERT_TRUE(plan->chroot.has_value());
  EXPECT_EQ(plan->chroot->root, real(tree.path("real")));
  const auto& lost = plan->chroot->lost;
  auto has = [&lost](const std::string& what) {
    for (const auto& l : lost)
      if (l == what) return true;
    return false;
  };
  EXPECT_TRUE(has("mount namespace"));
  EXPECT_TRUE(has("PID namespace"));
  EXPECT_TRUE(has("network namespace"));
  EXPECT_TRUE(has("user namespace"));
  EXPECT_FALSE(has("read-only root (DAC only)"));
}

TEST(ResolveChroot, ReadOnlyRootBindIsReportedAsDacOnly) {
  TempTree tree;
  auto plan =
      resolve(bwrap({"--sandbox", "chroot", "--ro-bind", tree.path("real"), "/", "true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_TRUE(plan->chroot.has_value());
  EXPECT_EQ(plan->chroot->root, real(tree.path("real")));
  const auto& lost = plan->chroot->lost;
  EXPECT_NE(std::find(lost.begin(), lost.end(), "read-only root (DAC only)"), lost.end());
  // Bwrap dialect unshares nothing: no namespace besides the mount one is lost.
  EXPECT_EQ(std::find(lost.begin(), lost.end(), "PID namespace"), lost.end());
  EXPECT_NE(std::find(lost.begin(), lost.end(), "mount namespace"), lost.end());
}

TEST(ResolveChroot, RootBindByFdUsesTheFdsDirectory) {
  TempTree tree;
  Fd dir(::open(tree.path("real").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_GE(dir.get(), 0);
  auto plan = resolve(
      bwrap({"--sandbox=chroot", "--ro-bind-fd", std::to_string(dir.get()), "/", "true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_TRUE(plan->chroot.has_value());
  EXPECT_EQ(plan->chroot->root, real(tree.path("real")));
}

TEST(ResolveChroot, FirstExistingRootBindWinsMissingTryRootBindIsSkipped) {
  TempTree tree;
  auto plan = resolve(bwrap({"--sandbox=chroot", "--bind-try", tree.path("missing"), "/", "--bind",
                             tree.path("real"), "/", "true"}),
                      kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_TRUE(plan->chroot.has_value());
  EXPECT_EQ(plan->chroot->root, real(tree.path("real")));
}

TEST(ResolveChroot, ASecondRootBindIsAnOperationChrootCannotApply) {
  TempTree tree;
  auto plan = resolve(bwrap({"--sandbox=chroot", "--bind", tree.path("real"), "/", "--bind",
                             tree.path("link"), "/", "true"}),
                      kRoot);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().step, "--sandbox=chroot");
  EXPECT_EQ(plan.error().object, "--bind /");
}

TEST(ResolveChroot, OtherFilesystemOperationsAreAnErrorNamingThem) {
  TempTree tree;
  auto plan = resolve(run({"--sandbox=chroot", "--tmpfs", "/tmp", "--bind", tree.path("real"), "/",
                           "--proc", "/proc", "--symlink", "a", "/b", "true"}),
                      kRoot);
  ASSERT_FALSE(plan.ok());
  const Error& e = plan.error();
  EXPECT_EQ(e.step, "--sandbox=chroot");
  EXPECT_EQ(e.object, "--tmpfs /tmp, --proc /proc, --symlink /b");
  EXPECT_NE(e.message().find("--tmpfs /tmp"), std::string::npos) << e.message();
  EXPECT_FALSE(e.hint.empty());
}

TEST(ResolveChroot, NoRootBindIsAnError) {
  TempTree tree;
  for (const Args& args :
       {Args{"--sandbox=chroot", "true"},
        Args{"--sandbox=chroot", "--bind", tree.path("real"), "/srv", "true"},
        Args{"--sandbox=chroot", "--bind-try", tree.path("missing"), "/", "true"}}) {
    auto plan = resolve(run(args), kRoot);
    ASSERT_FALSE(plan.ok()) << args.size();
    EXPECT_EQ(plan.error().step, "--sandbox=chroot");
    EXPECT_NE(plan.error().op.find("root directory"), std::string::npos) << why(plan);
  }
}

TEST(ResolveChroot, AutoModePlansTheFallbackOrSaysWhyNot) {
  TempTree tree;
  auto ok = resolve(run({"--sandbox=auto", "--bind", tree.path("real"), "/", "true"}), kRoot);
  ASSERT_TRUE(ok.ok()) << why(ok);
  EXPECT_EQ(ok->mode, SandboxMode::Auto);
  ASSERT_TRUE(ok->chroot.has_value());
  EXPECT_EQ(ok->chroot->root, real(tree.path("real")));
  EXPECT_TRUE(ok->chroot_unavailable.empty());

  auto no = resolve(run({"--sandbox=auto", "true"}), kRoot);
  ASSERT_TRUE(no.ok()) << why(no);
  EXPECT_FALSE(no->chroot.has_value());
  EXPECT_NE(no->chroot_unavailable.find("--sandbox=chroot"), std::string::npos)
      << no->chroot_unavailable;
  // Namespace mode is still fully planned.
  EXPECT_FALSE(no->fs.empty());
}

TEST(ResolveChroot, NamespaceModePlansNoChroot) {
  TempTree tree;
  auto plan = resolve(run({"--bind", tree.path("real"), "/", "true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  EXPECT_FALSE(plan->chroot.has_value());
  EXPECT_TRUE(plan->chroot_unavailable.empty());
}

// ---------------------------------------------------------------------------------------
// describe() on resolved steps

TEST(ResolveDescribe, ResolvedBindNamesOptionSourceAndDest) {
  TempTree tree;
  auto plan = resolve(bwrap({"--ro-bind-try", tree.path("link"), "/x", "true"}), kRoot);
  ASSERT_TRUE(plan.ok()) << why(plan);
  ASSERT_EQ(plan->fs.size(), 1u);
  EXPECT_EQ(describe(plan->fs[0]), "ro-bind-try " + real(tree.path("real")) + " -> /x");
}

TEST(ResolveCaller, CurrentCallerIsThisProcess) {
  const Caller c = current_caller();
  EXPECT_EQ(c.uid, ::geteuid());
  EXPECT_EQ(c.gid, ::getegid());
  char buf[PATH_MAX];
  ASSERT_NE(::getcwd(buf, sizeof buf), nullptr);
  EXPECT_EQ(c.cwd, buf);
}

}  // namespace
}  // namespace cloister

namespace cloister {
namespace {

bool same_program(const seccomp::Program& a, const seccomp::Program& b) {
  return a.code.size() == b.code.size() &&
         std::memcmp(a.code.data(), b.code.data(), a.code.size() * sizeof(sock_filter)) == 0;
}

// A profile's [seccomp] table that only names the base adds an empty layer: still the base
// alone, so the precompiled program (not a libseccomp compile at every start).
TEST(ResolveSeccomp, ABaseOnlySectionTakesThePrecompiledProgram) {
  Policy p;
  p.argv = {"true"};
  p.seccomp.base = "strict-daemon";
  p.seccomp.layers.emplace_back();
  auto plan = resolve(p, Caller{1000, 1001, "/"});
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->seccomp.size(), 1u);
  EXPECT_TRUE(plan->seccomp_precompiled);
  EXPECT_TRUE(same_program(plan->seccomp[0], (*seccomp::precompiled("strict-daemon"))[0]));
  // The library's: the daemon variant.
  Policy daemon;
  daemon.seccomp.layers.emplace_back();
  auto in_process = resolve(daemon, Caller{1000, 1001, "/"}, {.in_process = true});
  ASSERT_TRUE(in_process) << in_process.error().message();
  ASSERT_EQ(in_process->seccomp.size(), 1u);
  EXPECT_TRUE(in_process->seccomp_precompiled);
  EXPECT_TRUE(same_program(in_process->seccomp[0], (*seccomp::precompiled("default", false))[0]));
}

SeccompPolicy denying(const std::string& name, int error, const std::string& base = "none") {
  SeccompPolicy sp;
  sp.base = base;
  sp.layers.push_back(
      {SeccompRule{name, {}, SeccompAction{SeccompAction::Kind::Errno, error}, "test"}});
  return sp;
}

// The verdict of one program for syscall `nr` of the native architecture.
seccomp::Verdict verdict_of(const seccomp::Program& program, long nr) {
  seccomp_data call{};
  call.nr = static_cast<int>(nr);
  call.arch = AUDIT_ARCH_X86_64;
  return seccomp::emulate(program.code, call);
}

bool denies(const seccomp::Program& program, long nr, int error) {
  const auto v = verdict_of(program, nr);
  return v.action == SECCOMP_RET_ERRNO && v.data == error;
}

// Each stacked policy is compiled on its own, after the policy's own filter: neither changes
// the other's verdicts, and the kernel runs both.
TEST(ResolveSeccomp, StackedPoliciesAreCompiledEachOnItsOwn) {
  Policy p;
  p.argv = {"true"};
  p.seccomp = denying("rmdir", EACCES);
  p.seccomp.exact = true;
  p.seccomp.origin = "linux.seccomp";
  p.seccomp.stacked.push_back(denying("mkdir", EPERM));
  p.seccomp.stacked.back().origin = "profile 'p.toml'";
  auto plan = resolve(p, Caller{1000, 1001, "/"}, {.summary = true});
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->seccomp.size(), 2u);
  EXPECT_TRUE(denies(plan->seccomp[0], SYS_rmdir, EACCES));
  EXPECT_EQ(verdict_of(plan->seccomp[0], SYS_mkdir).action, SECCOMP_RET_ALLOW);
  EXPECT_TRUE(denies(plan->seccomp[1], SYS_mkdir, EPERM));
  EXPECT_EQ(verdict_of(plan->seccomp[1], SYS_rmdir).action, SECCOMP_RET_ALLOW);
  EXPECT_EQ(plan->seccomp_stacked, (std::vector<std::string>{"profile 'p.toml'"}));
  // explain counts it as stacked, not as a ready program of --seccomp.
  const std::string text = explain::plan_text(*plan);
  EXPECT_NE(text.find("seccomp: also the filter of profile 'p.toml', compiled on its own and "
                      "stacked"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("ready BPF program"), std::string::npos) << text;
  // The exact filter gets nothing for exec; the stacked one, like cloister run's, allows it.
  // (Both let the other be installed.)
  Policy strict;
  strict.argv = {"true"};
  strict.seccomp.base = "none";
  strict.seccomp.default_action = SeccompAction{SeccompAction::Kind::Errno, EPERM};
  strict.seccomp.layers.push_back(
      {SeccompRule{"seccomp", {}, SeccompAction{SeccompAction::Kind::Allow, 0}, "test"}});
  SeccompPolicy same = strict.seccomp;
  strict.seccomp.exact = true;
  strict.seccomp.stacked.push_back(same);
  auto both = resolve(strict, Caller{1000, 1001, "/"});
  ASSERT_TRUE(both) << both.error().message();
  ASSERT_EQ(both->seccomp.size(), 2u);
  EXPECT_TRUE(denies(both->seccomp[0], SYS_execve, EPERM));
  EXPECT_EQ(verdict_of(both->seccomp[1], SYS_execve).action, SECCOMP_RET_ALLOW);
  // A stacked policy asking for no filter adds none.
  Policy none;
  none.argv = {"true"};
  none.seccomp.base = "none";
  none.seccomp.stacked.emplace_back();
  none.seccomp.stacked.back().base = "none";
  auto empty = resolve(none, Caller{1000, 1001, "/"});
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_TRUE(empty->seccomp.empty());
  EXPECT_TRUE(empty->seccomp_stacked.empty());
}

// A filter that forbids seccomp(2) (an allowlist without @sandbox) must be installed last of
// all; two of them cannot both be, which is said naming them.
TEST(ResolveSeccomp, AStackedFilterForbiddingSeccompIsInstalledLast) {
  // Everything but the exec of COMMAND fails with EACCES: seccomp(2) and prctl too.
  auto forbidding = [] {
    SeccompPolicy sp;
    sp.base = "none";
    sp.default_action = SeccompAction{SeccompAction::Kind::Errno, EACCES};
    return sp;
  };
  Policy p;
  p.argv = {"true"};
  p.seccomp = forbidding();
  p.seccomp.origin = "linux.seccomp";
  p.seccomp.stacked.push_back(denying("mkdir", EPERM));
  p.seccomp.stacked.back().origin = "the profile";
  auto plan = resolve(p, Caller{1000, 1001, "/"});
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->seccomp.size(), 2u);
  EXPECT_TRUE(denies(plan->seccomp[0], SYS_mkdir, EPERM));  // the profile's, first
  EXPECT_TRUE(denies(plan->seccomp[1], SYS_seccomp, EACCES));
  EXPECT_EQ(verdict_of(plan->seccomp[1], SYS_execve).action, SECCOMP_RET_ALLOW);

  p.seccomp.stacked.back() = forbidding();
  p.seccomp.stacked.back().origin = "the profile";
  auto refused = resolve(p, Caller{1000, 1001, "/"});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find(
                "cannot install both the filter of linux.seccomp and the filter of the profile"),
            std::string::npos)
      << refused.error().message();
}

}  // namespace
}  // namespace cloister
