// share-server: libcloister's C++ example, a file server in virtiofsd's manner. The shared
// directory becomes its root: pivot_root into it (namespace mode), or chroot into it (chroot
// mode, for containers that refuse namespaces; root only), or the first that works (auto).
// Each connection on the UNIX socket sends a path and gets that file's contents: whatever
// the path or the symlinks in the share say, nothing outside the share can be reached.
//
//   share-server --sandbox=namespace|chroot|auto SOCKET SHARED_DIR
//
// Prints "ready MODE" (and what the sandbox does without) once confined, then serves until
// SIGTERM.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cloister/sandbox.hpp>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

int fail(const std::string& what, const cloister::Error& e) {
  std::fprintf(stderr, "share-server: %s: %s\n", what.c_str(), e.message().c_str());
  return 1;
}

int listen_on(const std::string& path) {
  const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (s < 0 || path.size() >= sizeof addr.sun_path) return -1;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(s, 16) != 0) {
    ::close(s);
    return -1;
  }
  return s;
}

void send_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// The path as the client sent it: the root is the share, so "..", absolute paths and
// symlinks all resolve inside it.
void answer(int client) {
  char line[1024];
  const ssize_t n = ::read(client, line, sizeof line - 1);
  if (n <= 0) return;
  std::string path(line, static_cast<std::size_t>(n));
  path.erase(path.find_last_not_of("\r\n") + 1);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return send_all(client, std::string("error: ") + std::strerror(errno) + "\n");
  char buf[4096];
  ssize_t got;
  while ((got = ::read(fd, buf, sizeof buf)) > 0)
    send_all(client, std::string(buf, static_cast<std::size_t>(got)));
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || std::strncmp(argv[1], "--sandbox=", 10) != 0) {
    std::fprintf(stderr, "usage: share-server --sandbox=namespace|chroot|auto SOCKET DIR\n");
    return 2;
  }
  const std::string mode = argv[1] + 10;
  cloister::Policy policy;
  if (mode == "namespace")
    policy.mode = cloister::SandboxMode::Namespace;
  else if (mode == "chroot")
    policy.mode = cloister::SandboxMode::Chroot;
  else if (mode == "auto")
    policy.mode = cloister::SandboxMode::Auto;
  else
    return fail("--sandbox", cloister::usage_error("--sandbox", "namespace, chroot or auto"));
  cloister::FsOp share;
  share.kind = cloister::FsOp::Kind::Bind;
  share.source = argv[3];
  share.dest = "/";
  policy.fs.push_back(share);
  policy.ns.net = cloister::Want::Yes;  // no network; the socket is opened before
  policy.ns.ipc = cloister::Want::Yes;
  policy.new_session = true;
  cloister::RlimitSetting no_core;
  no_core.resource = RLIMIT_CORE;  // soft and hard 0
  policy.rlimits.push_back(no_core);

  cloister::Sandbox sandbox(policy);
  if (auto s = sandbox.compile(); !s) return fail("compile", s.error());
  const int listener = listen_on(argv[2]);
  if (listener < 0) {
    std::fprintf(stderr, "share-server: listen on %s: %s\n", argv[2], std::strerror(errno));
    return 1;
  }
  if (auto s = sandbox.keep(listener); !s) return fail("keep", s.error());
  if (auto s = sandbox.confine(); !s) return fail("confine", s.error());

  std::printf("ready %s\n",
              sandbox.mode() == cloister::SandboxMode::Chroot ? "chroot" : "namespace");
  for (const auto& notice : sandbox.notices()) std::printf("notice: %s\n", notice.c_str());
  std::fflush(stdout);
  for (;;) {
    const int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    answer(client);
    ::close(client);
  }
}
