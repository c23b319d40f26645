// bubblewrap's words for the failures its users' scripts and its own tests look for, checked
// on the errors cloister really produces (not on hand-made ones), so a change of wording in
// resolve() or the seccomp reader shows here.
#include "policy/bwrap_words.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "plan/plan.hpp"
#include "policy/cli.hpp"
#include "seccomp/filter.hpp"

namespace cloister {
namespace {

const Caller kCaller{1000, 1000, "/"};

Error resolve_error(const std::vector<std::string>& args) {
  auto parsed = cli::parse(args, cli::Dialect::Bwrap);
  EXPECT_TRUE(parsed.ok());
  if (!parsed.ok()) return parsed.error();
  auto plan = resolve(parsed->policy, kCaller);
  EXPECT_FALSE(plan.ok());
  return plan.ok() ? Error{} : plan.error();
}

// A pipe holding `data`, then EOF.
int filled_pipe(const std::string& data) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  EXPECT_EQ(::write(fds[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(fds[1]);
  return fds[0];
}

TEST(BwrapWords, MissingBindSourceIsCantFindSourcePathWithCloistersHint) {
  for (const char* option : {"--bind", "--ro-bind", "--dev-bind"}) {
    const Error e = resolve_error({option, "/source-enoent", "/dest", "true"});
    const std::string text = cli::bwrap_message(e);
    EXPECT_EQ(text.rfind("Can't find source path /source-enoent: No such file or directory (", 0),
              0u)
        << text;
    EXPECT_NE(text.find("-try"), std::string::npos) << "cloister's hint kept: " << text;
  }
}

TEST(BwrapWords, SeccompProgramOfAWrongSizeIsInvalidSeccompData) {
  const int fd = filled_pipe(std::string(5, '\x01'));
  auto program = seccomp::read_program(fd, "--seccomp");
  ::close(fd);
  ASSERT_FALSE(program.ok());
  // Exactly bwrap's line: its words already say what the hint would.
  EXPECT_EQ(cli::bwrap_message(program.error()), "Invalid seccomp data, must be multiple of 8");
}

TEST(BwrapWords, UnreadableSeccompFdIsCantReadSeccompData) {
  const int fd = filled_pipe("");
  ::close(fd);  // now a closed descriptor
  auto program = seccomp::read_program(fd, "--seccomp");
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(cli::bwrap_message(program.error()), "Can't read seccomp data: Bad file descriptor");

  // The same descriptor given twice: bwrap has read and closed it the first time.
  auto twice =
      cli::parse({"--add-seccomp-fd", "7", "--add-seccomp-fd", "7", "true"}, cli::Dialect::Bwrap);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(
      cli::bwrap_message(twice.error()).rfind("Can't read seccomp data: Bad file descriptor", 0),
      0u);
}

// A malformed program is reported before an empty one given earlier, as bwrap reads them all
// before installing any.
TEST(BwrapWords, MalformedProgramIsReportedBeforeAnEmptyOne) {
  const int empty = filled_pipe("");
  const int odd = filled_pipe("\x01");
  const Error e = resolve_error(
      {"--add-seccomp-fd", std::to_string(empty), "--add-seccomp-fd", std::to_string(odd), "true"});
  ::close(empty);
  ::close(odd);
  EXPECT_EQ(cli::bwrap_message(e), "Invalid seccomp data, must be multiple of 8");
}

TEST(BwrapWords, OtherErrorsKeepCloistersMessage) {
  const Error e = resolve_error({"--hostname", "x", "true"});
  EXPECT_FALSE(cli::bwrap_words(e).has_value());
  EXPECT_EQ(cli::bwrap_message(e), e.message());
}

}  // namespace
}  // namespace cloister
