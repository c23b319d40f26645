#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "attempts.hpp"

namespace cloister_sec {
namespace {

std::string random_token(const char* prefix) {
  std::random_device rd;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%08x%08x", prefix, rd(), rd());
  return buf;
}

void write_file(const std::string& path, const std::string& content, mode_t mode) {
  std::ofstream(path) << content << "\n";
  ::chmod(path.c_str(), mode);
}

Fd listen_tcp(int& port) {
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (!s || ::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0 ||
      ::listen(s.get(), 16) != 0 || ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&sa), &len))
    throw std::runtime_error("host TCP listener: " + cloister_it::errno_name(errno));
  port = ntohs(sa.sin_port);
  return s;
}

Fd listen_abstract(const std::string& name) {
  Fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path + 1, name.data(), name.size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (!s || ::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0 || ::listen(s.get(), 16))
    throw std::runtime_error("host abstract listener: " + cloister_it::errno_name(errno));
  return s;
}

bool traced(pid_t pid) {
  const std::string status = cloister_it::read_text("/proc/" + std::to_string(pid) + "/status");
  const auto at = status.find("TracerPid:");
  return at != std::string::npos && std::atoi(status.c_str() + at + 10) != 0;
}

}  // namespace

Pty open_pty() {
  Pty pty;
  pty.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pty.master || ::grantpt(pty.master.get()) != 0 || ::unlockpt(pty.master.get()) != 0)
    throw std::runtime_error("posix_openpt: " + cloister_it::errno_name(errno));
  const char* name = ::ptsname(pty.master.get());
  if (name) pty.slave.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pty.slave) throw std::runtime_error("open the pty's slave: " + cloister_it::errno_name(errno));
  return pty;
}

Fixture::Fixture(const Paths& paths) {
  tokens_ = {random_token("cloister-secret"), random_token("cloister-root-secret"),
             random_token("cloister-env-secret")};
  write_file(secret_path(), tokens_[0], 0644);
  for (const auto& d : {shared(), victim()}) ::mkdir(d.c_str(), 0777), ::chmod(d.c_str(), 0777);
  // chroot mode's root: the attack binary, and a /tmp where it may make its inner jail.
  dir_.mkdir("jail");
  dir_.mkdir("jail/tmp", 0777);
  ::chmod((dir_ / "jail/tmp").c_str(), 01777);
  {
    std::ifstream in(paths.attack, std::ios::binary);
    std::ofstream out(dir_ / "jail/attack", std::ios::binary);
    out << in.rdbuf();
  }
  ::chmod((dir_ / "jail/attack").c_str(), 0755);
  dir_fd_.reset(::open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY));
  if (::geteuid() == 0) {
    dir_.mkdir("root-only", 0755);
    write_file(dir_ / "root-only/secret", tokens_[1], 0600);
    root_only_fd_.reset(::open((dir_ / "root-only").c_str(), O_RDONLY | O_DIRECTORY));
  }
  tcp_ = listen_tcp(tcp_port_);
  abstract_name_ = random_token("cloister-escape");
  abstract_ = listen_abstract(abstract_name_);
  start_processes();
}

Fixture::~Fixture() = default;

void Fixture::start_processes() {
  if (!sleeper_ || !cloister_it::alive(sleeper_->pid()))
    sleeper_ = std::make_unique<cloister_it::Process>(Argv{"/bin/sleep", "600"},
                                                      cloister_it::RunOptions{});
  // The sibling is a namespace sandbox, which only the attempts that run in one use: where
  // the kernel refuses those, it is not started (and those attempts are skipped).
  if (!cloister_it::namespaces_refused().empty()) return;
  if (sibling_ && cloister_it::alive(sibling_pid_)) return;
  sibling_.reset();
  auto [status_read, status_write] = cloister_it::make_pipe();
  sibling_ = std::make_unique<cloister_it::Process>(
      Argv{cloister_it::kCloister, "run", "--die-with-parent", "--json-status-fd", "3", "--",
           "/bin/sleep", "600"},
      cloister_it::with_fds({{3, status_write.get()}}));
  status_write.reset();
  const auto record =
      cloister_it::json_numbers(cloister_it::read_line(status_read.get(), std::chrono::seconds(10)));
  const auto pid = record.find("child-pid");
  if (pid == record.end()) throw std::runtime_error("the sibling sandbox did not start");
  sibling_pid_ = static_cast<pid_t>(pid->second);
}

std::string Fixture::host_pid() const { return std::to_string(sleeper_->pid()); }
std::string Fixture::sibling_pid() const { return std::to_string(sibling_pid_); }

std::vector<std::string> Fixture::environment() const {
  auto env = cloister_it::default_env();
  env.push_back("CLOISTER_SECRET=" + tokens_[2]);
  if (const char* path = std::getenv("CLOISTER_PROFILE_PATH"))
    env.push_back(std::string("CLOISTER_PROFILE_PATH=") + path);
  return env;
}

std::vector<cloister_it::FdMapping> Fixture::inherited() const {
  std::vector<cloister_it::FdMapping> fds = {{kDirFd, dir_fd_.get()}};
  if (root_only_fd_) fds.push_back({kRootOnlyFd, root_only_fd_.get()});
  return fds;
}

int Fixture::drain(int listener) {
  int count = 0;
  for (;;) {
    const int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return count;
    ::close(c);
    ++count;
  }
}

void Fixture::before_run() {
  for (const auto& d : {shared(), victim()})
    for (const auto& name : cloister_it::list_dir(d)) std::filesystem::remove_all(d + "/" + name);
  drain(tcp_.get());
  drain(abstract_.get());
  start_processes();
}

std::string Fixture::host_damage() {
  std::string damage;
  auto add = [&damage](const std::string& what) { damage += (damage.empty() ? "" : "; ") + what; };
  if (const int n = drain(tcp_.get())) add("the host's loopback listener accepted " + std::to_string(n));
  if (const int n = drain(abstract_.get())) add("the host's abstract socket accepted " + std::to_string(n));
  if (!cloister_it::alive(sleeper_->pid())) add("the host process was killed");
  else if (traced(sleeper_->pid())) add("the host process is being traced");
  if (sibling_ && !cloister_it::alive(sibling_pid_)) add("the sibling sandbox was killed");
  return damage;
}

std::vector<std::string> Fixture::victim_entries() const { return cloister_it::list_dir(victim()); }

int Fixture::forks_possible() {
  int started = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = cloister_it::run({"/bin/true"});
    if (r.exit_code == 0) ++started;
  }
  return started;
}

}  // namespace cloister_sec
