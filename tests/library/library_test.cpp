// libcloister: the phases applied to a process, and what that process can still do and no
// longer do after each. Every test confines a forked child (a phase cannot be undone), which
// reports one line per probe over a pipe it keeps through its own confinement.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cloister/cloister.h"
#include "cloister/sandbox.hpp"

namespace {

using cloister::Phase;
using cloister::Sandbox;

// The child's side: "key value" lines to the parent.
class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}
  int fd() const { return fd_; }
  void say(const std::string& key, const std::string& value) const {
    const std::string line = key + " " + value + "\n";
    (void)!::write(fd_, line.data(), line.size());
  }

 private:
  int fd_;
};

struct Outcome {
  int status = -1;
  std::map<std::string, std::string> said;
  std::string get(const std::string& key) const {
    auto it = said.find(key);
    return it == said.end() ? "(not said)" : it->second;
  }
};

// Runs `body` in a forked child, which exits 0 when it returns.
Outcome in_child(const std::function<void(const Channel&)>& body) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ends[0]);
    body(Channel(ends[1]));
    ::_exit(0);
  }
  ::close(ends[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(ends[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(ends[0]);
  Outcome out;
  ::waitpid(pid, &out.status, 0);
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    const std::size_t space = line.find(' ');
    out.said[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string result_of(long rc) {
  if (rc >= 0) return "ok";
  const char* name = strerrorname_np(errno);
  return name ? name : std::to_string(errno);
}

std::string status_of(const cloister::Status& s) { return s ? "ok" : s.error().message(); }

// What the kernel refuses this caller of the first steps of the library's namespace mode,
// asked directly in a child: unshare (a user namespace unless root, whose sandbox gets
// none; a mount namespace), then making the mount tree private from its root (refused in a
// chroot whose root is not a mount point). Each "" where it works.
struct KernelRefusals {
  std::string unshare, private_mounts;
};

const KernelRefusals& kernel_refusals() {
  static const KernelRefusals refusals = [] {
    const bool root = ::geteuid() == 0;
    const int flags = root ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS;
    const std::string call = root ? "unshare(CLONE_NEWNS)" : "unshare(CLONE_NEWUSER|CLONE_NEWNS)";
    auto out = in_child([&](const Channel& ch) {
      if (::unshare(flags) != 0) return ch.say("unshare", call + ": " + std::strerror(errno));
      ch.say("unshare", "ok");
      const bool made_private = ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
      ch.say("private", made_private ? "ok"
                                     : std::string("mount(\"/\", MS_REC|MS_PRIVATE): ") +
                                           std::strerror(errno));
    });
    auto refusal = [](const std::string& said) { return said == "ok" ? "" : said; };
    return KernelRefusals{refusal(out.get("unshare")), refusal(out.get("private"))};
  }();
  return refusals;
}

// Why the tests that enter namespaces skip here, or "": the kernel refuses this caller
// the namespaces themselves.
std::string unshare_refused() {
  const auto& why = kernel_refusals().unshare;
  return why.empty() ? "" : "the kernel refuses this caller namespaces here (" + why + ")";
}

// Why the tests that confine in namespace mode skip here, or "": the kernel refuses the
// namespaces or private mounts in them.
std::string namespaces_refused() {
  if (auto why = unshare_refused(); !why.empty()) return why;
  const auto& why = kernel_refusals().private_mounts;
  return why.empty() ? "" : "the kernel refuses this caller private mounts here (" + why + ")";
}

int landlock_abi() {
  const long abi = ::syscall(444 /* landlock_create_ruleset */, nullptr, 0, 1U /* VERSION */);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/cloister-lib-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    ::chmod(dir_.c_str(), 0755);
    std::filesystem::create_directory(dir_ + "/data");
    write(dir_ + "/data/hello.txt", "hello from data\n");
    write(dir_ + "/secret", "host secret\n");
    std::filesystem::create_symlink(dir_ + "/secret", dir_ + "/data/abs-link");
    std::filesystem::create_symlink("../secret", dir_ + "/data/rel-link");
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_))
      if (!e.is_symlink()) ::chmod(e.path().c_str(), e.is_directory() ? 0755 : 0644);
  }
  ~TempTree() { std::filesystem::remove_all(dir_); }
  const std::string& path() const { return dir_; }

 private:
  static void write(const std::string& path, const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  std::string dir_;
};

// The allowlist of the phases test: what the probes and the sanitizer runtime use, not
// socket, connect or uname, whose refusal the test looks for. Anything else: EPERM.
const char* kProbeProfile = R"(
[seccomp]
base = "none"
default = "errno:EPERM"
allow = ["read", "write", "openat", "close", "accept4", "accept", "kill", "getpid", "getppid",
         "gettid", "exit", "exit_group", "mmap", "munmap", "mprotect", "madvise", "brk",
         "rt_sigprocmask", "rt_sigaction", "futex", "sched_yield", "newfstatat", "fstat",
         "lseek", "clock_gettime", "sigaltstack", "prctl", "getrandom", "pread64", "readlink"]
)";

// One round of probes, each said as "PHASE.PROBE RESULT".
struct Probes {
  const Channel& out;
  std::string secret;     // a host path
  int listener = -1;      // opened before confinement, serves the early client
  int target = -1;        // another host listener, which probes try to reach
  sockaddr_in address{};  // the target's
  int data_dir = -1;      // O_PATH, opened before confinement
  pid_t host_process = 0;

  void run(const std::string& phase) const {
    const int fd = ::open(secret.c_str(), O_RDONLY | O_CLOEXEC);
    out.say(phase + ".host-file", result_of(fd));
    if (fd >= 0) ::close(fd);
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    out.say(phase + ".new-socket", result_of(s));
    if (s >= 0) {
      const long rc = ::connect(s, reinterpret_cast<const sockaddr*>(&address), sizeof address);
      out.say(phase + ".reach-host-listener", result_of(rc));
      ::close(s);
      if (rc == 0) drain_one();
    }
    utsname u{};
    out.say(phase + ".outside-allowlist", result_of(::uname(&u)));
    // A daemon's allowlist gets no implicit exec (cloister run's filters allow it for COMMAND).
    char* const no_args[] = {nullptr};
    out.say(phase + ".exec", result_of(::execve("/nonexistent/program", no_args, no_args)));
    out.say(phase + ".signal-host", result_of(::kill(host_process, 0)));
    const int file = ::openat(data_dir, "hello.txt", O_RDONLY | O_CLOEXEC);
    out.say(phase + ".preopened-dir", result_of(file));
    if (file >= 0) ::close(file);
  }
  // A connection the probe made: accepted and closed, so the target's queue is empty again.
  void drain_one() const {
    const int c = ::accept4(target, nullptr, nullptr, SOCK_CLOEXEC);
    if (c >= 0) ::close(c);
  }
};

// A TCP listener on 127.0.0.1 and a free port; its address in `address`.
int listen_on_loopback(sockaddr_in& address) {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof address;
  if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&address), len) != 0 || ::listen(s, 8) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&address), &len) != 0)
    return -1;
  return s;
}

