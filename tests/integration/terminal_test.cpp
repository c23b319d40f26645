// Terminal injection into the caller's terminal: cloister runs with a pty of the test as its
// controlling terminal (setsid --ctty), and the probe types into it with TIOCSTI.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "harness.hpp"

namespace cloister_it {
namespace {

constexpr const char* kWarning = "warning: the sandbox can type into this terminal";

struct Pty {
  Fd master, slave;
};

Pty open_pty() {
  Pty pty;
  pty.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pty.master || ::grantpt(pty.master.get()) != 0 || ::unlockpt(pty.master.get()) != 0)
    return pty;
  const char* name = ::ptsname(pty.master.get());
  if (name) pty.slave.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  return pty;
}

// cloister with the pty's slave as stdin and as its controlling terminal.
RunResult run_on_terminal(const Argv& options) {
  Pty pty = open_pty();
  if (!pty.slave) {
    ADD_FAILURE() << "cannot open a pty: " << errno_name(errno);
    return {};
  }
  Argv argv = {"/usr/bin/setsid", "--wait", "--ctty"};
  const Argv inner = sandbox(options, {"sys", "tiocsti-stdin"});
  argv.insert(argv.end(), inner.begin(), inner.end());
  RunOptions run_options;
  run_options.stdin_fd = pty.slave.get();
  return run(argv, run_options);
}

bool legacy_tiocsti() {
  const std::string value = read_text("/proc/sys/dev/tty/legacy_tiocsti");
  return value.empty() || value[0] != '0';
}

TEST(TerminalInjection, WithoutAFilterTheHoleIsRealAndSaid) {
  auto r = run_on_terminal({"--seccomp-policy", "none"});
  if (legacy_tiocsti()) {
    EXPECT_EQ(r.value("sys:tiocsti-stdin"), "ok") << r.describe();
    EXPECT_NE(r.err.find(kWarning), std::string::npos) << r.describe();
    EXPECT_NE(r.err.find("stdin is the session's terminal and ioctl TIOCSTI"), std::string::npos)
        << r.describe();
  } else {
    // dev.tty.legacy_tiocsti = 0: the kernel refuses it, so there is nothing to warn about.
    EXPECT_NE(r.value("sys:tiocsti-stdin"), "ok") << r.describe();
    EXPECT_EQ(r.err.find(kWarning), std::string::npos) << r.describe();
  }
}

TEST(TerminalInjection, TheDefaultFilterRefusesItSilently) {
  auto r = run_on_terminal({});
  EXPECT_EQ(r.value("sys:tiocsti-stdin"), "EPERM") << r.describe();
  EXPECT_EQ(r.err.find(kWarning), std::string::npos) << r.describe();
}

TEST(TerminalInjection, ANewSessionClosesItSilently) {
  auto r = run_on_terminal({"--seccomp-policy", "none", "--new-session"});
  EXPECT_NE(r.value("sys:tiocsti-stdin"), "ok") << r.describe();
  EXPECT_EQ(r.err.find(kWarning), std::string::npos) << r.describe();
}

TEST(TerminalInjection, NoTerminalNoWarning) {
  auto r = run_sandbox({"--seccomp-policy", "none"}, {"sys", "getppid"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.err.find(kWarning), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace cloister_it
