// Network modes: --net=unix keeps filesystem AF_UNIX sockets and nothing else; --net=tcp keeps
// only the listed TCP ports; --net=none has only lo. Servers are the test's own, on loopback
// or in its temp directory.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "harness.hpp"

namespace cloister_it {
namespace {

Fd unix_listener(const std::string& name, bool abstract) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::size_t offset = abstract ? 1 : 0;
  std::memcpy(addr.sun_path + offset, name.data(), name.size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + name.size() +
                                          (abstract ? 0 : 1));
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(fd.get(), 8) != 0)
    return Fd();
  return fd;
}

std::pair<Fd, std::string> tcp_listener() {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd.get(), 8) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return {Fd(), ""};
  return {std::move(fd), std::to_string(ntohs(addr.sin_port))};
}

TEST(NetUnix, FilesystemSocketsOnlyAndNoAbstractOnes) {
  TempDir dir;
  Fd fs_server = unix_listener(dir / "x11.sock", false);
  ASSERT_TRUE(fs_server);
  ::chmod((dir / "x11.sock").c_str(), 0777);
  const std::string abstract = "cloister-test-" + std::to_string(::getpid());
  Fd abstract_server = unix_listener(abstract, true);
  ASSERT_TRUE(abstract_server);
  auto [tcp, port] = tcp_listener();
  ASSERT_TRUE(tcp);
  auto r = run_sandbox({"--net=unix", "--bind", dir.path(), "/sockets"}, {"unix-connect",
                                                                          "/sockets/x11.sock",
                                                                          "+",
                                                                          "abstract-connect",
                                                                          abstract,
                                                                          "+",
                                                                          "connect",
                                                                          port,
                                                                          "+",
                                                                          "socket",
                                                                          "inet",
                                                                          "stream",
                                                                          "+",
                                                                          "socket",
                                                                          "inet6",
                                                                          "dgram",
                                                                          "+",
                                                                          "socket",
                                                                          "packet",
                                                                          "raw",
                                                                          "+",
                                                                          "socket",
                                                                          "netlink",
                                                                          "dgram",
                                                                          "+",
                                                                          "socket",
                                                                          "unix",
                                                                          "dgram"});
  EXPECT_EQ(r.value("unix-connect:/sockets/x11.sock"), "ok") << r.describe();
  EXPECT_EQ(r.value("abstract-connect:" + abstract), "EPERM") << r.describe();
  EXPECT_EQ(r.value("connect:" + port), "EAFNOSUPPORT") << r.describe();
  for (const char* s : {"inet-stream", "inet6-dgram", "packet-raw", "netlink-dgram"})
    EXPECT_EQ(r.value(std::string("socket:") + s), "EAFNOSUPPORT") << s << "\n" << r.describe();
  EXPECT_EQ(r.value("socket:unix-dgram"), "ok") << r.describe();
  // Control: with the host network the abstract socket and TCP are reachable.
  auto control = run_sandbox({"--net=host"}, {"abstract-connect", abstract, "+", "connect", port});
  EXPECT_EQ(control.value("abstract-connect:" + abstract), "ok") << control.describe();
  EXPECT_EQ(control.value("connect:" + port), "ok") << control.describe();
}

TEST(NetTcp, OnlyListedPortsAndNoUdpOrRaw) {
  auto [tcp, port] = tcp_listener();
  ASSERT_TRUE(tcp);
  auto denied = run_sandbox({"--net=tcp", "--allow-connect", "1"},
                            {"connect", port, "+", "socket", "inet", "dgram", "+", "socket", "inet",
                             "raw", "+", "socket", "packet", "raw"});
  EXPECT_EQ(denied.value("connect:" + port), "EACCES") << denied.describe();
  EXPECT_EQ(denied.value("socket:inet-dgram"), "EPERM") << denied.describe();
  EXPECT_EQ(denied.value("socket:inet-raw"), "EPERM") << denied.describe();
  EXPECT_EQ(denied.value("socket:packet-raw"), "EPERM") << denied.describe();
  auto allowed = run_sandbox({"--net=tcp", "--allow-connect", port}, {"connect", port});
  EXPECT_EQ(allowed.value("connect:" + port), "ok") << allowed.describe();
}

