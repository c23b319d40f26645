// cloister --version (the version, what the binary was built with, what this kernel offers,
// against direct attempts and cloister check), and every command --help names answering.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "harness.hpp"

namespace cloister_it {
namespace {

// The "yes"/"no" of the row about `what` in --version's kernel part ("  yes  Landlock").
std::string answer(const std::string& text, const std::string& what) {
  for (const auto& line : lines_of(text)) {
    if (line == "  yes  " + what) return "yes";
    if (line == "  no   " + what) return "no";
  }
  return "missing";
}

bool check_row_ok(const std::string& json, const std::string& id) {
  for (const auto& line : lines_of(json))
    if (line.find("{\"id\": \"" + id + "\"") != std::string::npos)
      return line.find("\"ok\": true") != std::string::npos;
  ADD_FAILURE() << "no row " << id << " in\n" << json;
  return false;
}

TEST(Version, NamesTheVersionBuildAndKernelFeatures) {
  auto r = run({kCloister, "--version"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const auto lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 8u) << r.out;
  EXPECT_EQ(lines[0], std::string("cloister ") + CLOISTER_VERSION);
  EXPECT_EQ(lines[1].rfind("built for ", 0), 0u) << r.out;
  EXPECT_NE(lines[1].find("libseccomp 2."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nkernel interfaces it uses:\n"), std::string::npos) << r.out;

  // Landlock as the kernel answers a direct question: its ABI version, or an error.
  const long abi = ::syscall(444 /* landlock_create_ruleset */, nullptr, 0, 1U);
  EXPECT_EQ(answer(r.out, "Landlock"), abi > 0 ? "yes" : "no") << r.out;
  if (abi > 0) {
    EXPECT_NE(r.out.find("ABI " + std::to_string(abi) + ","), std::string::npos) << r.out;
  }

  // The same answers as cloister check's probes of the same things.
  auto check = run({kCloister, "check", "--json"});
  ASSERT_EQ(check.exit_code, 0) << check.describe();
  const std::pair<const char*, const char*> rows[] = {
      {"seccomp-notify", "seccomp user notification (cloister learn)"},
      {"clone3", "clone3 and pidfd"},
      {"clone-into-cgroup", "clone3 with CLONE_INTO_CGROUP"},
  };
  for (const auto& [id, what] : rows)
    EXPECT_EQ(answer(r.out, what), check_row_ok(check.out, id) ? "yes" : "no") << id << r.out;
}

// The version alone where a script asks a subcommand for it, as bubblewrap's users do.
TEST(Version, SubcommandsPrintTheVersionLine) {
  auto run_version = run({kCloister, "run", "--version"});
  EXPECT_EQ(run_version.exit_code, 0);
  EXPECT_EQ(run_version.out, std::string("cloister ") + CLOISTER_VERSION + "\n");
  auto bwrap_version = run({kCloister, "bwrap", "--version"});
  EXPECT_EQ(bwrap_version.out.rfind("bubblewrap ", 0), 0u) << bwrap_version.out;
}

// Every command `cloister --help` lists answers its own --help with its usage; an unknown one
// is a usage error.
TEST(Help, EveryListedCommandAnswers) {
  auto top = run({kCloister, "--help"});
  ASSERT_EQ(top.exit_code, 0) << top.describe();
  bool in_commands = false;
  int commands = 0;
  for (const auto& line : lines_of(top.out)) {
    if (line == "Commands:") {
      in_commands = true;
      continue;
    }
    if (!in_commands) continue;
    if (line.empty()) break;
    if (line.rfind("  ", 0) != 0 || line[2] == ' ') continue;  // a wrapped summary
    const std::string name = line.substr(2, line.find(' ', 2) - 2);
    auto help = run({kCloister, name, "--help"});
    EXPECT_EQ(help.exit_code, 0) << name << ": " << help.describe();
    if (name != "help") {
      EXPECT_EQ(help.out.rfind("usage: cloister " + name + " ", 0), 0u) << help.out;
    }
    ++commands;
  }
  EXPECT_EQ(commands, 8) << top.out;  // run bwrap explain check learn supervise oci help
  auto unknown = run({kCloister, "frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err, "cloister: unknown command 'frobnicate'\nTry 'cloister --help'.\n");
}

}  // namespace
}  // namespace cloister_it
