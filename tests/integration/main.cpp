// The integration tests' main: gtest's, plus what makes the suite run on any machine.
// - Where the kernel refuses the namespace sandboxes most tests build (a chroot, a container
//   that forbids namespaces, user namespaces disabled for an unprivileged run), those tests
//   are skipped, each saying why; the tests of the suites below still run.
// - SIGPIPE is ignored: a test writing to a cloister that already exited gets EPIPE and
//   fails (or goes on) with a message, instead of killing the whole run.
#include <gtest/gtest.h>

#include <csignal>
#include <set>
#include <string>

#include "harness.hpp"

namespace cloister_it {
namespace {

// Suites whose tests build no namespace sandbox: chroot mode, and errors cloister reports
// before any sandbox starts. A test in any other suite needs namespaces.
const std::set<std::string> kSuitesWithoutNamespaces = {"ChrootMode", "Usage"};

// Skips a test that needs namespaces where the kernel refuses them. The skip is recorded as
// the test starts, before its body runs (gtest runs no body once a skip is recorded).
class SkipWhereNamespacesAreRefused : public testing::EmptyTestEventListener {
  void OnTestStart(const testing::TestInfo& test) override {
    if (kSuitesWithoutNamespaces.count(test.test_suite_name())) return;
    const std::string& why = namespaces_refused();
    if (!why.empty()) GTEST_SKIP() << why;
  }
};

}  // namespace
}  // namespace cloister_it

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(
      new cloister_it::SkipWhereNamespacesAreRefused);
  return RUN_ALL_TESTS();
}
