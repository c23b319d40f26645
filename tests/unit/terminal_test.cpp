// The terminal-injection warning: said when a terminal the sandbox shares is the caller's
// controlling terminal and nothing refuses TIOCSTI (or TIOCLINUX on a virtual console):
// neither the effective seccomp filters (checked by emulating them) nor the kernel.
#include "plan/terminal.hpp"

#include <gtest/gtest.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "policy/cli.hpp"

namespace cloister {
namespace {

Plan plan_of(const std::vector<std::string>& args, cli::Dialect dialect = cli::Dialect::Run) {
  auto parsed = cli::parse(args, dialect);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message());
  auto plan = resolve(parsed->policy, current_caller());
  EXPECT_TRUE(plan.ok()) << (plan.ok() ? "" : plan.error().message());
  return std::move(*plan);
}

const terminal::Facts kStdinIsTheTerminal{{0}, {}, 1};

TEST(TerminalInjection, NoFilterAndTheCallersTerminalIsWarned) {
  auto warning = terminal::injection_warning(plan_of({"--seccomp-policy", "none", "true"}),
                                             kStdinIsTheTerminal);
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("stdin is the session's terminal and ioctl TIOCSTI passes"),
            std::string::npos)
      << *warning;
  EXPECT_NE(warning->find("--new-session"), std::string::npos) << *warning;
  EXPECT_EQ(warning->find('\n'), std::string::npos) << "one line";
}

TEST(TerminalInjection, TheDefaultFiltersRefuseIt) {
  for (const char* base : {"default", "strict-daemon"})
    EXPECT_FALSE(terminal::injection_warning(plan_of({"--seccomp-policy", base, "true"}),
                                             terminal::Facts{{0, 1, 2}, {0, 1, 2}, 1}))
        << base;
}

TEST(TerminalInjection, ANewSessionHasNoControllingTerminal) {
  EXPECT_FALSE(terminal::injection_warning(
      plan_of({"--seccomp-policy", "none", "--new-session", "true"}), kStdinIsTheTerminal));
}

// An OCI container with a terminal of its own (process.terminal) is in a session of its own.
TEST(TerminalInjection, ATerminalOfItsOwnIsANewSession) {
  auto parsed = cli::parse({"--seccomp-policy", "none", "true"}, cli::Dialect::Run);
  ASSERT_TRUE(parsed.ok());
  parsed->policy.console = ConsolePolicy{STDIN_FILENO, 0, 0};  // any open descriptor
  auto plan = resolve(parsed->policy, current_caller());
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_FALSE(terminal::injection_warning(*plan, kStdinIsTheTerminal));
}

TEST(TerminalInjection, NothingToSayWithoutTheCallersTerminal) {
  EXPECT_FALSE(terminal::injection_warning(plan_of({"--seccomp-policy", "none", "true"}),
                                           terminal::Facts{{}, {}, 1}));
}

TEST(TerminalInjection, AProfileThatAllowsIoctlAgainIsWarned) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("cloister-terminal-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "p.toml").string();
  std::ofstream(path) << "[seccomp]\nallow = [\"ioctl\"]\n";
  auto plan = plan_of({"--profile", path, "true"});
  std::filesystem::remove_all(dir);
  auto warning = terminal::injection_warning(plan, terminal::Facts{{2}, {}, 1});
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("stderr"), std::string::npos) << *warning;
}

TEST(TerminalInjection, TheKernelsSwitchRefusesTiocstiToTheSandbox) {
  // dev.tty.legacy_tiocsti = 0: only CAP_SYS_ADMIN in the initial user namespace may inject.
  EXPECT_FALSE(terminal::injection_warning(plan_of({"--seccomp-policy", "none", "true"}),
                                           terminal::Facts{{0}, {}, 0}));
  // bwrap's dialect without a user namespace: root keeps its capabilities, CAP_SYS_ADMIN of
  // the host's user namespace among them.
  auto bwrap = plan_of({"--ro-bind", "/", "/", "true"}, cli::Dialect::Bwrap);
  EXPECT_EQ(terminal::injection_warning(bwrap, terminal::Facts{{0}, {}, 0}).has_value(),
            ::geteuid() == 0);
}

TEST(TerminalInjection, VirtualConsolesAlsoPasteWithTioclinux) {
  auto warning = terminal::injection_warning(plan_of({"--seccomp-policy", "none", "true"}),
                                             terminal::Facts{{1}, {1}, 0});
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("stdout is the session's terminal and ioctl TIOCLINUX"),
            std::string::npos)
      << *warning;
}

TEST(TerminalInjection, CurrentFactsListOnlyTheControllingTerminal) {
  const auto facts = terminal::current_facts();
  for (int fd : facts.controlling) EXPECT_GE(::tcgetsid(fd), 0) << fd;
  for (int fd = 0; fd <= 2; ++fd) {
    const bool listed = std::count(facts.controlling.begin(), facts.controlling.end(), fd) > 0;
    EXPECT_EQ(listed, ::isatty(fd) && ::tcgetsid(fd) >= 0) << fd;
  }
}

}  // namespace
}  // namespace cloister
