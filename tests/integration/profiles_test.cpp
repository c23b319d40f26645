// The shipped profiles (profiles/), found by name, each running a real program from Debian's
// packages: the program does its job, and what the profile forbids fails.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "harness.hpp"

namespace cloister_it {
namespace {

constexpr const char* kBusybox = "/bin/busybox";  // Debian's busybox-static

// The harness's environment, with these NAME=VALUE entries replacing its own.
RunOptions profile_env(std::vector<std::string> extra = {}) {
  // tests/run-unprivileged.sh gives uid 65534 a copy it can read (a checkout may be under /root).
  const char* copied = std::getenv("CLOISTER_PROFILE_PATH");
  extra.push_back(std::string("CLOISTER_PROFILE_PATH=") +
                  (copied ? std::string(copied) : std::string(CLOISTER_SOURCE_DIR) + "/profiles"));
  RunOptions options;
  options.env = extra;
  for (const auto& e : default_env()) {
    const auto name = e.substr(0, e.find('=') + 1);
    bool replaced = false;
    for (const auto& x : extra) replaced |= x.rfind(name, 0) == 0;
    if (!replaced) options.env->push_back(e);
  }
  return options;
}

RunResult run_profile(const std::string& name, const Argv& rest,
                      RunOptions options = profile_env()) {
  Argv argv = {kCloister, "run", "--profile", name};
  argv.insert(argv.end(), rest.begin(), rest.end());
  return run(argv, options);
}

// A TCP listener on the host's loopback, port chosen by the kernel.
struct Listener {
  Listener() {
    fd.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) == 0 &&
        ::listen(fd.get(), 4) == 0 &&
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len) == 0)
      port = ntohs(sa.sin_port);
  }
  // The next connection's data until the peer stops sending, or "" after the timeout.
  std::string receive(milliseconds timeout) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return "";
    Fd c(::accept4(fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    return c ? read_all(c.get(), timeout) : "";
  }
  bool pending() {
    pollfd p{fd.get(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  }
  Fd fd;
  int port = 0;
};

int free_port() {
  Listener probe;
  return probe.port;  // closed again: free unless someone takes it meanwhile
}

TEST(ShippedProfile, UntrustedParserParsesItsInputAndWritesNothing) {
  TempDir dir;
  const auto doc = dir.write("doc.xml", "<a><b>parsed-by-xmllint</b></a>\n");
  auto r =
      run_profile("untrusted-parser", {"--ro-bind", doc, "/input/doc.xml", "--", "/usr/bin/xmllint",
                                       "--xpath", "string(/a/b)", "/input/doc.xml"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("parsed-by-xmllint"), std::string::npos) << r.describe();
  // Nothing is writable, not even the sandbox's own /tmp; no socket but AF_UNIX.
  auto w = run_profile("untrusted-parser", {"--", "/bin/sh", "-c", "echo x > /tmp/out"});
  EXPECT_NE(w.exit_code, 0) << w.describe();
  EXPECT_NE(w.err.find("Permission denied"), std::string::npos) << w.describe();
  auto n = run_profile("untrusted-parser",
                       {"--", "/usr/bin/python3", "-c", "import socket; socket.socket()"});
  EXPECT_NE(n.err.find("Address family not supported"), std::string::npos) << n.describe();
}

TEST(ShippedProfile, BuildToolBuildsTheProjectAndHasNoNetwork) {
  TempDir project;
  project.writable_by_sandbox();
  project.write("in.txt", "source\n");
  project.write("Makefile", "out.txt: in.txt\n\tcp in.txt out.txt\n");
  RunOptions options = profile_env({"PWD=" + project.path()});
  options.cwd = project.path();
  auto r = run_profile("build-tool", {"--", "/usr/bin/make"}, options);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(read_text(project / "out.txt"), "source\n");

  Listener host;
  ASSERT_NE(host.port, 0);
  auto n = run_profile(
      "build-tool",
      {"--", "/bin/bash", "-c", "echo > /dev/tcp/127.0.0.1/" + std::to_string(host.port)}, options);
  EXPECT_NE(n.exit_code, 0) << n.describe();
  EXPECT_FALSE(host.pending());
  auto w = run_profile("build-tool", {"--", "/bin/sh", "-c", "echo x > /usr/x"}, options);
  EXPECT_NE(w.err.find("Read-only file system"), std::string::npos) << w.describe();
}

TEST(ShippedProfile, ShellHasAScratchHomeOverTheRealOne) {
  TempDir home;
  home.write("private", "host file\n");
  auto r =
      run_profile("shell", {"--", "/bin/bash", "-c", "echo hi > ~/note && cat ~/note && ls -A ~"},
                  profile_env({"HOME=" + home.path()}));
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "hi\nnote\n") << r.describe();  // the host's file is not there
  EXPECT_FALSE(exists(home / "note"));
  Listener host;
  auto n = run_profile(
      "shell", {"--", "/bin/bash", "-c", "echo > /dev/tcp/127.0.0.1/" + std::to_string(host.port)},
      profile_env({"HOME=" + home.path()}));
  EXPECT_NE(n.exit_code, 0) << n.describe();
  EXPECT_FALSE(host.pending());
}

// The share is the whole root; the server (busybox, static) runs from it.
class Virtiofsd : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kBusybox, X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
    share_.writable_by_sandbox();
    share_.mkdir(".server");
    std::ifstream in(kBusybox, std::ios::binary);
    std::ofstream(share_ / ".server/busybox", std::ios::binary) << in.rdbuf();
    ::chmod((share_ / ".server/busybox").c_str(), 0755);
    share_.write("in.txt", "shared\n");
  }
  RunResult serve(const Argv& mode) {
    Argv args = mode;
    for (const char* a :
         {"--bind", "", "/", "--", "/.server/busybox", "sh", "-c",
          "B=/.server/busybox; $B tr a-z A-Z < /in.txt > /out.txt; $B ls -A /../..; "
          "$B cat /etc/passwd /../../etc/passwd"})
      args.push_back(a);
    args[mode.size() + 1] = share_.path();
    return run_profile("virtiofsd", args);
  }
  TempDir share_;
};