TEST(Phases, WhatTheProcessCanAndCannotDoAfterEach) {
  if (auto why = namespaces_refused(); !why.empty()) GTEST_SKIP() << why;
  TempTree tree;
  const pid_t host_process = ::getpid();
  const bool signal_scope = landlock_abi() >= 6;
  auto out = in_child([&](const Channel& ch) {
    auto sandbox = Sandbox::from_profile_text(kProbeProfile, "probe.toml");
    if (!sandbox) return ch.say("load", sandbox.error().message());
    cloister::Policy& p = sandbox->policy();
    p.ns.net = cloister::Want::Yes;
    if (signal_scope) p.landlock.scope_signal = true;
    Probes probes{ch, tree.path() + "/secret"};
    probes.host_process = host_process;
    sockaddr_in listening{};
    probes.listener = listen_on_loopback(listening);
    probes.target = listen_on_loopback(probes.address);
    if (probes.listener < 0 || probes.target < 0) return ch.say("listen", result_of(-1));
    // A client connected before confinement: the pre-opened socket serves it afterwards.
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(client, reinterpret_cast<sockaddr*>(&listening), sizeof listening) != 0)
      return ch.say("connect", result_of(-1));
    ch.say("compile", status_of(sandbox->compile()));
    for (int fd : {ch.fd(), probes.listener, probes.target, client}) (void)sandbox->keep(fd);
    auto dir = sandbox->open(tree.path() + "/data", O_PATH | O_DIRECTORY);
    if (!dir) return ch.say("open", dir.error().message());
    probes.data_dir = *dir;
    probes.run("compiled");
    ch.say("namespaces", status_of(sandbox->enter_namespaces()));
    probes.run("namespaces");
    ch.say("filesystem", status_of(sandbox->enter_filesystem()));
    probes.run("filesystem");
    ch.say("privileges", status_of(sandbox->drop_privileges()));
    probes.run("privileges");
    ch.say("seccomp", status_of(sandbox->apply_seccomp()));
    probes.run("seccomp");
    // Serving the pre-opened socket: accept the early client, answer it, read the answer.
    const int served = ::accept4(probes.listener, nullptr, nullptr, SOCK_CLOEXEC);
    const bool answered = served >= 0 && ::write(served, "pong", 4) == 4;
    char reply[8] = {};
    ch.say("serve", answered && ::read(client, reply, 4) == 4 && std::string(reply) == "pong"
                        ? "ok"
                        : result_of(-1));
    ch.say("phase", cloister::phase_name(sandbox->phase()));
  });
  ASSERT_TRUE(WIFEXITED(out.status)) << out.status;
  for (const char* phase : {"compile", "namespaces", "filesystem", "privileges", "seccomp"})
    ASSERT_EQ(out.get(phase), "ok") << phase;
  // Before confinement everything works.
  for (const char* probe : {"host-file", "new-socket", "reach-host-listener", "outside-allowlist",
                            "signal-host", "preopened-dir"})
    EXPECT_EQ(out.get(std::string("compiled.") + probe), "ok") << probe;
  // Namespaces: a network of its own, the host's listener out of reach.
  EXPECT_EQ(out.get("namespaces.reach-host-listener"), "ECONNREFUSED");
  EXPECT_EQ(out.get("namespaces.host-file"), "ok");
  // Filesystem: the host's files are gone.
  EXPECT_EQ(out.get("filesystem.host-file"), "ENOENT");
  // Privileges: Landlock's signal scope (ABI 6) keeps it from signalling the host.
  if (signal_scope)
    EXPECT_EQ(out.get("privileges.signal-host"), "EPERM");
  else
    std::printf("[ SKIPPED  ] signal scope: Landlock ABI %d < 6 on this kernel\n", landlock_abi());
  EXPECT_EQ(out.get("privileges.new-socket"), "ok");
  // Seccomp: no new sockets, nothing outside the allowlist.
  EXPECT_EQ(out.get("seccomp.new-socket"), "EPERM");
  EXPECT_EQ(out.get("seccomp.outside-allowlist"), "EPERM");
  EXPECT_EQ(out.get("privileges.exec"), "ENOENT");
  EXPECT_EQ(out.get("seccomp.exec"), "EPERM");
  // What it still can: the descriptors opened before.
  EXPECT_EQ(out.get("seccomp.preopened-dir"), "ok");
  EXPECT_EQ(out.get("serve"), "ok");
  EXPECT_EQ(out.get("phase"), "seccomp");
}

