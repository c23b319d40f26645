// COMMAND's environment, working directory, argv, exit codes, error messages and the
// descriptors it inherits.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <regex>

#include "harness.hpp"

namespace cloister_it {
namespace {

RunOptions with_env(std::vector<std::string> env) {
  RunOptions options;
  options.env = std::move(env);
  return options;
}

// ---- environment ---------------------------------------------------------------------------

TEST(Env, InheritedSetAndUnset) {
  auto r = run_sandbox(
      {"--setenv", "NEW", "new value", "--setenv", "KEEP", "replaced", "--unsetenv", "DROP"},
      {"env"}, with_env({"PATH=/bin", "KEEP=1", "DROP=2", "OTHER=3"}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("env:NEW"), "new value");
  EXPECT_EQ(r.value("env:KEEP"), "replaced");
  EXPECT_EQ(r.value("env:OTHER"), "3");
  EXPECT_EQ(r.value("env:PATH"), "/bin");
  EXPECT_FALSE(r.find("env:DROP")) << r.describe();
  EXPECT_EQ(r.value("env:PWD"), "/");  // set to COMMAND's working directory, as bwrap does
  EXPECT_EQ(r.value("envcount"), "5");
}

TEST(Env, ClearenvAppliesInOrder) {
  auto r = run_sandbox({"--setenv", "BEFORE", "1", "--clearenv", "--setenv", "AFTER", "2"}, {"env"},
                       with_env({"PATH=/bin", "INHERITED=1"}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("envcount"), "2") << r.describe();
  EXPECT_EQ(r.value("env:AFTER"), "2");
  EXPECT_EQ(r.value("env:PWD"), "/");
  EXPECT_FALSE(r.find("env:BEFORE"));
  EXPECT_FALSE(r.find("env:INHERITED"));
}

// ---- working directory ---------------------------------------------------------------------

TEST(Cwd, ChdirOption) {
  auto r = run_sandbox({"--dir", "/work/sub", "--chdir", "/work/sub"}, {"cwd", "+", "env"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("cwd"), "/work/sub");
  EXPECT_EQ(r.value("env:PWD"), "/work/sub");
}

TEST(Cwd, ChdirToAMissingDirectoryFails) {
  auto r = run_sandbox({"--chdir", "/no/such/dir"}, {"cwd"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("/no/such/dir"), std::string::npos) << r.describe();
}

TEST(Cwd, CallersDirectoryWhenVisibleElseRoot) {
  TempDir dir;
  RunOptions in_dir;
  in_dir.cwd = dir.path();
  auto bound = run_sandbox({"--bind", dir.path(), dir.path()}, {"cwd"}, in_dir);
  ASSERT_EQ(bound.exit_code, 0) << bound.describe();
  EXPECT_EQ(bound.value("cwd"), dir.path());
  auto unbound = run_sandbox({}, {"cwd", "+", "env"}, in_dir);
  ASSERT_EQ(unbound.exit_code, 0) << unbound.describe();
  EXPECT_EQ(unbound.value("cwd"), "/");
  EXPECT_EQ(unbound.value("env:PWD"), "/");
}

// ---- argv ----------------------------------------------------------------------------------

TEST(Argv, Argv0) {
  auto plain = run_sandbox({}, {"argv"});
  EXPECT_EQ(plain.value("argv0"), "/probe") << plain.describe();
  auto r = run_sandbox({"--argv0", "custom-name"}, {"argv", "+", "pids"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("argv0"), "custom-name");
  EXPECT_EQ(r.value("argc"), "4");
}

TEST(Argv, ArgsFdAddsOptions) {
  Fd fd = data_fd(nul_joined({"--setenv", "FROM_ARGS", "yes", "--hostname", "args-box"}));
  auto r = run_sandbox({"--args", "5"}, {"env", "+", "hostname"}, with_fds({{5, fd.get()}}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("env:FROM_ARGS"), "yes");
  EXPECT_EQ(r.value("hostname"), "args-box");
}

TEST(Argv, ArgsFdCanCarryTheCommand) {
  Fd fd = data_fd(nul_joined({"--ro-bind", kProbe, "/probe", "--", "/probe", "exit", "9"}));
  auto r = run(cloister({"--args", "5"}), with_fds({{5, fd.get()}}));
  EXPECT_EQ(r.exit_code, 9) << r.describe();
}

// ---- exit codes ----------------------------------------------------------------------------

TEST(ExitCode, IsCommands) {
  for (const char* code : {"0", "3", "42", "255"}) {
    auto r = run_sandbox({}, {"exit", code});
    EXPECT_EQ(r.exit_code, std::atoi(code)) << r.describe();
  }
  auto pid1 = run_sandbox({"--as-pid-1"}, {"exit", "7"});
  EXPECT_EQ(pid1.exit_code, 7) << pid1.describe();
}

TEST(ExitCode, SignalIs128PlusN) {
  for (int sig : {SIGTERM, SIGKILL, SIGUSR1, SIGHUP}) {
    auto r = run_sandbox({}, {"kill-self", std::to_string(sig)});
    EXPECT_EQ(r.exit_code, 128 + sig) << "signal " << sig << "\n" << r.describe();
    EXPECT_EQ(r.term_signal, 0) << "cloister itself must exit, not die";
  }
}

TEST(ExitCode, MissingCommandIs127) {
  auto r = run(cloister({"--ro-bind", kProbe, "/probe", "--", "/no/such/command"}));
  EXPECT_EQ(r.exit_code, 127) << r.describe();
  EXPECT_NE(r.err.find("/no/such/command"), std::string::npos) << r.describe();
}

// cloister searches PATH and calls execve itself: a file the kernel cannot run (no #! line)
// is an error, never run by /bin/sh as glibc's execvp would (runc and crun refuse it too).
TEST(ExitCode, AFileWithoutShebangIsAnExecFormatError) {
  TempDir dir;
  dir.write("plain", "echo ran\n", 0755);
  const Argv bind = {"--ro-bind", dir.path(), dir.path()};
  // By its path, and found in PATH.
  for (const Argv& rest :
       {Argv{"--", dir / "plain"}, Argv{"--setenv", "PATH", dir.path(), "--", "plain"}}) {
    Argv args = bind;
    args.insert(args.end(), rest.begin(), rest.end());
    auto r = run(cloister(args));
    EXPECT_EQ(r.exit_code, 126) << r.describe();
    EXPECT_EQ(r.out.find("ran"), std::string::npos) << r.describe();
    EXPECT_NE(r.err.find("Exec format error"), std::string::npos) << r.describe();
    EXPECT_NE(r.err.find("neither a program for this machine nor a script starting with #!"),
              std::string::npos)
        << r.describe();
  }
}

// COMMAND not found: the message says why it is missing and what the root holds.
TEST(ExitCode, MissingCommandSaysWhyAndWhatTheRootHolds) {
  TempDir dir;
  dir.write("tool", "#!/bin/sh\necho hi\n", 0755);
  const std::string link = dir.symlink(dir / "tool", "link");
  auto r = run(cloister(
      {"--empty-root", "--ro-bind", link, "/link", "--ro-bind", kProbe, "/probe", "--", "/link"}));
  EXPECT_EQ(r.exit_code, 127) << r.describe();
  // The bind resolved the link on the host: /link is the script, whose /bin/sh is missing.
  EXPECT_NE(r.err.find("/link is in the sandbox, but its interpreter /bin/sh is not: /bin/sh is "
                       "not in the sandbox: nothing is bound or created at /bin"),
            std::string::npos)
      << r.describe();
  EXPECT_NE(r.err.find("cloister: the sandbox's / holds: link, probe\n"), std::string::npos)
      << r.describe();
  EXPECT_NE(r.err.find("cloister: --empty-root: "), std::string::npos) << r.describe();

  auto in_path = run(cloister({"--", "cloister-no-such-command"}));
  EXPECT_EQ(in_path.exit_code, 127) << in_path.describe();
  EXPECT_NE(in_path.err.find("'cloister-no-such-command' is in no directory of the sandbox's PATH "
                             "(/usr/bin:/bin)"),
            std::string::npos)
      << in_path.describe();
}

TEST(ExitCode, NotExecutableIs126) {
  Fd data = data_fd("not a program\n");
  auto r = run(cloister({"--ro-bind", kProbe, "/probe", "--perms", "0644", "--file", "5",
                         "/not-exec", "--", "/not-exec"}),
               with_fds({{5, data.get()}}));
  EXPECT_EQ(r.exit_code, 126) << r.describe();
}

// Writing to a cloister that already exited is EPIPE for the test, not the death of the run.
TEST(Usage, WritingToAnExitedCloisterIsAnErrorNotDeath) {
  auto [block_read, block_write] = make_pipe();
  auto r = run(cloister({"--no-such-option", "--block-fd", "5", "--", "/bin/true"}),
               with_fds({{5, block_read.get()}}));
  block_read.reset();
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_EQ(::write(block_write.get(), "x", 1), -1);
  EXPECT_EQ(errno, EPIPE);
}

TEST(Usage, UnknownOptionIs2) {
  auto r = run(cloister({"--no-such-option", "--", "/probe", "exit", "0"}));
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("--no-such-option"), std::string::npos) << r.describe();
  EXPECT_EQ(r.out, "");
}

TEST(Usage, MissingArgumentIs2) {
  auto r = run(cloister({"--ro-bind", kProbe}));
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("--ro-bind"), std::string::npos) << r.describe();
}

TEST(Usage, NoCommandIs2) {
  auto r = run(cloister({"--ro-bind", kProbe, "/probe"}));
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("COMMAND"), std::string::npos) << r.describe();
}

TEST(ExitCode, SetupFailureIs125) {
  // Fails inside the sandbox (the destination's parent is a file), not while parsing.
  auto r = run_sandbox({"--tmpfs", "/probe/sub"}, {"exit", "0"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("/probe/sub"), std::string::npos) << r.describe();
}

// ---- error messages ------------------------------------------------------------------------

// cloister: <step> <path>: <strerror> (<hint>)
TEST(ErrorMessage, NamesTheStepThePathTheErrorAndAHint) {
  TempDir dir;
  const std::string missing = dir / "missing-source";
  auto r = run_sandbox({"--ro-bind", missing, "/x"}, {"exit", "0"});
  ASSERT_EQ(r.exit_code, 125) << r.describe();
  const auto lines = lines_of(r.err);
  ASSERT_FALSE(lines.empty());
  const std::regex format("^cloister: (--ro-bind .*" + missing + ".*): (" + std::strerror(ENOENT) +
                          ") \\((.+)\\)$");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines.front(), m, format)) << lines.front();
  EXPECT_NE(m[3].str().find("-try"), std::string::npos) << "the hint names the -try form";
}

TEST(ErrorMessage, SetupStepInsideTheSandbox) {
  auto r = run_sandbox({"--remount-ro", "/not/there"}, {"exit", "0"});
  ASSERT_EQ(r.exit_code, 125) << r.describe();
  const auto lines = lines_of(r.err);
  ASSERT_FALSE(lines.empty());
  const std::regex format("^cloister: .*/not/there.*: " + std::string(std::strerror(ENOENT)) +
                          "( \\(.+\\))?$");
  EXPECT_TRUE(std::regex_match(lines.front(), format)) << lines.front();
}

// ---- inherited descriptors -----------------------------------------------------------------

TEST(Fds, StatusDescriptorsDoNotReachCommand) {
  auto [status_read, status_write] = make_pipe();
  auto [info_read, info_write] = make_pipe();
  auto r = run_sandbox({"--json-status-fd", "5", "--info-fd", "6"}, {"fds"},
                       with_fds({{5, status_write.get()}, {6, info_write.get()}}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("fds"), "0,1,2");
}

// bubblewrap closes the descriptors its options consume; a directory descriptor left open in
// the sandbox is a way out of it (openat(fd, "..") walks the host's tree).
TEST(Fds, DescriptorsConsumedByOptionsDoNotReachCommand) {
  TempDir dir;
  const std::string sub = dir.mkdir("sub");
  dir.write("outside-the-bind", "secret\n");
  Fd dir_fd(::open(sub.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(dir_fd);
  Fd file_data = data_fd("file\n");
  Fd bind_data = data_fd("bind\n");
  Fd ro_bind_data = data_fd("ro-bind\n");
  Fd args = data_fd(nul_joined({"--setenv", "A", "B"}));
  auto r = run_sandbox({"--ro-bind-fd", "5", "/bound", "--file", "6", "/f", "--bind-data", "7",
                        "/bd", "--ro-bind-data", "8", "/rbd", "--args", "9"},
                       {"fds", "+", "ls", "/proc/self/fd/5/.."},
                       with_fds({{5, dir_fd.get()},
                                 {6, file_data.get()},
                                 {7, bind_data.get()},
                                 {8, ro_bind_data.get()},
                                 {9, args.get()}}));
  EXPECT_EQ(r.value("fds"), "0,1,2") << r.describe();
  EXPECT_FALSE(r.find("entries:/proc/self/fd/5/..")) << "the host's directory above the bind "
                                                        "is reachable:\n"
                                                     << r.describe();
}

TEST(Rlimits, AppliedInsideTheSandbox) {
  auto r = run_sandbox({"--rlimit", "nofile=40:50", "--rlimit", "core=0"}, {"rlimits"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("rlimit:nofile"), "40:50") << r.describe();
  EXPECT_EQ(r.value("rlimit:core"), "0:0") << r.describe();
}

TEST(Rlimits, AboveTheHardLimitIsRefusedBeforeStarting) {
  auto r = run_sandbox({"--rlimit", "nofile=1:99999999999"}, {"exit", "0"});
  EXPECT_EQ(r.exit_code, 125) << r.describe();
  EXPECT_NE(r.err.find("--rlimit: hard limit above the caller's nofile=99999999999"),
            std::string::npos)
      << r.describe();
}

}  // namespace
}  // namespace cloister_it
