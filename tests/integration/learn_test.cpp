// cloister learn on three real workloads from Debian's packages: each learned profile loads
// back (cloister explain reads it with the profile loader), lets the same workload pass under
// `cloister run --profile`, and blocks one thing the workload never did.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "harness.hpp"

namespace cloister_it {
namespace {

Argv learn_args(const std::string& profile, const Argv& options, const Argv& command,
                bool append = false) {
  Argv args = {kCloister, "learn", "-o", profile};
  if (append) args.push_back("--append");
  args.insert(args.end(), options.begin(), options.end());
  args.push_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

Argv run_args(const std::string& profile, const Argv& options, const Argv& command) {
  Argv args = {kCloister, "run"};
  if (!profile.empty()) args.insert(args.end(), {"--profile", profile});
  args.insert(args.end(), options.begin(), options.end());
  args.push_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

// The profile loads through the same loader `cloister run --profile` uses; explain's summary
// line gives the allowlist's size.
std::string loads_back(const std::string& profile) {
  auto r = run({kCloister, "explain", "--profile", profile, "--", "COMMAND"});
  EXPECT_EQ(r.exit_code, 0) << r.describe() << read_text(profile);
  for (const auto& line : lines_of(r.out))
    if (line.rfind("seccomp: ", 0) == 0) return line;
  ADD_FAILURE() << "no seccomp line\n" << r.out;
  return "";
}

const Argv kShell = {"sh", "-c", "ls /usr; cat /etc/os-release"};

TEST(Learn, ShellListsAndReadsThenTheProfileRunsIt) {
  TempDir dir;
  const std::string profile = dir / "sh.toml";
  auto learned = run(learn_args(profile, {}, kShell));
  ASSERT_EQ(learned.exit_code, 0) << learned.describe();
  EXPECT_NE(learned.out.find("PRETTY_NAME"), std::string::npos) << learned.describe();
  EXPECT_NE(learned.err.find("only as complete as this run"), std::string::npos);
  const std::string text = read_text(profile);
  EXPECT_NE(text.find("only as complete as the run"), std::string::npos) << text;
  EXPECT_NE(text.find("\"/usr/bin/ls\""), std::string::npos) << text;
  EXPECT_NE(text.find("mode = \"none\""), std::string::npos) << text;
  EXPECT_NE(loads_back(profile).find("default action kill-process"), std::string::npos);

  auto again = run(run_args(profile, {}, kShell));
  EXPECT_EQ(again.exit_code, 0) << again.describe() << text;
  EXPECT_EQ(again.out, learned.out);

  // A write to a path the workload never wrote: Landlock refuses it; without the profile the
  // same command works.
  const Argv write = {"sh", "-c", "echo x > /tmp/new"};
  auto blocked = run(run_args(profile, {}, write));
  EXPECT_NE(blocked.exit_code, 0) << blocked.describe();
  EXPECT_NE(blocked.err.find("Permission denied"), std::string::npos) << blocked.describe();
  auto control = run(run_args("", {}, write));
  EXPECT_EQ(control.exit_code, 0) << control.describe();
}

TEST(Learn, AppendMergesASecondRun) {
  TempDir dir;
  const std::string profile = dir / "merged.toml";
  ASSERT_EQ(run(learn_args(profile, {}, kShell)).exit_code, 0);
  const Argv make = {"sh", "-c", "mkdir /tmp/d && echo made"};
  auto refused = run(run_args(profile, {}, make));
  EXPECT_NE(refused.exit_code, 0) << refused.describe();
  auto second = run(learn_args(profile, {}, make, true));
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  loads_back(profile);
  EXPECT_EQ(run(run_args(profile, {}, kShell)).exit_code, 0) << read_text(profile);
  auto made = run(run_args(profile, {}, make));
  EXPECT_EQ(made.exit_code, 0) << made.describe() << read_text(profile);
  EXPECT_EQ(made.out, "made\n");
}

std::uint16_t free_port() {
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
    return 0;
  return ntohs(a.sin_port);
}

// One HTTP GET on loopback, retried until the server listens; the status line.
std::string http_get(std::uint16_t port) {
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (Clock::now() < deadline) {
    Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      std::this_thread::sleep_for(milliseconds(100));
      continue;
    }
    const std::string request = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (::write(s.get(), request.data(), request.size()) != static_cast<ssize_t>(request.size()))
      return "write failed";
    const std::string reply = read_all(s.get(), milliseconds(10000));
    return reply.substr(0, reply.find("\r\n"));
  }
  return "no server";
}

// python3 -m http.server on a loopback port, one request answered, then SIGINT (which
// cloister passes on: http.server exits 0 on KeyboardInterrupt).
Argv http_server(std::uint16_t port) {
  return {"python3",
          "-m",
          "http.server",
          "--bind",
          "127.0.0.1",
          "--directory",
          "/usr/share/doc/python3",
          std::to_string(port)};
}

RunResult serve(const Argv& argv, std::uint16_t port, std::string& status) {
  Process p(argv, {});
  status = http_get(port);
  p.signal(SIGINT);
  return p.finish();
}

TEST(Learn, HttpServerAnswersOneRequestThenTheProfileRunsIt) {
  if (!exists("/usr/bin/python3") || !exists("/usr/share/doc/python3"))
    GTEST_SKIP() << "Debian's python3 is not installed";
  TempDir dir;
  const std::string profile = dir / "http.toml";
  const std::uint16_t port = free_port();
  ASSERT_NE(port, 0);
  const Argv options = {"--net=host", "--chdir", "/usr/share/doc/python3"};
  std::string status;
  auto learned = serve(learn_args(profile, options, http_server(port)), port, status);
  EXPECT_EQ(status, "HTTP/1.0 200 OK") << learned.describe();
  ASSERT_EQ(learned.exit_code, 0) << learned.describe();
  const std::string text = read_text(profile);
  EXPECT_NE(text.find("mode = \"tcp\""), std::string::npos) << text;
  EXPECT_NE(text.find("allow-bind = [" + std::to_string(port) + "]"), std::string::npos) << text;
  EXPECT_NE(text.find("allow-connect = []"), std::string::npos) << text;
  EXPECT_NE(text.find("value = \"AF_INET\""), std::string::npos) << text;
  loads_back(profile);

  auto again = serve(run_args(profile, {"--chdir", "/usr/share/doc/python3"}, http_server(port)),
                     port, status);
  EXPECT_EQ(status, "HTTP/1.0 200 OK") << again.describe() << text;
  EXPECT_EQ(again.exit_code, 0) << again.describe();

  // A connect the server never made: refused under the profile (Landlock, TCP connect to no
  // port granted); without it, the same program reaches the port and finds nobody there.
  const std::uint16_t other = free_port();
  const Argv connect = {
      "python3", "-c",
      "import socket; socket.create_connection(('127.0.0.1', " + std::to_string(other) + "))"};
  auto blocked = run(run_args(profile, {"--chdir", "/usr/share/doc/python3"}, connect));
  EXPECT_NE(blocked.exit_code, 0);
  EXPECT_NE(blocked.err.find("PermissionError"), std::string::npos) << blocked.describe();
  auto control = run(run_args("", {"--net=host"}, connect));
  EXPECT_NE(control.err.find("ConnectionRefusedError"), std::string::npos) << control.describe();
}

TEST(Learn, GzipOfABoundFileThenTheProfileRunsIt) {
  TempDir dir;
  dir.mkdir("data");
  std::string content;
  for (int i = 0; i < 4000; ++i) content += "line " + std::to_string(i) + " of the bound file\n";
  dir.write("data/file", content);
  dir.write("data/other", "another file\n");
  const std::string profile = dir / "gzip.toml";
  const Argv root = {"--ro-bind", "/usr",      "/usr",      "--symlink",  "usr/bin",
                     "/bin",      "--symlink", "usr/lib",   "/lib",       "--symlink",
                     "usr/lib64", "/lib64",    "--ro-bind", dir / "data", "/data",
                     "--proc",    "/proc",     "--dev",     "/dev"};
  auto learned = run(learn_args(profile, root, {"gzip", "-c", "/data/file"}));
  ASSERT_EQ(learned.exit_code, 0) << learned.describe();
  ASSERT_GT(learned.out.size(), 20u);
  EXPECT_EQ(learned.out.substr(0, 2), "\x1f\x8b");
  const std::string text = read_text(profile);
  EXPECT_NE(text.find("\"/usr/bin/gzip\""), std::string::npos) << text;
  loads_back(profile);

  auto again = run(run_args(profile, root, {"gzip", "-c", "/data/file"}));
  EXPECT_EQ(again.exit_code, 0) << again.describe() << text;
  EXPECT_EQ(again.out, learned.out);

  // Recursing into the directory needs getdents64, which `gzip -c FILE` never called: the
  // profile's default action kills the process. Without the profile it works.
  auto blocked = run(run_args(profile, root, {"gzip", "-rc", "/data"}));
  EXPECT_EQ(blocked.exit_code, 128 + SIGSYS) << blocked.describe() << text;
  auto control = run(run_args("", root, {"gzip", "-rc", "/data"}));
  EXPECT_EQ(control.exit_code, 0) << control.describe();
}

}  // namespace
}  // namespace cloister_it
