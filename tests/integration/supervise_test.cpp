// cloister supervise, run for real: a group of services started in order, kept apart from
// each other, restarted, stopped (also past the shutdown timeout), killed with the process it
// must die with; then the process table and the cgroup trees are searched for leftovers.
// As root the services run under real host uids without a user namespace; as uid 65534 they
// share one user namespace (the same tests, where they apply).

#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <thread>

#include "harness.hpp"

namespace cloister_it {
namespace {

using std::chrono::seconds;

std::string unique(const std::string& base) {
  return base + std::to_string(::getpid()) + "x" +
         std::to_string(Clock::now().time_since_epoch().count() % 100000);
}

// `cloister supervise ARGS...`, its JSON lines on stdout (--status-fd 1).
Argv supervise(const Argv& args) {
  Argv argv{kCloister, "supervise", "--status-fd", "1"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// The children of `pid` (by /proc/PID/task/*/children).
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  for (const auto& task : list_dir("/proc/" + std::to_string(pid) + "/task")) {
    std::string text = read_text("/proc/" + std::to_string(pid) + "/task/" + task + "/children");
    std::size_t pos = 0;
    while (pos < text.size()) {
      const auto end = text.find(' ', pos);
      const std::string word = text.substr(pos, end == std::string::npos ? end : end - pos);
      if (!word.empty()) out.push_back(static_cast<pid_t>(std::atol(word.c_str())));
      if (end == std::string::npos) break;
      pos = end + 1;
    }
  }
  return out;
}

unsigned long pid_namespace_of(pid_t pid) {
  struct stat st {};
  if (::stat(("/proc/" + std::to_string(pid) + "/ns/pid").c_str(), &st) != 0) return 0;
  return static_cast<unsigned long>(st.st_ino);
}

// The group's PID namespace: the one of supervise's child that is not in ours (the manager).
unsigned long group_pid_namespace(pid_t supervise) {
  const auto deadline = Clock::now() + seconds(10);
  while (Clock::now() < deadline) {
    for (pid_t child : children_of(supervise)) {
      const auto ns = pid_namespace_of(child);
      if (ns != 0 && ns != own_namespace("pid")) return ns;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return 0;
}

// cgroup directories whose name starts with `prefix`, anywhere in the first levels of the
// cgroup trees (v2 and every v1 hierarchy).
void find_cgroups(const std::string& dir, const std::string& prefix, int depth,
                  std::vector<std::string>& found) {
  if (depth == 0) return;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
    const std::string name = e->d_name;
    if (name.rfind(prefix, 0) == 0) found.push_back(dir + "/" + name);
    find_cgroups(dir + "/" + name, prefix, depth - 1, found);
  }
  ::closedir(d);
}

std::vector<std::string> cgroups_named(const std::string& prefix) {
  std::vector<std::string> found;
  find_cgroups("/sys/fs/cgroup", prefix, 6, found);
  return found;
}

// The JSON events of one kind for one service, in order.
std::vector<std::string> events(const std::string& out, const std::string& kind,
                                const std::string& service) {
  std::vector<std::string> found;
  for (const auto& line : lines_of(out))
    if (line.find("\"event\": \"" + kind + "\"") != std::string::npos &&
        line.find("\"service\": \"" + service + "\"") != std::string::npos)
      found.push_back(line);
  return found;
}

std::size_t index_of(const std::string& out, const std::string& kind, const std::string& service) {
  const auto lines = lines_of(out);
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find("\"event\": \"" + kind + "\"") != std::string::npos &&
        lines[i].find("\"service\": \"" + service + "\"") != std::string::npos)
      return i;
  return std::string::npos;
}

std::string skip_reason() {
  if (!namespaces_refused().empty()) return namespaces_refused();
  return "";
}

#define SKIP_WITHOUT_NAMESPACES()                              \
  do {                                                         \
    if (!skip_reason().empty()) GTEST_SKIP() << skip_reason(); \
  } while (0)

// A shell service: ready once it wrote a line to fd 3.
std::string shell_service(const std::string& name, const std::string& script,
                          const std::string& extra = "") {
  return "[service." + name + "]\ncommand = [\"/bin/sh\", \"-c\", " + "\"" + script +
         "\"]\nready = { fd = 3 }\n" + extra + "\n";
}

// A free TCP port on loopback (bound, then released: the server binds it next).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// An HTTP GET of / on loopback; the status line, "" when nothing answers within `timeout`.
std::string http_status(int port, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const std::string request = "GET / HTTP/1.0\r\n\r\n";
      if (::write(fd.get(), request.data(), request.size()) == static_cast<ssize_t>(request.size()))
        return read_line(fd.get(), seconds(5));
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return "";
}

// Three real programs: python3's HTTP server on loopback, then two shells, each started once
// the one before is ready, stopped in reverse.
TEST(Supervise, StartsInOrderBecomesReadyAndStopsCleanly) {
  SKIP_WITHOUT_NAMESPACES();
  TempDir dir;
  const std::string prefix = unique("ord");
  const std::string a = prefix + "a", b = prefix + "b", c = prefix + "c";
  const int port = free_port();
  ASSERT_GT(port, 0);
  const std::string group =
      "[group]\nname = \"order\"\nshutdown-timeout = 5\n\n" +
      shell_service(c, "sleep 0.2; echo ready >&3; exec sleep 1000", "after = [\"" + b + "\"]") +
      "[service." + a +
      "]\ncommand = [\"/usr/bin/python3\", \"-m\", \"http.server\", \"--bind\", "
      "\"127.0.0.1\", \"" +
      std::to_string(port) + "\"]\n[service." + a + ".profile.network]\nmode = \"host\"\n\n" +
      shell_service(b, "echo hello from b; echo ready >&3; exec sleep 1000",
                    "after = [\"" + a + "\"]");
  Process p(supervise({dir.write("group.toml", group)}), {});
  ASSERT_TRUE(p.wait_for_output("\"event\": \"ready\", \"service\": \"" + c + "\"", seconds(20)))
      << p.out();
  EXPECT_EQ(http_status(port, seconds(10)).rfind("HTTP/1.0 200", 0), 0u) << "the server serves";
  const auto ns = group_pid_namespace(p.pid());
  ASSERT_NE(ns, 0u);
  EXPECT_EQ(processes_in_pid_namespace(ns).size(), 4u) << "the manager and three services";
  p.signal(SIGTERM);
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  // In order: b starts only once a is ready (executed), c once b is.
  EXPECT_LT(index_of(r.out, "ready", a), index_of(r.out, "started", b)) << r.out;
  EXPECT_LT(index_of(r.out, "ready", b), index_of(r.out, "started", c)) << r.out;
  // Stopped in reverse: c, then b, then a.
  EXPECT_LT(index_of(r.out, "exited", c), index_of(r.out, "stopping", b)) << r.out;
  EXPECT_LT(index_of(r.out, "exited", b), index_of(r.out, "stopping", a)) << r.out;
  EXPECT_NE(r.err.find(b + ": hello from b\n"), std::string::npos) << "line-prefixed output\n"
                                                                   << r.err;
  EXPECT_NE(r.err.find(a + ": 127.0.0.1 - - "), std::string::npos) << "the server's log\n" << r.err;
  EXPECT_NE(r.out.find("\"event\": \"done\""), std::string::npos);
  EXPECT_TRUE(pid_namespace_empties(ns, seconds(5)));
  EXPECT_TRUE(cgroups_named(prefix).empty());
}

// A probe service tries to reach a sibling: signal, ptrace, its abstract socket, its /tmp.
// Both share the host's network namespace (--net=unix, as Spectrum's services would): only
// Landlock's abstract-unix scope keeps the probe from the target's socket.
TEST(Supervise, ServicesCannotReachEachOther) {
  SKIP_WITHOUT_NAMESPACES();
  TempDir dir;
  const std::string prefix = unique("iso");
  const std::string target = prefix + "target", probe = prefix + "probe";
  const std::string socket_name = prefix + "-sock";
  dir.write("target.py",
            "import os, socket, sys, time\n"
            "open('/tmp/secret', 'w').write('s3cret')\n"
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
            "s.bind('\\0" +
                socket_name +
                "')\n"
                "s.listen(4)\n"
                "os.write(3, b'ready\\n')\n"
                "while True:\n"
                "    c, _ = s.accept()\n"
                "    c.sendall(b'hi')\n"
                "    c.close()\n");
  dir.write(
      "probe.py",
      "import ctypes, errno, os, signal, socket\n"
      "me = os.getpid()\n"
      "target = None\n"
      "for pid in os.listdir('/proc'):\n"
      "    if not pid.isdigit() or int(pid) == me: continue\n"
      "    try: cmd = open('/proc/%s/cmdline' % pid, 'rb').read()\n"
      "    except OSError: continue\n"
      "    if b'target.py' in cmd: target = int(pid)\n"
      "print('target-found', target is not None, flush=True)\n"
      "def attempt(name, f):\n"
      "    try:\n"
      "        f(); print(name, 'ALLOWED', flush=True)\n"
      "    except OSError as e: print(name, errno.errorcode.get(e.errno, e.errno), flush=True)\n"
      "attempt('kill', lambda: os.kill(target, signal.SIGTERM))\n"
      "libc = ctypes.CDLL(None, use_errno=True)\n"
      "def ptrace():\n"
      "    if libc.ptrace(16, target, 0, 0) != 0:\n"
      "        e = ctypes.get_errno(); raise OSError(e, os.strerror(e))\n"
      "attempt('ptrace', ptrace)\n"
      "def connect():\n"
      "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
      "    s.connect('\\0" +
          socket_name +
          "')\n"
          "attempt('abstract', connect)\n"
          "attempt('tmp', lambda: open('/tmp/secret').read())\n"
          "attempt('proc-root', lambda: open('/proc/%d/root/tmp/secret' % target).read())\n");
  const std::string group =
      "[group]\nname = \"isolation\"\nshutdown-timeout = 5\n\n[service." + target +
      "]\ncommand = [\"/usr/bin/python3\", \"" + dir / "target.py" +
      "\"]\nready = { fd = 3 }\n[service." + target +
      ".profile.filesystem]\nops = [{ ro-bind = [\"" + dir.path() + "\", \"" + dir.path() +
      "\"] }]\n[service." + target + ".profile.network]\nmode = \"unix\"\n\n[service." + probe +
      "]\ncommand = [\"/usr/bin/python3\", \"" + dir / "probe.py" + "\"]\nafter = [\"" + target +
      "\"]\n[service." + probe + ".profile.filesystem]\nops = [{ ro-bind = [\"" + dir.path() +
      "\", \"" + dir.path() + "\"] }]\n[service." + probe + ".profile.network]\nmode = \"unix\"\n";
  Process p(supervise({dir.write("group.toml", group)}), {});
  ASSERT_TRUE(
      p.wait_for_output("\"event\": \"exited\", \"service\": \"" + probe + "\"", seconds(30)))
      << p.out();
  p.signal(SIGTERM);
  auto r = p.finish();
  const std::string said = probe + ": ";
  EXPECT_NE(r.err.find(said + "target-found True"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find(said + "kill EPERM"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find(said + "ptrace EPERM"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find(said + "abstract EPERM"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find(said + "tmp ENOENT"), std::string::npos) << r.describe();
  EXPECT_EQ(r.err.find("ALLOWED"), std::string::npos) << r.describe();
  EXPECT_EQ(r.err.find(said + "proc-root s3cret"), std::string::npos) << r.describe();
  // The target was not disturbed: it stopped at the group's SIGTERM, cleanly.
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(cgroups_named(prefix).empty());
}

TEST(Supervise, CrashedServiceRestartsWithBackoff) {
  SKIP_WITHOUT_NAMESPACES();
  TempDir dir;
  const std::string name = unique("crash");
  const std::string group =
      "[group]\nname = \"crashing\"\nshutdown-timeout = 5\n\n[service." + name +
      "]\ncommand = [\"/bin/sh\", \"-c\", \"echo up; exit 3\"]\n"
      "restart = \"on-failure\"\nrestart-delay = 0.1\nrestart-delay-max = 0.4\n";
  Process p(supervise({dir.write("group.toml", group)}), {});
  // Four restarts: 100, 200, 400, 400 ms.
  ASSERT_TRUE(p.wait_for_output("\"delay-ms\": 400", seconds(20))) << p.out();
  const auto t0 = Clock::now();
  while (events(p.out(), "restarting", name).size() < 4 && Clock::now() - t0 < seconds(10))
    (void)p.wait_for_output("\"event\": \"done\"", milliseconds(100));  // reads what came
  p.signal(SIGTERM);
  auto r = p.finish();
  const auto restarts = events(r.out, "restarting", name);
  ASSERT_GE(restarts.size(), 4u) << r.out;
  const long expected[] = {100, 200, 400, 400};
  for (int i = 0; i < 4; ++i) {
    auto values = json_numbers(restarts[static_cast<std::size_t>(i)]);
    EXPECT_EQ(values["delay-ms"], expected[i]) << restarts[static_cast<std::size_t>(i)];
    EXPECT_EQ(values["exit-code"], 3);
  }
  EXPECT_GE(events(r.out, "started", name).size(), 4u);
  EXPECT_NE(r.err.find("restarting in 100 ms"), std::string::npos) << r.err;
  EXPECT_TRUE(cgroups_named(name).empty());
}

TEST(Supervise, ServiceIgnoringSigtermIsKilledAtTheShutdownTimeout) {
  SKIP_WITHOUT_NAMESPACES();
  TempDir dir;
  const std::string prefix = unique("stub");
  const std::string stubborn = prefix + "stubborn", polite = prefix + "polite";
  const std::string group =
      "[group]\nname = \"stubborn\"\nshutdown-timeout = 1\n\n" +
      shell_service(polite, "echo ready >&3; exec sleep 1000") +
      shell_service(stubborn, "trap '' TERM; echo ready >&3; while :; do sleep 0.05; done",
                    "after = [\"" + polite + "\"]");
  Process p(supervise({dir.write("group.toml", group)}), {});
  ASSERT_TRUE(
      p.wait_for_output("\"event\": \"ready\", \"service\": \"" + stubborn + "\"", seconds(20)))
      << p.out();
  const auto ns = group_pid_namespace(p.pid());
  const auto t0 = Clock::now();
  p.signal(SIGTERM);
  auto r = p.finish();
  const auto took = Clock::now() - t0;
  EXPECT_EQ(r.exit_code, 1) << "not every service stopped cleanly\n" << r.describe();
  EXPECT_GE(took, milliseconds(950));
  EXPECT_LT(took, milliseconds(4000));
  EXPECT_NE(r.err.find(stubborn + ": did not stop within the shutdown timeout; killed"),
            std::string::npos)
      << r.err;
  // The group's timeout is one deadline: polite, whose turn comes after stubborn's, is what
  // remains then, and is killed with it (said as such).
  EXPECT_NE(r.err.find(polite + ": killed at the shutdown timeout before its turn to stop"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(pid_namespace_empties(ns, seconds(5)));
  EXPECT_TRUE(cgroups_named(prefix).empty());
}

// s6 passes its own PID: when that process is SIGKILLed, the whole group goes with it.
TEST(Supervise, ParentKilledEndsEveryService) {
  SKIP_WITHOUT_NAMESPACES();
  TempDir dir;
  const std::string prefix = unique("orph");
  const std::string group = "[group]\nname = \"orphan\"\n\n" +
                            shell_service(prefix + "a", "echo ready >&3; exec sleep 1000") +
                            shell_service(prefix + "b", "echo ready >&3; exec sleep 1000");
  const std::string file = dir.write("group.toml", group);
  // The shell forks cloister (the `; :` keeps it from exec'ing) and waits.
  Process parent(
      {"/bin/sh", "-c",
       std::string(kCloister) + " supervise --status-fd 1 --parent-pid $$ " + file + "; :"},
      {});
  ASSERT_TRUE(
      parent.wait_for_output("\"event\": \"ready\", \"service\": \"" + prefix + "b\"", seconds(20)))
      << parent.out();
  const auto kids = children_of(parent.pid());
  ASSERT_EQ(kids.size(), 1u);
  const pid_t supervise_pid = kids.front();
  const auto ns = group_pid_namespace(supervise_pid);
  ASSERT_NE(ns, 0u);
  ASSERT_EQ(processes_in_pid_namespace(ns).size(), 3u);
  const int supervise_fd = open_pidfd(supervise_pid);
  parent.signal(SIGKILL);
  parent.finish();
  EXPECT_TRUE(wait_gone(supervise_pid, seconds(5)));
  if (supervise_fd >= 0) ::close(supervise_fd);
  EXPECT_TRUE(pid_namespace_empties(ns, seconds(5)))
      << processes_in_pid_namespace(ns).size() << " left in the group's PID namespace";
  // The keeper removes the services' cgroups once the group is gone.
  const auto deadline = Clock::now() + seconds(5);
  while (!cgroups_named(prefix).empty() && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_TRUE(cgroups_named(prefix).empty());
}

TEST(Supervise, ParentPidThatIsNotTheParentIsRefused) {
  TempDir dir;
  const std::string file =
      dir.write("group.toml", "[group]\nname = \"g\"\n[service.a]\ncommand = [\"/bin/true\"]\n");
  auto r = run(supervise({"--parent-pid", "1", file}));
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("--parent-pid"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("started"), std::string::npos) << "nothing may start";
}

TEST(Supervise, BadGroupFileIsRefusedWithItsLocation) {
  TempDir dir;
  const std::string file =
      dir.write("group.toml",
                "[group]\nname = \"g\"\n[service.a]\ncommand = [\"/bin/true\"]\nafter = [\"b\"]\n"
                "[service.b]\ncommand = [\"/bin/true\"]\nafter = [\"a\"]\n");
  auto r = run(supervise({file}));
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find(file + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cycle"), std::string::npos) << r.err;
}

// Root: real host uids from the range, no user namespace at all, nothing kept.
TEST(Supervise, RootRunsServicesUnderHostUidsWithoutUserNamespace) {
  if (!is_root()) GTEST_SKIP() << "host uids need a root caller (uid 65534 gets a user namespace)";
  SKIP_WITHOUT_NAMESPACES();
  TempDir dir;
  const std::string name = unique("ids");
  const std::string group =
      "[group]\nname = \"ids\"\nuid-range = { first = 200000, count = 10 }\n\n" +
      shell_service(name,
                    "grep -E '^(Uid|Gid|Groups|CapEff|CapPrm|NoNewPrivs)' /proc/self/status; "
                    "echo userns $(readlink /proc/self/ns/user); echo ready >&3; exec sleep 1000",
                    "uid = 200003");
  Process p(supervise({dir.write("group.toml", group)}), {});
  ASSERT_TRUE(p.wait_for_output("\"event\": \"ready\", \"service\": \"" + name + "\"", seconds(20)))
      << p.out();
  p.signal(SIGTERM);
  auto r = p.finish();
  char host_userns[64] = {};
  ASSERT_GT(::readlink("/proc/self/ns/user", host_userns, sizeof host_userns - 1), 0);
  const std::string said = name + ": ";
  EXPECT_NE(r.err.find(said + "Uid:\t200003\t200003\t200003\t200003"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(said + "Gid:\t200003\t200003\t200003\t200003"), std::string::npos) << r.err;
  const auto groups = r.err.find(said + "Groups:") + said.size();  // the line, past the name
  ASSERT_NE(r.err.find(said + "Groups:"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.substr(groups, r.err.find('\n', groups) - groups).find_first_of("0123456789"),
            std::string::npos)
      << "no supplementary group\n"
      << r.err;
  EXPECT_NE(r.err.find(said + "CapEff:\t0000000000000000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(said + "CapPrm:\t0000000000000000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(said + "NoNewPrivs:\t1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(said + "userns " + host_userns), std::string::npos)
      << "the host's user namespace\n"
      << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.describe();
}

// Root hands the range's uids to services: a range holding an account's uid is refused.
TEST(Supervise, RangeOverlappingAnAccountIsRefused) {
  if (!is_root()) GTEST_SKIP() << "host uid ranges are root's (uid 65534 gets a user namespace)";
  TempDir dir;
  const std::string file =
      dir.write("group.toml",
                "[group]\nname = \"g\"\nuid-range = { first = 65530, count = 10 }\n[service.a]\n"
                "command = [\"/bin/true\"]\n");
  auto r = run({kCloister, "supervise", "--explain", file});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("uid-range: overlaps the existing /etc/passwd entry 'nobody' (65534)"),
            std::string::npos)
      << r.err;
}

// An unprivileged caller whose /etc/subuid and /etc/subgid give it ranges: each service runs
// under its own uid of the group's range, mapped onto them by newuidmap. The test, as root,
// gives uid 65534 such ranges in a mount namespace of its own (bound over the host's files
// there only) and runs the group as 65534.
TEST(Supervise, SubordinateIdsGiveEachServiceItsOwnUid) {
  if (!is_root()) GTEST_SKIP() << "giving uid 65534 subordinate ids needs root (a bind mount)";
  if (::access("/usr/bin/newuidmap", X_OK) != 0 || ::access("/usr/bin/newgidmap", X_OK) != 0)
    GTEST_SKIP() << "newuidmap/newgidmap are not installed (Debian: uidmap)";
  SKIP_WITHOUT_NAMESPACES();
  TempDir dir;
  const std::string prefix = unique("sub");
  const std::string a = prefix + "a", b = prefix + "b";
  const std::string subuid = dir.write("subuid", "nobody:300000:65536\n");
  const std::string subgid = dir.write("subgid", "nobody:400000:65536\n");
  const std::string group =
      "[group]\nname = \"sub\"\nuid-range = { first = 1000, count = 10 }\n\n" +
      shell_service(a, "echo uid $(id -u) gid $(id -g); echo ready >&3; exec sleep 1000") +
      shell_service(b,
                    "echo uid $(id -u) gid $(id -g); grep 1000 /proc/self/uid_map; echo ready >&3; "
                    "exec sleep 1000");
  const std::string file = dir.write("group.toml", group);
  Process p({"/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
             "mount --bind " + subuid + " /etc/subuid && mount --bind " + subgid +
                 " /etc/subgid && exec setpriv --reuid 65534 --regid 65534 --clear-groups " +
                 kCloister + " supervise --status-fd 1 " + file},
            {});
  ASSERT_TRUE(p.wait_for_output("\"event\": \"ready\", \"service\": \"" + b + "\"", seconds(20)))
      << p.out() << p.finish().describe();
  const auto ns = group_pid_namespace(p.pid());
  std::vector<std::string> host_uids;
  for (pid_t pid : processes_in_pid_namespace(ns))
    for (const auto& line : lines_of(read_text("/proc/" + std::to_string(pid) + "/status")))
      if (line.rfind("Uid:", 0) == 0) host_uids.push_back(line);
  p.signal(SIGTERM);
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find(a + ": uid 1000 gid 1000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(b + ": uid 1001 gid 1001"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(b + ": "), std::string::npos);
  // On the host, the services are the subordinate uids 300000 and 300001.
  std::string all;
  for (const auto& u : host_uids) all += u + "\n";
  EXPECT_NE(all.find("Uid:\t300000\t300000\t300000\t300000"), std::string::npos) << all;
  EXPECT_NE(all.find("Uid:\t300001\t300001\t300001\t300001"), std::string::npos) << all;
  EXPECT_TRUE(pid_namespace_empties(ns, seconds(5)));
}

TEST(Supervise, ExplainSaysWhoTheServicesRunAs) {
  TempDir dir;
  const std::string file =
      dir.write("group.toml",
                "[group]\nname = \"g\"\nuid-range = { first = 300000, count = 4 }\n[service.web]\n"
                "command = [\"/bin/true\"]\n");
  auto r = run({kCloister, "supervise", "--explain", file});
  if (is_root()) {
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("runs under real host uid 300000, gid 300000 with no user namespace"),
              std::string::npos)
        << r.out;
  } else {
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("one user namespace mapping uid " + std::to_string(::getuid())),
              std::string::npos)
        << r.out;
  }
  EXPECT_NE(r.out.find("scope: signal"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("scope: abstract-unix"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cloister_it