TEST(Phases, OutOfOrderOrTwiceIsAnErrorSayingSo) {
  if (auto why = namespaces_refused(); !why.empty()) GTEST_SKIP() << why;
  auto out = in_child([](const Channel& ch) {
    Sandbox sandbox;
    ch.say("filesystem-first", status_of(sandbox.enter_filesystem()));
    ch.say("compile", status_of(sandbox.compile()));
    ch.say("compile-again", status_of(sandbox.compile()));
    ch.say("seccomp-early", status_of(sandbox.apply_seccomp()));
    auto daemon = sandbox.daemonize("");
    ch.say("daemonize-early", daemon ? "ok" : daemon.error().message());
    ch.say("profile-late", status_of(sandbox.load_profile_text("", "late.toml")));
    (void)sandbox.keep(ch.fd());
    ch.say("namespaces", status_of(sandbox.enter_namespaces()));
    ch.say("namespaces-again", status_of(sandbox.enter_namespaces()));
    ch.say("confine", status_of(sandbox.confine()));
    ch.say("confine-again", status_of(sandbox.confine()));
  });
  ASSERT_TRUE(WIFEXITED(out.status));
  EXPECT_NE(out.get("filesystem-first").find("called before phase namespaces"), std::string::npos)
      << out.get("filesystem-first");
  EXPECT_EQ(out.get("compile"), "ok");
  EXPECT_NE(out.get("compile-again").find("applied twice"), std::string::npos);
  EXPECT_NE(out.get("seccomp-early").find("called before phase privileges"), std::string::npos);
  EXPECT_NE(out.get("daemonize-early").find("between the namespaces and the filesystem"),
            std::string::npos);
  EXPECT_NE(out.get("profile-late").find("after compile()"), std::string::npos);
  EXPECT_EQ(out.get("namespaces"), "ok");
  EXPECT_NE(out.get("namespaces-again").find("applied twice"), std::string::npos);
  EXPECT_EQ(out.get("confine"), "ok");
  EXPECT_NE(out.get("confine-again").find("applied twice"), std::string::npos);
}

