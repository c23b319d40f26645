// Reading a sandboxed process from outside, as its supervisor: strings and structures from
// its memory, its descriptors, and paths resolved inside its root (never on the host).
// Needs ptrace read access to the process (cloister learn is its ancestor and owns its user
// namespace).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace cloister::learn {

struct Resolved {
  std::string path;  // canonical, as seen inside the sandbox
  mode_t mode = 0;   // S_IFDIR, S_IFREG, S_IFCHR, ...
};

class SandboxView {
 public:
  explicit SandboxView(pid_t pid) : pid_(pid) {}

  // A NUL-terminated string at `address` (at most PATH_MAX bytes); nullopt when unreadable.
  std::optional<std::string> string_at(std::uint64_t address) const;
  // `size` bytes at `address`, fewer when the rest is unreadable.
  std::string bytes_at(std::uint64_t address, std::size_t size) const;

  // What descriptor `fd` refers to ("/usr/lib", "socket:[123]", "pipe:[4]"), in the
  // sandbox's terms; AT_FDCWD: the working directory.
  std::optional<std::string> descriptor(int fd) const;

  // `path` as the process would name it from `dirfd`, made absolute and normalised inside
  // the sandbox ("." and ".." removed; nothing resolved).
  std::optional<std::string> absolute(int dirfd, const std::string& path) const;

  // The existing file `path` (absolute, inside the sandbox) names, symlinks resolved inside
  // the sandbox's root (the last component too unless `nofollow`). nullopt when it does not
  // exist there.
  std::optional<Resolved> resolve(const std::string& path, bool nofollow = false) const;

  // The first bytes of the file at a canonical sandbox path (to find an interpreter).
  std::string head(const std::string& path, std::size_t size) const;

  // The thread group (process) of the thread, for pidfd_open.
  std::optional<pid_t> process() const;

 private:
  std::string root_prefix() const;  // the root's path as we see it ("" in namespace mode)
  pid_t pid_;
};

// "/a/./b/../c" -> "/a/c"; lexical only.
std::string normalise(const std::string& absolute);

}  // namespace cloister::learn
