// Every input the fuzzers once failed on (tests/fuzz/regressions/) replayed in every build,
// with the fuzz targets' own checks (tests/fuzz/targets.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../fuzz/targets.hpp"

namespace {

std::vector<std::filesystem::path> inputs(const char* target) {
  std::vector<std::filesystem::path> out;
  const auto dir = std::filesystem::path(CLOISTER_SOURCE_DIR) / "tests/fuzz/regressions" / target;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file()) out.push_back(entry.path());
  return out;
}

std::string contents(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream data;
  data << in.rdbuf();
  return data.str();
}

TEST(FuzzRegressions, ProfileInputs) {
  const auto all = inputs("profile");
  EXPECT_FALSE(all.empty());
  for (const auto& path : all) EXPECT_EQ(cloister_fuzz::profile_input(contents(path)), "") << path;
}

TEST(FuzzRegressions, GroupInputs) {
  const auto all = inputs("group");
  EXPECT_FALSE(all.empty());
  for (const auto& path : all) EXPECT_EQ(cloister_fuzz::group_input(contents(path)), "") << path;
}

TEST(FuzzRegressions, CommandLineInputs) {
  const auto all = inputs("cli");
  EXPECT_FALSE(all.empty());
  for (const auto& path : all) EXPECT_EQ(cloister_fuzz::cli_input(contents(path)), "") << path;
}

// The first find: toml++ quotes the input in its parse errors, a NUL byte included.
TEST(FuzzRegressions, ParseErrorsQuotingTheInputAreEscaped) {
  cloister::Policy p;
  auto st = cloister::profile::load_text(std::string("a = i\0\x1b", 7), "p.toml", p);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(cloister_fuzz::check_message(st.error().message()), "");
  EXPECT_NE(st.error().message().find("\\x00"), std::string::npos) << st.error().message();
}

}  // namespace