TEST(Phases, AFailedPhaseStopsTheLaterOnes) {
  if (auto why = namespaces_refused(); !why.empty()) GTEST_SKIP() << why;
  TempTree tree;
  auto out = in_child([&](const Channel& ch) {
    Sandbox sandbox;
    cloister::FsOp missing;
    missing.kind = cloister::FsOp::Kind::Bind;
    missing.source = tree.path() + "/data";
    missing.dest = "/data";
    sandbox.policy().fs.push_back(missing);
    ch.say("compile", status_of(sandbox.compile()));
    std::filesystem::remove_all(tree.path() + "/data");  // gone before the filesystem phase
    ch.say("namespaces", status_of(sandbox.enter_namespaces()));
    ch.say("filesystem", status_of(sandbox.enter_filesystem()));
    ch.say("privileges", status_of(sandbox.drop_privileges()));
  });
  EXPECT_EQ(out.get("compile"), "ok");
  EXPECT_EQ(out.get("namespaces"), "ok");
  EXPECT_NE(out.get("filesystem").find(tree.path() + "/data"), std::string::npos)
      << out.get("filesystem");
  EXPECT_NE(out.get("privileges").find("an earlier phase failed"), std::string::npos)
      << out.get("privileges");
  EXPECT_NE(out.get("privileges").find("should exit"), std::string::npos);
}

// A thread running before confinement: tells it started, then calls uname (outside the
// allowlist) once told to. A plain pthread: UBSan's checks in std::thread's teardown probe
// memory with calls the allowlist refuses.
struct OtherThread {
  int started[2] = {-1, -1};
  int go[2] = {-1, -1};
  std::string seen;
  static void* run(void* self) {
    auto* t = static_cast<OtherThread*>(self);
    char byte;
    (void)!::write(t->started[1], "s", 1);
    if (::read(t->go[0], &byte, 1) == 1) {
      utsname u{};
      t->seen = result_of(::uname(&u));
    }
    return nullptr;
  }
};

TEST(Phases, SeccompReachesThreadsStartedBefore) {
  if (auto why = namespaces_refused(); !why.empty()) GTEST_SKIP() << why;
  auto out = in_child([](const Channel& ch) {
    auto sandbox = Sandbox::from_profile_text(kProbeProfile, "probe.toml");
    if (!sandbox) return ch.say("load", sandbox.error().message());
    (void)sandbox->keep(ch.fd());
    OtherThread other;
    if (::pipe(other.go) != 0 || ::pipe(other.started) != 0) return;
    for (int fd : {other.go[0], other.go[1], other.started[0], other.started[1]})
      (void)sandbox->keep(fd);
    // A new user namespace needs a single-threaded process: the thread starts after.
    ch.say("compile", status_of(sandbox->compile()));
    ch.say("namespaces", status_of(sandbox->enter_namespaces()));
    pthread_t thread;
    if (::pthread_create(&thread, nullptr, OtherThread::run, &other) != 0) return;
    char byte;
    (void)!::read(other.started[0], &byte, 1);
    ch.say("confine", status_of(sandbox->confine()));
    (void)!::write(other.go[1], "x", 1);
    ::pthread_join(thread, nullptr);
    ch.say("other-thread", other.seen);
  });
  ASSERT_EQ(out.get("namespaces"), "ok");
  ASSERT_EQ(out.get("confine"), "ok");
  EXPECT_EQ(out.get("other-thread"), "EPERM") << "the filter is synchronised to every thread";
  EXPECT_TRUE(WIFEXITED(out.status) && WEXITSTATUS(out.status) == 0) << out.status;
}

