// What a sandbox inherits from the process that started cloister: cloister run passes on
// only 0, 1, 2 and what --keep-fd names; an inherited directory fd would lead to the host
// root through "..". cloister bwrap passes on everything, as bubblewrap does.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "harness.hpp"

namespace cloister_it {
namespace {

// The host's root directory, open without close-on-exec in the started cloister.
Fd host_root_fd() { return Fd(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)); }

TEST(InheritedFds, RunClosesWhatTheCallerLeftOpen) {
  Fd root = host_root_fd();
  ASSERT_TRUE(root);
  auto r = run_sandbox({}, {"fds"}, with_fds({{7, root.get()}}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("fds"), "0,1,2") << r.describe();
}

TEST(InheritedFds, KeepFdPassesOneOn) {
  Fd root = host_root_fd();
  ASSERT_TRUE(root);
  auto r = run_sandbox({"--keep-fd", "7"}, {"fds"}, with_fds({{7, root.get()}, {8, root.get()}}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("fds"), "0,1,2,7") << r.describe();
}

TEST(InheritedFds, BwrapPassesEverythingOnAsBubblewrapDoes) {
  Fd root = host_root_fd();
  ASSERT_TRUE(root);
  Argv argv = {kCloister, "bwrap", "--ro-bind", kProbe, "/probe", "--unshare-all",
               "--proc",  "/proc", "--dev",     "/dev", "--",     "/probe",
               "fds"};
  auto r = run(argv, with_fds({{7, root.get()}}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("fds"), "0,1,2,7") << r.describe();
}

}  // namespace
}  // namespace cloister_it
