// COMMAND's program: cloister's own PATH search and execve (no /bin/sh retry for a file the
// kernel cannot run), the checks and hints an OCI runtime gives, HOME from a passwd file.
#include "process/program.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "process/passwd.hpp"

namespace cloister {
namespace {

class Dir {
 public:
  Dir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "cloister-program-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  ~Dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& content, mode_t mode) const {
    const std::string p = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), mode);
    return p;
  }
  std::string mkdir(const std::string& name) const {
    const std::string p = path_ + "/" + name;
    std::filesystem::create_directories(p);
    return p;
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Ran {
  bool exec_failed = false;
  int value = 0;  // the errno program::exec returned, or the program's exit status
};

// program::exec in a child: what it returned (written to a pipe), or how what ran exited.
Ran run_exec(const std::string& name, const std::string& path, bool shell_fallback) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::vector<char*> argv = {const_cast<char*>(name.c_str()), nullptr};
    std::string path_entry = "PATH=" + path;
    std::vector<char*> envp = {path_entry.data(), nullptr};
    const int err =
        program::exec(name.c_str(), argv.data(), envp.data(), path.c_str(), shell_fallback);
    (void)!::write(fds[1], &err, sizeof err);
    ::_exit(99);
  }
  ::close(fds[1]);
  Ran r;
  int err = 0;
  if (::read(fds[0], &err, sizeof err) == sizeof err) r = {true, err};
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!r.exec_failed) r.value = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// glibc's execvp runs a file without #! with /bin/sh; cloister's search fails as runc does.
TEST(Program, AFileWithoutShebangIsAnExecFormatErrorNotAShellScript) {
  Dir dir;
  const std::string script = dir.write("plain", "exit 7\n", 0755);
  Ran r = run_exec(script, "", false);
  EXPECT_TRUE(r.exec_failed);
  EXPECT_EQ(r.value, ENOEXEC);
  r = run_exec("plain", dir / "", false);  // found through PATH: the same
  EXPECT_TRUE(r.exec_failed);
  EXPECT_EQ(r.value, ENOEXEC);
  // bubblewrap's execvp, which `cloister bwrap` keeps: /bin/sh runs it.
  r = run_exec(script, "", true);
  EXPECT_FALSE(r.exec_failed);
  EXPECT_EQ(r.value, 7);
}

TEST(Program, PathSearchGoesPastDirectoriesAndFilesThatCannotRun) {
  Dir dir;
  dir.mkdir("a/tool");                               // a directory of that name
  dir.write("b/tool", "#!/bin/sh\nexit 3\n", 0644);  // not executable
  dir.write("c/tool", "#!/bin/sh\nexit 5\n", 0755);
  dir.mkdir("d");
  Ran r = run_exec("tool", dir / "d:" + dir / "a:" + dir / "b:" + dir / "c", false);
  EXPECT_FALSE(r.exec_failed);
  EXPECT_EQ(r.value, 5);
  // Found only where it may not run: EACCES, not ENOENT.
  r = run_exec("tool", dir / "a:" + dir / "b", false);
  EXPECT_TRUE(r.exec_failed);
  EXPECT_EQ(r.value, EACCES);
  r = run_exec("tool", dir / "d", false);
  EXPECT_TRUE(r.exec_failed);
  EXPECT_EQ(r.value, ENOENT);
  r = run_exec("", dir / "c", false);
  EXPECT_TRUE(r.exec_failed);
  EXPECT_EQ(r.value, ENOENT);
}

TEST(Program, PathOfTheEnvironmentOrTheFallback) {
  std::string path = "PATH=/x:/y", other = "HOME=/";
  std::vector<char*> with = {other.data(), path.data(), nullptr};
  std::vector<char*> without = {other.data(), nullptr};
  EXPECT_STREQ(program::path_of(with.data(), "/bin"), "/x:/y");
  EXPECT_STREQ(program::path_of(without.data(), "/bin"), "/bin");
}