TEST(Phases, AThreadBeforeAUserNamespaceIsExplained) {
  if (::geteuid() == 0) GTEST_SKIP() << "root's sandbox gets no user namespace";
  if (auto why = namespaces_refused(); !why.empty()) GTEST_SKIP() << why;
  auto out = in_child([](const Channel& ch) {
    Sandbox sandbox;
    ch.say("compile", status_of(sandbox.compile()));
    OtherThread other;
    if (::pipe(other.go) != 0 || ::pipe(other.started) != 0) return;
    pthread_t thread;
    if (::pthread_create(&thread, nullptr, OtherThread::run, &other) != 0) return;
    char byte;
    (void)!::read(other.started[0], &byte, 1);
    ch.say("namespaces", status_of(sandbox.enter_namespaces()));
    (void)!::write(other.go[1], "x", 1);
    ::pthread_join(thread, nullptr);
  });
  EXPECT_EQ(out.get("compile"), "ok");
  EXPECT_NE(out.get("namespaces").find("before starting threads"), std::string::npos)
      << out.get("namespaces");
}

TEST(Compile, WhatOnlyALaunchedCommandHasIsRefused) {
  struct Case {
    const char* name;
    std::function<void(cloister::Policy&)> set;
    const char* said;
  };
  const Case cases[] = {
      {"argv", [](cloister::Policy& p) { p.argv = {"/bin/true"}; }, "command line"},
      {"env",
       [](cloister::Policy& p) {
         p.env.push_back({cloister::EnvOp::Kind::Clear, "", ""});
       },
       "environment"},
      {"cgroup", [](cloister::Policy& p) { p.cgroup.pids_max = 5; }, "cgroup"},
      {"default root", [](cloister::Policy& p) { p.default_root = true; }, "default system view"},
      {"pasta", [](cloister::Policy& p) { p.net = cloister::NetMode::Pasta; }, "pasta"},
  };
  for (const auto& c : cases) {
    Sandbox sandbox;
    c.set(sandbox.policy());
    auto s = sandbox.compile();
    ASSERT_FALSE(s) << c.name;
    EXPECT_NE(s.error().message().find(c.said), std::string::npos) << s.error().message();
    EXPECT_NE(s.error().message().find("applies to a launched COMMAND"), std::string::npos);
  }
}

TEST(Compile, ProfileErrorsNameFileLineAndColumn) {
  auto sandbox =
      Sandbox::from_profile_text("[namespaces]\npid = 3\n[process]\nuid = -1\n", "daemon.toml");
  ASSERT_FALSE(sandbox);
  const std::string m = sandbox.error().message();
  EXPECT_NE(m.find("daemon.toml:2:7"), std::string::npos) << m;
  EXPECT_NE(m.find("daemon.toml:4:7"), std::string::npos) << m;
}

TEST(Compile, AProfileFillsNamespacesIdsAndCapabilities) {
  auto sandbox = Sandbox::from_profile_text(
      "[namespaces]\npid = true\nuser = \"try\"\nipc = false\n"
      "[process]\nuid = 1000\ngid = 100\ncapabilities = [\"CAP_NET_BIND_SERVICE\"]\n",
      "daemon.toml");
  ASSERT_TRUE(sandbox) << sandbox.error().message();
  const auto& p = sandbox->policy();
  EXPECT_EQ(p.ns.pid, cloister::Want::Yes);
  EXPECT_EQ(p.ns.user, cloister::Want::Try);
  EXPECT_EQ(p.ns.ipc, cloister::Want::No);
  EXPECT_EQ(p.id.uid, 1000u);
  EXPECT_EQ(p.id.gid, 100u);
  ASSERT_EQ(p.caps.size(), 1u);
  EXPECT_EQ(p.caps[0].cap, 10);  // CAP_NET_BIND_SERVICE
}