TEST(NetTcp, BindOnlyToListedPorts) {
  auto [holder, free_port] = tcp_listener();
  ASSERT_TRUE(holder);
  holder.reset();  // a port that was free a moment ago
  const std::string other = free_port == "40001" ? "40002" : "40001";
  auto denied = run_sandbox({"--net=tcp", "--allow-bind", other}, {"serve", free_port});
  EXPECT_EQ(denied.value("serve"), "EACCES") << denied.describe();
  EXPECT_FALSE(denied.find("listening")) << denied.describe();
}

TEST(NetNone, OnlyLoopback) {
  auto [tcp, port] = tcp_listener();
  ASSERT_TRUE(tcp);
  auto r = run_sandbox({"--net=none"}, {"netifs", "+", "connect", port});
  EXPECT_EQ(r.value("ifs"), "lo") << r.describe();
  EXPECT_EQ(r.value("up"), "lo") << r.describe();
  EXPECT_EQ(r.value("connect:" + port), "ECONNREFUSED") << r.describe();
}

bool pasta_usable() {
  return ::access("/usr/bin/pasta", X_OK) == 0 && ::access("/dev/net/tun", R_OK | W_OK) == 0;
}

TEST(NetPasta, InsideReachesTheHostLoopbackThroughTheGateway) {
  if (::access("/usr/bin/pasta", X_OK) != 0)
    GTEST_SKIP() << "pasta (Debian's passt) is not installed";
  if (!pasta_usable()) {
    // This user cannot open /dev/net/tun: cloister must say so, not fail vaguely.
    auto r = run_sandbox({"--net=pasta"}, {"exit", "0"});
    EXPECT_EQ(r.exit_code, 125) << r.describe();
    EXPECT_NE(r.err.find("/dev/net/tun"), std::string::npos) << r.describe();
    return;
  }
  auto [tcp, port] = tcp_listener();
  ASSERT_TRUE(tcp);
  auto r = run_sandbox({"--net=pasta"}, {"netifs", "+", "gateway"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string gateway = r.value("gateway");
  ASSERT_NE(gateway, "none") << r.describe();
  EXPECT_NE(r.value("ifs"), "lo") << "pasta gave the namespace no interface\n" << r.describe();
  auto c = run_sandbox({"--net=pasta"}, {"connect", gateway + ":" + port});
  EXPECT_EQ(c.value("connect:" + gateway + ":" + port), "ok") << c.describe();
}

TEST(NetPasta, HostReachesAServerInsideThroughAForward) {
  if (!pasta_usable())
    GTEST_SKIP() << "pasta is missing or /dev/net/tun is not usable by this user";
  // A free host port: bind, note, close (the window for a race is tiny and local).
  auto [probe_port_holder, host_port] = tcp_listener();
  ASSERT_TRUE(probe_port_holder);
  probe_port_holder.reset();
  Process p(sandbox({"--net=pasta", "--forward", "TCP:" + host_port + ":8080"}, {"serve", "8080"}),
            {});
  ASSERT_TRUE(p.wait_for_output("listening=8080", std::chrono::seconds(10)))
      << p.finish().describe();
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(host_port)));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = -1;
  for (int attempt = 0; attempt < 20 && rc != 0; ++attempt) {
    rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (rc != 0) {
      fd = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      ::usleep(100000);
    }
  }
  EXPECT_EQ(rc, 0) << "connect to the forwarded port: " << errno_name(errno);
  auto r = p.finish();
  EXPECT_EQ(r.value("serve"), "ok") << r.describe();
}

TEST(Usage, MissingPastaIsAClearError) {
  RunOptions options;
  options.env = {"PATH=/nonexistent"};
  auto r = run(cloister({"--net=pasta", "--", "/bin/true"}), options);
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("needs pasta, not found in PATH"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("passt"), std::string::npos) << r.describe();
}

TEST(Usage, NetModeConflictsAndUnknownModes) {
  auto conflict = run(cloister({"--net=unix", "--unshare-net", "--", "/bin/true"}));
  EXPECT_EQ(conflict.exit_code, 2) << conflict.describe();
  EXPECT_NE(conflict.err.find("--net: conflicts with --unshare-net"), std::string::npos)
      << conflict.describe();
  auto unknown = run(cloister({"--net=wifi", "--", "/bin/true"}));
  EXPECT_EQ(unknown.exit_code, 2) << unknown.describe();
  EXPECT_NE(unknown.err.find("unknown mode 'wifi'"), std::string::npos) << unknown.describe();
}

}  // namespace
}  // namespace cloister_it