TEST_F(Virtiofsd, ServesTheShareReadWriteAndNothingElse) {
  auto r = serve({});
  EXPECT_EQ(read_text(share_ / "out.txt"), "SHARED\n") << r.describe();
  EXPECT_EQ(r.out, ".server\nin.txt\nout.txt\n") << r.describe();  // the root is the share
  EXPECT_EQ(r.exit_code, 1) << r.describe();                       // no /etc/passwd there
}

TEST_F(Virtiofsd, TheChrootFallbackServesTheSameShare) {
  if (!is_root()) GTEST_SKIP() << "chroot mode needs CAP_SYS_CHROOT, which only root has here";
  auto r = serve({"--sandbox=chroot"});
  EXPECT_EQ(read_text(share_ / "out.txt"), "SHARED\n") << r.describe();
  EXPECT_EQ(r.out, ".server\nin.txt\nout.txt\n") << r.describe();
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("chroot mode without"), std::string::npos) << r.describe();
}

TEST(ShippedProfile, PasstHelperRelaysToTheHostAndHasNothingOnDisk) {
  if (::access(kBusybox, X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
  Listener host;
  ASSERT_NE(host.port, 0);
  auto [in_read, in_write] = make_pipe();
  RunOptions options = profile_env();
  options.stdin_fd = in_read.get();
  Process helper({kCloister, "run", "--profile", "passt-helper", "--ro-bind", kBusybox, "/busybox",
                  "--", "/busybox", "nc", "127.0.0.1", std::to_string(host.port)},
                 options);
  in_read.reset();
  const std::string message = "relayed by the helper\n";
  ASSERT_EQ(::write(in_write.get(), message.data(), message.size()),
            static_cast<ssize_t>(message.size()));
  in_write.reset();
  EXPECT_EQ(host.receive(milliseconds(10000)), message);
  helper.finish();

  auto ls = run_profile("passt-helper",
                        {"--ro-bind", kBusybox, "/busybox", "--", "/busybox", "ls", "-A", "/"});
  EXPECT_EQ(ls.out, "busybox\n") << ls.describe();
  auto cat = run_profile(
      "passt-helper", {"--ro-bind", kBusybox, "/busybox", "--", "/busybox", "cat", "/etc/passwd"});
  EXPECT_NE(cat.exit_code, 0) << cat.describe();
}

TEST(ShippedProfile, NetworkDaemonServesItsPortAndNoOther) {
  const int port = free_port();
  const std::string p = std::to_string(port);
  Process daemon(
      {kCloister, "run", "--profile", "network-daemon", "--allow-bind", p, "--", "/usr/bin/python3",
       "-m", "http.server", p, "--bind", "127.0.0.1", "--directory", "/usr/share/common-licenses"},
      profile_env());
  std::string page;
  for (int i = 0; i < 100 && page.find("GNU") == std::string::npos; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    page = run({"/usr/bin/curl", "-s", "http://127.0.0.1:" + p + "/GPL-3"}).out;
  }
  EXPECT_NE(page.find("GNU GENERAL PUBLIC LICENSE"), std::string::npos);
  daemon.signal(SIGTERM);
  daemon.finish();

  const int other = free_port();
  auto bind_other = run_profile(
      "network-daemon",
      {"--allow-bind", p, "--", "/usr/bin/python3", "-c",
       "import socket; socket.socket().bind(('127.0.0.1', " + std::to_string(other) + "))"});
  EXPECT_NE(bind_other.err.find("PermissionError"), std::string::npos) << bind_other.describe();
  Listener host;
  auto out =
      run_profile("network-daemon", {"--allow-bind", p, "--", "/usr/bin/python3", "-c",
                                     "import socket; socket.create_connection(('127.0.0.1', " +
                                         std::to_string(host.port) + "))"});
  EXPECT_NE(out.err.find("PermissionError"), std::string::npos) << out.describe();
  EXPECT_FALSE(host.pending());
}

// An X server (Xvfb) and a Wayland-like socket on the host; the app reaches both through their
// socket files, has no other network, and the home it reads is read-only.
TEST(ShippedProfile, DesktopAppReachesTheDisplayServersButNotTheNetwork) {
  if (::access("/usr/bin/Xvfb", X_OK) != 0 || ::access("/usr/bin/xdpyinfo", X_OK) != 0)
    GTEST_SKIP() << "Xvfb (xvfb) or xdpyinfo (x11-utils) is not installed";
  TempDir home, runtime;
  runtime.writable_by_sandbox();
  home.write("doc.txt", "the user's document\n");
  const std::string display = ":" + std::to_string(200 + ::getpid() % 500);
  // Path socket only: libxcb tries the abstract socket first and falls back to the path only
  // on ENOENT or ECONNREFUSED, not on the EPERM of --net=unix's Landlock scope.
  // Xvfb creates /tmp/.X11-unix and leaves it: removed after it (declared first, destroyed
  // last) when this test made it, so the run leaves nothing in /tmp.
  struct RemovedIfNew {
    bool existed = exists("/tmp/.X11-unix");
    ~RemovedIfNew() {
      if (!existed) ::rmdir("/tmp/.X11-unix");
    }
  } x11_dir;
  Process xvfb({"/usr/bin/Xvfb", display, "-nolisten", "tcp", "-nolisten", "local"}, RunOptions{});
  const std::string socket_file = "/tmp/.X11-unix/X" + display.substr(1);
  for (int i = 0; i < 100 && !exists(socket_file); ++i)
    std::this_thread::sleep_for(milliseconds(50));
  ASSERT_TRUE(exists(socket_file)) << "Xvfb did not start";

  Fd wayland(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const std::string wayland_path = runtime / "wayland-test";
  std::strncpy(sa.sun_path, wayland_path.c_str(), sizeof sa.sun_path - 1);
  ASSERT_EQ(::bind(wayland.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ::chmod(wayland_path.c_str(), 0777);
  ASSERT_EQ(::listen(wayland.get(), 4), 0);

  const auto env =
      profile_env({"HOME=" + home.path(), "DISPLAY=" + display, "XDG_RUNTIME_DIR=" + runtime.path(),
                   "WAYLAND_DISPLAY=wayland-test"});
  auto x = run_profile("desktop-app", {"--", "/usr/bin/xdpyinfo"}, env);
  EXPECT_EQ(x.exit_code, 0) << x.describe();
  EXPECT_NE(x.out.find("name of display"), std::string::npos) << x.describe();
  auto w = run_profile(
      "desktop-app",
      {"--", "/usr/bin/python3", "-c",
       "import os, socket; s = socket.socket(socket.AF_UNIX); "
       "s.connect(os.environ['XDG_RUNTIME_DIR'] + '/' + os.environ['WAYLAND_DISPLAY']); "
       "print(open(os.environ['HOME'] + '/doc.txt').read(), end='')"},
      env);
  EXPECT_EQ(w.out, "the user's document\n") << w.describe();
  pollfd p{wayland.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 1) << "the Wayland socket saw no connection";

  auto write_home =
      run_profile("desktop-app", {"--", "/bin/sh", "-c", "echo x > \"$HOME/new\""}, env);
  EXPECT_NE(write_home.err.find("Read-only file system"), std::string::npos)
      << write_home.describe();
  Listener host;
  auto net = run_profile(
      "desktop-app",
      {"--", "/bin/bash", "-c", "echo > /dev/tcp/127.0.0.1/" + std::to_string(host.port)}, env);
  EXPECT_NE(net.exit_code, 0) << net.describe();
  EXPECT_FALSE(host.pending());
  xvfb.signal(SIGTERM);
  xvfb.finish();
}

}  // namespace
}  // namespace cloister_it