TEST(Foreground, APidNamespaceNeedsDaemonize) {
  if (auto why = unshare_refused(); !why.empty()) GTEST_SKIP() << why;
  auto out = in_child([](const Channel& ch) {
    Sandbox sandbox;
    sandbox.policy().ns.pid = cloister::Want::Yes;
    ch.say("compile", status_of(sandbox.compile()));
    ch.say("namespaces", status_of(sandbox.enter_namespaces()));
    ch.say("filesystem", status_of(sandbox.enter_filesystem()));
  });
  EXPECT_EQ(out.get("namespaces"), "ok");
  EXPECT_NE(out.get("filesystem").find("cannot enter a new PID namespace itself"),
            std::string::npos)
      << out.get("filesystem");
}

TEST(Root, KeepsAListedCapabilityUnderHostIdsWithoutAUserNamespace) {
  if (::geteuid() != 0) GTEST_SKIP() << "switching to other host ids needs root";
  if (auto why = namespaces_refused(); !why.empty()) GTEST_SKIP() << why;
  auto out = in_child([](const Channel& ch) {
    auto sandbox = Sandbox::from_profile_text(
        "[process]\nuid = 65534\ngid = 65534\ncapabilities = [\"CAP_NET_BIND_SERVICE\"]\n"
        "[filesystem]\nops = [{ proc = \"/proc\" }]\n",
        "root-daemon.toml");
    if (!sandbox) return ch.say("load", sandbox.error().message());
    (void)sandbox->keep(ch.fd());
    ch.say("confine", status_of(sandbox->confine()));
    ch.say("uid", std::to_string(::getuid()) + "/" + std::to_string(::geteuid()));
    ch.say("gid", std::to_string(::getgid()));
    char userns[64] = {};
    (void)!::readlink("/proc/self/ns/user", userns, sizeof userns - 1);
    ch.say("userns", userns);
    // Port 80 needs CAP_NET_BIND_SERVICE; uid 65534 has it only because it was kept.
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(80);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ch.say("bind80", result_of(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a)));
  });
  ASSERT_EQ(out.get("confine"), "ok");
  EXPECT_EQ(out.get("uid"), "65534/65534");
  EXPECT_EQ(out.get("gid"), "65534");
  char host_userns[64] = {};
  (void)!::readlink("/proc/self/ns/user", host_userns, sizeof host_userns - 1);
  EXPECT_EQ(out.get("userns"), host_userns) << "root's daemon gets no user namespace";
  // No network namespace was asked: the host's loopback, where port 80 may be taken.
  EXPECT_TRUE(out.get("bind80") == "ok" || out.get("bind80") == "EADDRINUSE") << out.get("bind80");
}

TEST(ChrootMode, TheDirectoryIsTheRootAndThereIsNoWayBack) {
  if (::geteuid() != 0) GTEST_SKIP() << "chroot mode needs CAP_SYS_CHROOT (root)";
  TempTree tree;
  auto out = in_child([&](const Channel& ch) {
    Sandbox sandbox;
    sandbox.policy().mode = cloister::SandboxMode::Chroot;
    cloister::FsOp root;
    root.kind = cloister::FsOp::Kind::Bind;
    root.source = tree.path() + "/data";
    root.dest = "/";
    sandbox.policy().fs.push_back(root);
    (void)sandbox.keep(ch.fd());
    ch.say("confine", status_of(sandbox.confine()));
    ch.say("mode", sandbox.mode() == cloister::SandboxMode::Chroot ? "chroot" : "namespace");
    ch.say("notices", std::to_string(sandbox.notices().size()));
    for (const char* path : {"/hello.txt", "/../secret", "abs-link", "rel-link"}) {
      const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
      ch.say(std::string("open:") + path, result_of(fd));
    }
    ::mkdir("/inner", 0755);
    ch.say("chroot-again", result_of(::chroot("/inner")));
  });
  ASSERT_EQ(out.get("confine"), "ok");
  EXPECT_EQ(out.get("mode"), "chroot");
  EXPECT_NE(out.get("notices"), "0") << "chroot mode says what it does without";
  EXPECT_EQ(out.get("open:/hello.txt"), "ok");
  EXPECT_EQ(out.get("open:/../secret"), "ENOENT");
  EXPECT_EQ(out.get("open:abs-link"), "ENOENT");
  EXPECT_EQ(out.get("open:rel-link"), "ENOENT");
  EXPECT_EQ(out.get("chroot-again"), "EPERM");
}

