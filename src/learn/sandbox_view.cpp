#include "learn/sandbox_view.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <vector>

#include "kernel/fd.hpp"
#include "kernel/io.hpp"
#include "kernel/syscalls.hpp"

namespace cloister::learn {
namespace {

constexpr std::size_t kPage = 4096;

std::optional<std::string> read_link(const std::string& link) {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  if (n <= 0 || n == static_cast<ssize_t>(sizeof buf)) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

// A link target of the supervisor's view made the sandbox's: in chroot mode everything the
// kernel prints carries the chroot directory in front.
std::string strip_prefix(const std::string& path, const std::string& prefix) {
  if (prefix.empty() || path.empty() || path[0] != '/') return path;
  if (path == prefix) return "/";
  if (path.compare(0, prefix.size(), prefix) == 0 && path[prefix.size()] == '/')
    return path.substr(prefix.size());
  return path;
}

}  // namespace

std::string normalise(const std::string& absolute) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= absolute.size()) {
    const std::size_t slash = absolute.find('/', i);
    const std::size_t end = slash == std::string::npos ? absolute.size() : slash;
    const std::string part = absolute.substr(i, end - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = end + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string SandboxView::bytes_at(std::uint64_t address, std::size_t size) const {
  std::string out;
  while (out.size() < size) {
    const std::uint64_t at = address + out.size();
    const std::size_t chunk = std::min(size - out.size(), kPage - (at % kPage));
    char buf[kPage];
    iovec local{buf, chunk};
    iovec remote{reinterpret_cast<void*>(at), chunk};
    const ssize_t n = ::process_vm_readv(pid_, &local, 1, &remote, 1, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < chunk) break;
  }
  return out;
}

std::optional<std::string> SandboxView::string_at(std::uint64_t address) const {
  if (address == 0) return std::nullopt;
  std::string out;
  while (out.size() < PATH_MAX) {
    const std::uint64_t at = address + out.size();
    const std::string chunk = bytes_at(at, kPage - (at % kPage));
    if (chunk.empty()) return std::nullopt;
    const auto nul = chunk.find('\0');
    if (nul != std::string::npos) return out + chunk.substr(0, nul);
    out += chunk;
  }
  return std::nullopt;
}

std::string SandboxView::root_prefix() const {
  auto root = read_link("/proc/" + std::to_string(pid_) + "/root");
  return !root || *root == "/" ? "" : *root;
}

std::optional<std::string> SandboxView::descriptor(int fd) const {
  const std::string base = "/proc/" + std::to_string(pid_);
  auto target = read_link(fd == AT_FDCWD ? base + "/cwd" : base + "/fd/" + std::to_string(fd));
  if (!target) return std::nullopt;
  return strip_prefix(*target, root_prefix());
}

std::optional<std::string> SandboxView::absolute(int dirfd, const std::string& path) const {
  if (!path.empty() && path[0] == '/') return normalise(path);
  auto dir = descriptor(dirfd);
  if (!dir || dir->empty() || (*dir)[0] != '/') return std::nullopt;
  return normalise(*dir + "/" + path);
}

std::optional<Resolved> SandboxView::resolve(const std::string& path, bool nofollow) const {
  UniqueFd root(::open(("/proc/" + std::to_string(pid_) + "/root").c_str(),
                       O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return std::nullopt;
  uapi::OpenHow how{};
  how.flags = O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(sys::openat2(root.get(), path.c_str(), how));
  if (!fd) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return std::nullopt;
  auto target = read_link("/proc/self/fd/" + std::to_string(fd.get()));
  if (!target) return std::nullopt;
  return Resolved{strip_prefix(*target, root_prefix()), st.st_mode};
}

std::string SandboxView::head(const std::string& path, std::size_t size) const {
  UniqueFd root(::open(("/proc/" + std::to_string(pid_) + "/root").c_str(),
                       O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return "";
  uapi::OpenHow how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(sys::openat2(root.get(), path.c_str(), how));
  if (!fd) return "";
  std::string out(size, '\0');
  const ssize_t n = ::pread(fd.get(), out.data(), size, 0);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::optional<pid_t> SandboxView::process() const {
  UniqueFd fd(::open(("/proc/" + std::to_string(pid_) + "/status").c_str(), O_RDONLY | O_CLOEXEC));
  auto text = fd ? io::read_all(fd.get()) : std::nullopt;
  if (!text) return std::nullopt;
  const auto at = text->find("\nTgid:");
  if (at == std::string::npos) return std::nullopt;
  return static_cast<pid_t>(std::strtol(text->c_str() + at + 6, nullptr, 10));
}

}  // namespace cloister::learn
