#include "process/program.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "process/launcher.hpp"

extern char** environ;

namespace cloister::program {
namespace {

// Errors after which execvp goes on with the next directory of PATH.
bool try_next(int err) {
  return err == ENOENT || err == ENOTDIR || err == ESTALE || err == ENODEV || err == ETIMEDOUT;
}

// Calls visit(candidate) for DIR/name in each directory of `path` until it returns true.
template <typename Visit>
void each_candidate(const std::string& name, const std::string& path, Visit visit) {
  for (std::size_t start = 0; start <= path.size();) {
    auto end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    const std::string dir = path.substr(start, end - start);
    if (visit(dir.empty() ? name : dir + "/" + name)) return;
    start = end + 1;
  }
}

// The first line of a script up to its interpreter's end ("#!/bin/sh -e" -> "/bin/sh"), ""
// when the file does not start with #!; whether it is ELF instead.
struct Head {
  std::string interpreter;
  bool elf = false;
};

Head head_of(const std::string& file) {
  Head head;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return head;
  char buffer[256];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  if (n < 2) return head;
  const std::string_view text(buffer, static_cast<std::size_t>(n));
  head.elf = text.substr(0, 4) ==
             "\x7f"
             "ELF";
  if (text.substr(0, 2) != "#!") return head;
  auto begin = text.find_first_not_of(" \t", 2);
  if (begin == std::string_view::npos) return head;
  auto end = text.find_first_of(" \t\n", begin);
  head.interpreter =
      std::string(text.substr(begin, end == std::string_view::npos ? end : end - begin));
  return head;
}

}  // namespace

const char* path_of(char* const* envp, const char* fallback) {
  for (char* const* e = envp; *e; ++e)
    if (std::strncmp(*e, "PATH=", 5) == 0) return *e + 5;
  return fallback;
}

int exec(const char* name, char* const* argv, char* const* envp, const char* path,
         bool shell_fallback) {
  if (shell_fallback) {
    environ = const_cast<char**>(envp);  // execvp searches the sandbox's PATH, not cloister's
    ::execvp(name, argv);
    return errno;
  }
  if (*name == '\0') return ENOENT;
  if (std::strchr(name, '/')) {
    ::execve(name, argv, envp);
    return errno;
  }
  const std::size_t name_length = std::strlen(name);
  if (name_length > NAME_MAX) return ENAMETOOLONG;
  char candidate[PATH_MAX];
  int result = ENOENT;
  for (const char* dir = path;;) {
    const char* end = std::strchr(dir, ':');
    if (!end) end = dir + std::strlen(dir);
    const auto dir_length = static_cast<std::size_t>(end - dir);
    if (dir_length + 1 + name_length < sizeof candidate) {
      std::memcpy(candidate, dir, dir_length);
      std::size_t at = dir_length;
      if (dir_length > 0) candidate[at++] = '/';  // an empty entry: the current directory
      std::memcpy(candidate + at, name, name_length + 1);
      ::execve(candidate, argv, envp);
      const int err = errno;
      if (err == EACCES)
        result = EACCES;
      else if (!try_next(err))
        return err;
    }
    if (*end == '\0') return result;
    dir = end + 1;
  }
}

int check(const std::string& name, const std::string& path) {
  auto runnable = [](const std::string& file) {
    if (::access(file.c_str(), X_OK) != 0) return errno;
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return EACCES;
    return 0;
  };
  if (name.empty()) return ENOENT;
  if (name.find('/') != std::string::npos) return runnable(name);
  int result = ENOENT;
  each_candidate(name, path, [&](const std::string& file) {
    const int err = runnable(file);
    if (err == EACCES) result = EACCES;
    if (err != 0 && (err == EACCES || try_next(err))) return false;
    result = err;
    return true;
  });
  return result;
}

std::string locate(const std::string& name, const std::string& path) {
  struct stat st {};
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return ::stat(name.c_str(), &st) == 0 ? name : "";
  std::string found;
  each_candidate(name, path, [&](const std::string& file) {
    if (::stat(file.c_str(), &st) != 0) return false;
    found = file;
    return true;
  });
  return found;
}

std::string failure_hint(const std::string& name, const std::string& path, int err) {
  const std::string file = locate(name, path);
  struct stat st {};
  if (file.empty() || ::stat(file.c_str(), &st) != 0) return "";
  const std::string shown = file == name ? file : file + ", found in PATH,";
  switch (err) {
    case ENOENT:
    case ENOTDIR: {
      const Head head = head_of(file);
      if (!head.interpreter.empty())
        return shown +
               " exists, but the interpreter its #! line names is missing: " + head.interpreter;
      if (head.elf)
        return shown + " exists, but the dynamic loader it names (its ELF interpreter) is missing";
      return "";
    }
    case EACCES:
      if (S_ISDIR(st.st_mode)) return shown + " is a directory";
      if (!S_ISREG(st.st_mode)) return shown + " is not a regular file";
      if (!(st.st_mode & 0111)) return shown + " has no execute permission";
      return shown + " is not executable for this uid, or is on a noexec mount";
    case ENOEXEC:
      return shown + " is neither a program for this machine nor a script starting with #!";
    default: return "";
  }
}

Error oci_error(const std::string& name, const std::string& path, int err) {
  std::string hint = failure_hint(name, path, err);
  if (hint.empty() && (err == ENOENT || err == ENOTDIR))
    hint = name.find('/') != std::string::npos ? "process.args[0] must exist in the container"
                                               : "not found in PATH (" + path + ")";
  return Error{"", "exec", name, err, hint};
}

int exit_code_for(int err) {
  return err == ENOENT || err == ENOTDIR ? kExitNotFound : kExitCannotExec;
}

}  // namespace cloister::program