TEST(CApi, ErrorsAreMessagesNeverExceptions) {
  EXPECT_EQ(cloister_compile(nullptr), -1);
  EXPECT_STREQ(cloister_error(nullptr), "");
  cloister_sandbox* sb = cloister_sandbox_new();
  ASSERT_NE(sb, nullptr);
  EXPECT_EQ(cloister_set_mode(sb, "sideways"), -1);
  EXPECT_NE(std::string(cloister_error(sb)).find("namespace, chroot or auto"), std::string::npos);
  EXPECT_EQ(cloister_errno(sb), EINVAL);
  EXPECT_EQ(cloister_keep_capability(sb, "CAP_FLY"), -1);
  EXPECT_EQ(cloister_load_profile_string(sb, "[seccomp]\nallow = [\"no_such_call\"]\n", "c.toml"),
            -1);
  EXPECT_NE(std::string(cloister_error(sb)).find("no_such_call"), std::string::npos)
      << cloister_error(sb);
  EXPECT_EQ(cloister_bind(sb, "/nonexistent/dir", "/srv", 1), 0);
  EXPECT_EQ(cloister_compile(sb), -1);
  EXPECT_NE(std::string(cloister_error(sb)).find("/nonexistent/dir"), std::string::npos)
      << cloister_error(sb);
  // compile failed: nothing to apply, and nothing applied to this process.
  EXPECT_EQ(cloister_enter_namespaces(sb), -1);
  EXPECT_NE(std::string(cloister_error(sb)).find("an earlier phase failed"), std::string::npos)
      << cloister_error(sb);
  EXPECT_EQ(cloister_open(sb, "/nonexistent/x", O_RDONLY, 0), -1);
  EXPECT_EQ(cloister_errno(sb), ENOENT);
  EXPECT_NE(std::string(cloister_error(sb)).find("/nonexistent/x"), std::string::npos);
  cloister_sandbox_free(sb);
}

TEST(CApi, PhasesInOrderConfineTheCaller) {
  if (auto why = namespaces_refused(); !why.empty()) GTEST_SKIP() << why;
  TempTree tree;
  auto out = in_child([&](const Channel& ch) {
    cloister_sandbox* sb = cloister_sandbox_new();
    const std::string data = tree.path() + "/data";
    if (cloister_bind(sb, data.c_str(), "/srv", 1) != 0 || cloister_keep_fd(sb, ch.fd()) != 0)
      return ch.say("setup", cloister_error(sb));
    int rc = cloister_compile(sb);
    if (rc == 0) rc = cloister_enter_namespaces(sb);
    if (rc == 0) rc = cloister_enter_filesystem(sb);
    if (rc == 0) rc = cloister_drop_privileges(sb);
    if (rc == 0) rc = cloister_apply_seccomp(sb);
    ch.say("phases", rc == 0 ? "ok" : cloister_error(sb));
    ch.say("mode", cloister_mode(sb));
    ch.say("read", result_of(::open("/srv/hello.txt", O_RDONLY)));
    ch.say("write", result_of(::open("/srv/new", O_WRONLY | O_CREAT, 0644)));
    ch.say("host", result_of(::open(data.c_str(), O_RDONLY)));
    cloister_sandbox_free(sb);
  });
  ASSERT_EQ(out.get("phases"), "ok");
  EXPECT_EQ(out.get("mode"), "namespace");
  EXPECT_EQ(out.get("read"), "ok");
  EXPECT_EQ(out.get("write"), "EROFS");
  EXPECT_EQ(out.get("host"), "ENOENT");
}

}  // namespace