// OCI create's check: a directory is refused as exec would refuse it.
TEST(Program, CheckRefusesADirectoryAndAMissingProgram) {
  Dir dir;
  const std::string sub = dir.mkdir("sub");
  dir.write("c/tool", "#!/bin/sh\n", 0755);
  EXPECT_EQ(program::check(sub, ""), EACCES);
  EXPECT_EQ(program::check(dir / "missing", ""), ENOENT);
  EXPECT_EQ(program::check(dir / "c/tool", ""), 0);
  EXPECT_EQ(program::check("tool", dir / "sub:" + dir / "c"), 0);
  EXPECT_EQ(program::check("sub", dir / ""), EACCES);
  EXPECT_EQ(program::check("tool", dir / "sub"), ENOENT);
}

TEST(Program, HintsSayWhatTheFileIs) {
  Dir dir;
  const std::string sub = dir.mkdir("sub");
  const std::string script = dir.write("s", "#!/no/such/interpreter -x\necho\n", 0755);
  const std::string plain = dir.write("plain", "echo\n", 0755);
  const std::string locked = dir.write("locked", "#!/bin/sh\n", 0644);
  EXPECT_EQ(program::failure_hint(sub, "", EACCES), sub + " is a directory");
  EXPECT_EQ(
      program::failure_hint(script, "", ENOENT),
      script + " exists, but the interpreter its #! line names is missing: /no/such/interpreter");
  EXPECT_TRUE(contains(program::failure_hint(plain, "", ENOEXEC), "nor a script starting with #!"));
  EXPECT_EQ(program::failure_hint(locked, "", EACCES), locked + " has no execute permission");
  EXPECT_EQ(program::failure_hint("plain", dir / "sub:" + dir.path(), ENOEXEC)
                .rfind(plain + ", found in PATH, is neither", 0),
            0u);
  EXPECT_EQ(program::failure_hint(dir / "missing", "", ENOENT), "");
}

TEST(Program, OciErrorNamesArgZero) {
  Dir dir;
  const std::string sub = dir.mkdir("sub");
  EXPECT_EQ(program::oci_error(sub, "", EACCES).message(),
            "exec " + sub + ": Permission denied (" + sub + " is a directory)");
  EXPECT_EQ(program::oci_error("nope", "/a:/b", ENOENT).message(),
            "exec nope: No such file or directory (not found in PATH (/a:/b))");
  EXPECT_EQ(program::exit_code_for(ENOENT), 127);
  EXPECT_EQ(program::exit_code_for(ENOEXEC), 126);
}

TEST(Passwd, HomeOfAUid) {
  const std::string text =
      "root:x:0:0:root:/root:/bin/sh\n"
      "broken line\n"
      "+::::::\n"
      "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
      "app:x:1000:1000:App,,,:/home/app:/bin/bash";  // no final newline
  EXPECT_EQ(passwd::home_in(text, 0), "/root");
  EXPECT_EQ(passwd::home_in(text, 1), "/usr/sbin");
  EXPECT_EQ(passwd::home_in(text, 1000), "/home/app");
  EXPECT_EQ(passwd::home_in(text, 100), std::nullopt);
  EXPECT_EQ(passwd::home_in("x:x:10x:0::/h:/s\n", 10), std::nullopt);
}

TEST(Passwd, UnlistedOrUnreadableIsSlash) {
  Dir dir;
  const std::string file = dir.write("passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644);
  EXPECT_EQ(passwd::home_of(0, file.c_str()), "/root");
  EXPECT_EQ(passwd::home_of(1234, file.c_str()), "/");
  EXPECT_EQ(passwd::home_of(0, (dir / "missing").c_str()), "/");
  // A FIFO is not read (it would block the container's setup).
  const std::string fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_EQ(passwd::home_of(0, fifo.c_str()), "/");
}

}  // namespace
}  // namespace cloister
